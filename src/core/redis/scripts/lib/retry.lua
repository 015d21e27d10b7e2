-- Retries: a failed run that its worker decided to retry (scheduler/retry-policy.ts, with the job's policy and retry
-- count as fetched) waits its backoff as a scheduled job, or goes to the back of its queue at once. Its dependents
-- and result() waiters hear nothing: only the job's final outcome is told.
-- KEYS: meta queued wake scheduled
-- @include keys delay

-- Records the failed run of `job` (error JSON `err`) and makes it wait `delay` ms (text) before it runs again; a job
-- with no wait is added to `tail`, which the caller pushes onto the queue in one call.
local function retry_job(job, id, delay, err, now, tail)
  redis.call('HINCRBY', job, F_RETRIES, 1)
  -- its ttl bounded the wait before its first run, which is over
  redis.call('HDEL', job, F_WORKER, F_EXPIRES_AT)
  local d = tonumber(delay) or 0
  -- hasOptions: its next fetch reads the retry count too (WORKER_OPTION_FIELDS)
  if d > 0 then
    local at = string.format('%d', now + d)
    redis.call('HSET', job, F_STATUS, 'scheduled', F_SCHEDULED_FOR, at, F_ERROR, err, F_HAS_OPTIONS, '1')
    redis.call('ZADD', K.scheduled, at, id)
    note_due(now + d)
  else
    redis.call('HSET', job, F_STATUS, 'queued', F_ERROR, err, F_HAS_OPTIONS, '1')
    tail[#tail + 1] = id
  end
end
