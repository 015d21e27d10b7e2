-- Cancels a job that has not started: it leaves its queue and never runs.
-- KEYS: meta queued wake ttl deferred scheduled outbox waiting finished failed canceled expired stopped
-- ARGV[1]: job id
-- returns: { outbox length, outcome, status } outcome 'ok' | 'missing' | 'state' (status does not allow it)
-- @include keys clock queue dependencies errors retention
local id = ARGV[1]
local job = job_key(id)
local s = redis.call('HGET', job, F_STATUS)
if not s then return { 0, 'missing', '' } end
if s ~= 'queued' and s ~= 'deferred' and s ~= 'scheduled' then return { 0, 'state', s } end
if s == 'queued' then unlist(job, id) end
redis.call('ZREM', K.scheduled, id)
local now = now_ms()
end_with_error(job, id, 'canceled', error_json('JobCanceledError', 'The job was canceled before it ran.'), now)
flush_ends(now)
wake()
return { redis.call('LLEN', K.outbox), 'ok', 'canceled' }
