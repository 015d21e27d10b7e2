-- Puts a failed (or canceled, stopped, expired) job back on its queue, with its attempts reset.
-- KEYS[1]: queue base "<prefix>:{<queue>}:"
-- ARGV[1]: job id
-- returns: { outcome, status } outcome 'ok' | 'missing' | 'state'
local base, id = KEYS[1], ARGV[1]
local job = base .. 'job:' .. id
local s = redis.call('HGET', job, 's')
if not s then return { 'missing', '' } end
if s ~= 'failed' and s ~= 'canceled' and s ~= 'stopped' and s ~= 'expired' then return { 'state', s } end
redis.call('ZREM', base .. s, id)
redis.call('PERSIST', job)
-- its ttl was spent: the requeued job waits without one
redis.call('HDEL', job, 'e', 'et', 'st', 'w', 'r', 'x')
redis.call('HSET', job, 'a', 0)
push_queued(base, job, id)
wake(base)
return { 'ok', 'queued' }
