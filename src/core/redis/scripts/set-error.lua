-- Records the error of an onFailure callback beside the error of a job that failed (e.g. abandoned after a crash).
-- KEYS: meta
-- ARGV[1]: job id, ARGV[2]: the job's full error JSON (with callbackError)
-- returns: { 0, 1 stored or 0 the job is gone or no longer failed }
-- @include keys
local job = job_key(ARGV[1])
if redis.call('HGET', job, F_STATUS) ~= 'failed' then return { 0, 0 } end
redis.call('HSET', job, F_ERROR, ARGV[2])
return { 0, 1 }
