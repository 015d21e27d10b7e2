-- Puts a failed (or canceled, stopped, expired) job back on its queue, with its attempts and retries reset.
-- KEYS: meta queued wake ttl finished failed canceled expired stopped
-- ARGV[1]: job id
-- returns: { 0, outcome, status } outcome 'ok' | 'missing' | 'state' (status does not allow it)
-- @include keys queue
local id = ARGV[1]
local job = job_key(id)
local s = redis.call('HGET', job, F_STATUS)
if not s then return { 0, 'missing', '' } end
if s ~= 'failed' and s ~= 'canceled' and s ~= 'stopped' and s ~= 'expired' then return { 0, 'state', s } end
redis.call('ZREM', key(s), id)
redis.call('PERSIST', job)
-- its ttl was spent: the requeued job waits without one; its retries start again, as its attempts do
redis.call('HDEL', job, F_ERROR, F_ENDED_AT, F_STARTED_AT, F_WORKER, F_RESULT, F_EXPIRES_AT, F_RETRIES, F_SCHEDULED_FOR)
redis.call('HSET', job, F_ATTEMPTS, 0)
push_queued(job, id)
wake()
return { 0, 'ok', 'queued' }
