-- Delayed jobs: a job that may not run yet waits in the `scheduled` zset, scored by when it becomes runnable (ms).
-- The queue's meta keeps the earliest moment anything of the queue is due (M_NEXT_DUE: never later than the first
-- scheduled job or schedule tick, possibly earlier), so a fetch learns with one HGET that nothing is due yet
-- (lib/schedule.lua).
-- KEYS: meta wake scheduled
-- @include keys

-- Records that something is due at `at` (ms). When that moves the next-due time earlier, a blocked worker is woken
-- so that it reads the new time instead of sleeping until the one it had.
local function note_due(at)
  local cur = redis.call('HGET', K.meta, M_NEXT_DUE)
  if cur and tonumber(cur) <= at then return end
  redis.call('HSET', K.meta, M_NEXT_DUE, string.format('%d', at))
  if redis.call('LLEN', K.wake) == 0 then redis.call('RPUSH', K.wake, '1') end
end

-- Makes job `id` wait until `at` (ms): status scheduled.
local function schedule_job(job, id, at)
  local at_s = string.format('%d', at)
  redis.call('HSET', job, F_STATUS, 'scheduled', F_SCHEDULED_FOR, at_s)
  redis.call('ZADD', K.scheduled, at_s, id)
  note_due(at)
end

-- When a job enqueued with options `opt` may first run (ms): its runAt, or now plus its delay; nil for at once (no
-- delay, or an instant already past).
local function due_at(opt, now)
  local at = opt[OPT_RUN_AT]
  if at then
    at = tonumber(at)
  elseif opt[OPT_DELAY] then
    at = now + tonumber(opt[OPT_DELAY])
  else
    return nil
  end
  if at > now then return at end
  return nil
end
