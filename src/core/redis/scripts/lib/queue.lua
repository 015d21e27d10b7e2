-- The queue list and the wake-up token of blocked workers.
-- KEYS: meta queued wake ttl
-- @include keys clock list-job

-- Wakes one blocked worker when there is queued work, no wake-up token is pending and the queue is not paused (a
-- paused queue's worker would fetch nothing and wake the next one, round and round) nor held back by its rate limit
-- until later (its limited worker wakes itself then: lib/rate-limit.lua).
local function wake()
  if redis.call('LLEN', K.wake) == 0 and (redis.call('LLEN', K.queued) > 0 or lane_work or group_work) then
    local m = redis.call('HMGET', K.meta, M_PAUSED, M_HOLD)
    if m[1] or (m[2] and tonumber(m[2]) > now_ms()) then return end
    redis.call('RPUSH', K.wake, '1')
  end
end

-- Puts a job on its queue (list_job: its group's, its lane's or `queued`): at the head if `front` (a run cut short goes
-- back ahead of newer work) or it was enqueued atFront (a deferred job keeps that choice), else at the tail; a job
-- with a ttl is tracked for it again.
local function push_queued(job, id, front)
  redis.call('HSET', job, F_STATUS, 'queued')
  local cur = redis.call('HMGET', job, F_AT_FRONT, F_EXPIRES_AT, F_LANE, F_GROUP)
  if cur[2] then redis.call('ZADD', K.ttl, cur[2], id) end
  list_job(id, cur[4], cur[3], front or cur[1] == '1')
  flush_tail()
  flush_lanes()
end
