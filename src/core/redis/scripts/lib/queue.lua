-- The queue list and the wake-up token of blocked workers.
-- KEYS: meta queued wake ttl

-- Wakes one blocked worker when there is queued work, no wake-up token is pending and the queue is not paused (a
-- paused queue's worker would fetch nothing and wake the next one, round and round).
local function wake()
  if redis.call('LLEN', K.wake) == 0 and redis.call('LLEN', K.queued) > 0 and redis.call('HEXISTS', K.meta, M_PAUSED) == 0 then
    redis.call('RPUSH', K.wake, '1')
  end
end

-- Puts a job on its queue: at the head if `front` (a run cut short goes back ahead of newer work) or it was enqueued
-- atFront (a deferred job keeps that choice), else at the tail; a job with a ttl is tracked for it again.
local function push_queued(job, id, front)
  redis.call('HSET', job, F_STATUS, 'queued')
  local cur = redis.call('HMGET', job, F_AT_FRONT, F_EXPIRES_AT)
  if front or cur[1] == '1' then
    redis.call('LPUSH', K.queued, id)
  else
    redis.call('RPUSH', K.queued, id)
  end
  if cur[2] then redis.call('ZADD', K.ttl, cur[2], id) end
end
