-- Sync mode: takes one queued job off its queue as started by this process, to run it in-process now (a job whose
-- dependency in another queue was met through the outbox, after enqueue had stored it deferred).
-- KEYS[1]: queue base "<prefix>:{<queue>}:"
-- ARGV[1]: job id, ARGV[2]: worker id, ARGV[3]: lease ms
-- returns: 1 claimed (attempt 1), 0 the job is not queued (still deferred, or taken by a worker)
local id = ARGV[1]
local job = BASE .. 'job:' .. id
if redis.call('HGET', job, 's') ~= 'queued' then return 0 end
local now = now_ms()
redis.call('LREM', BASE .. 'queued', 1, id)
redis.call('ZREM', BASE .. 'ttl', id)
redis.call('HSET', job, 's', 'started', 'a', 1, 'w', ARGV[2], 'st', now)
hold(BASE, ARGV[2], id, '1', now + tonumber(ARGV[3]))
return 1
