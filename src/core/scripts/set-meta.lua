-- Stores a running job's meta, only while this worker still holds it (never resurrects a deleted job's hash).
-- KEYS[1]: queue base "<prefix>:{<queue>}:"
-- ARGV[1]: job id, ARGV[2]: worker id, ARGV[3]: attempt, ARGV[4]: meta JSON
-- returns: 1 stored, 0 the job is no longer held by this worker
local job = KEYS[1] .. 'job:' .. ARGV[1]
local cur = redis.call('HMGET', job, 's', 'w', 'a')
if cur[1] == 'started' and cur[2] == ARGV[2] and cur[3] == ARGV[3] then
  redis.call('HSET', job, 'm', ARGV[4], 'o', '1')
  return 1
end
return 0
