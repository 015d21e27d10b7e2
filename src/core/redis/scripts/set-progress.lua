-- Stores a running job's progress (ctx.progress), only while this worker still holds it on this attempt (never
-- resurrects a deleted job's hash, nor writes over a later attempt's).
-- KEYS: meta
-- ARGV[1]: job id, ARGV[2]: worker id, ARGV[3]: attempt, ARGV[4]: progress JSON
-- returns: { 0, 1 stored or 0 the job is no longer held by this worker }
-- @include keys
local job = job_key(ARGV[1])
local cur = redis.call('HMGET', job, F_STATUS, F_WORKER, F_ATTEMPTS)
if cur[1] == 'started' and cur[2] == ARGV[2] and cur[3] == ARGV[3] then
  redis.call('HSET', job, F_PROGRESS, ARGV[4])
  return { 0, 1 }
end
return { 0, 0 }
