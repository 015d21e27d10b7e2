-- Records the error of an onFailure callback beside the error of a job that failed (e.g. abandoned after a crash).
-- KEYS[1]: queue base "<prefix>:{<queue>}:"
-- ARGV[1]: job id, ARGV[2]: the job's full error JSON (with callbackError)
-- returns: 1 stored, 0 the job is gone or no longer failed
local job = BASE .. 'job:' .. ARGV[1]
if redis.call('HGET', job, 's') ~= 'failed' then return 0 end
redis.call('HSET', job, 'e', ARGV[2])
return 1
