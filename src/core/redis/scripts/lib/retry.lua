-- Retries: a failed run that its worker decided to retry (scheduler/retry-policy.ts, with the job's policy and retry
-- count as fetched) waits its backoff as a scheduled job, or goes back to its queue at once. Its dependents and
-- result() waiters hear nothing: only the job's final outcome is told.
-- KEYS: meta queued wake ttl scheduled
-- @include keys queue delay

-- Records the failed run of `job` (error JSON `err`) and makes it wait `delay` ms (text) before it runs again.
local function retry_job(job, id, delay, err, now)
  redis.call('HINCRBY', job, F_RETRIES, 1)
  -- hasOptions: its next fetch reads the retry count too (WORKER_OPTION_FIELDS)
  redis.call('HSET', job, F_ERROR, err, F_HAS_OPTIONS, '1')
  -- its ttl bounded the wait before its first run, which is over
  redis.call('HDEL', job, F_WORKER, F_EXPIRES_AT)
  local d = tonumber(delay) or 0
  if d > 0 then
    schedule_job(job, id, now + d)
  else
    push_queued(job, id)
  end
end
