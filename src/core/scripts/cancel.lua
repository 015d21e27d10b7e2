-- Cancels a job that has not started: it leaves its queue and never runs.
-- KEYS[1]: queue base "<prefix>:{<queue>}:"
-- ARGV[1]: job id
-- returns: { outcome, status, outbox length } outcome 'ok' | 'missing' | 'state' (status does not allow it)
local base, id = KEYS[1], ARGV[1]
local job = base .. 'job:' .. id
local s = redis.call('HGET', job, 's')
if not s then return { 'missing', '', 0 } end
if s ~= 'queued' and s ~= 'deferred' and s ~= 'scheduled' then return { 'state', s, 0 } end
if s == 'queued' then redis.call('LREM', base .. 'queued', 1, id) end
redis.call('ZREM', base .. 'scheduled', id)
end_with_error(base, job, id, 'canceled', error_json('JobCanceledError', 'The job was canceled before it ran.'), now_ms())
wake(base)
return { 'ok', 'canceled', redis.call('LLEN', base .. 'outbox') }
