-- Makes a scheduled job runnable now (handle.promote()): it leaves the scheduled set for its queue.
-- KEYS: meta queued wake ttl scheduled
-- ARGV[1]: job id
-- returns: { 0, outcome, status } outcome 'ok' | 'missing' | 'state' (only a scheduled job can be promoted)
-- @include keys clock queue
local id = ARGV[1]
local job = job_key(id)
local s = redis.call('HGET', job, F_STATUS)
if not s then return { 0, 'missing', '' } end
if s ~= 'scheduled' then return { 0, 'state', s } end
redis.call('ZREM', K.scheduled, id)
-- the queue's next-due time may now be early, which costs one look (lib/delay.lua), never a missed job
redis.call('HSET', job, F_SCHEDULED_FOR, now_ms())
push_queued(job, id)
wake()
return { 0, 'ok', 'queued' }
