-- Requeueing: a failed (or canceled, stopped, expired) job goes back on its queue with its attempts and retries reset.
-- KEYS: queued ttl finished failed canceled expired stopped
-- @include keys queue unique

-- Requeues job `id`. Returns 'ok', 'missing', or 'state' (its status does not allow it), and the status it has now.
local function requeue_job(id)
  local job = job_key(id)
  local s = redis.call('HGET', job, F_STATUS)
  if not s then return 'missing', '' end
  if s ~= 'failed' and s ~= 'canceled' and s ~= 'stopped' and s ~= 'expired' then return 'state', s end
  redis.call('ZREM', key(s), id)
  redis.call('PERSIST', job)
  -- its ttl was spent: the requeued job waits without one; its retries start again, as its attempts do
  redis.call('HDEL', job, F_ERROR, F_ENDED_AT, F_STARTED_AT, F_WORKER, F_RESULT, F_EXPIRES_AT, F_RETRIES, F_SCHEDULED_FOR)
  redis.call('HSET', job, F_ATTEMPTS, 0)
  retake_unique(job, id)
  push_queued(job, id)
  return 'ok', 'queued'
end
