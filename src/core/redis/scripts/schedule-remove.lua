-- Removes a recurring schedule (its jobs already enqueued stay).
-- KEYS: meta schedules
-- ARGV[1]: schedule id
-- returns: { 0, 1 removed or 0 it did not exist here }
-- @include keys
local removed = redis.call('ZREM', K.schedules, ARGV[1])
redis.call('DEL', schedule_key(ARGV[1]))
return { 0, removed }
