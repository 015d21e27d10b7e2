-- Sync mode: takes one queued job off its queue as started by this process, to run it in-process now (a job whose
-- dependency in another queue was met through the outbox, after enqueue had stored it deferred; a promoted job; a
-- retry, which sync mode runs at once).
-- KEYS: meta queued ttl workers
-- ARGV[1]: job id, ARGV[2]: worker id, ARGV[3]: lease ms
-- returns: { 0, the attempt claimed (1 on a first run), or 0: the job is not queued (still deferred, or taken by a
--   worker) }
-- @include keys clock lease lane-keys group-keys
local id = ARGV[1]
local job = job_key(id)
if redis.call('HGET', job, F_STATUS) ~= 'queued' then return { 0, 0 } end
local now = now_ms()
unlist(job, id)
redis.call('ZREM', K.ttl, id)
local attempt = redis.call('HINCRBY', job, F_ATTEMPTS, 1)
redis.call('HSET', job, F_STATUS, 'started', F_WORKER, ARGV[2], F_STARTED_AT, now)
hold(ARGV[2], id, tostring(attempt), now + tonumber(ARGV[3]))
group_start(job)
return { 0, attempt }
