-- The fetch's look at time (work.lua): promotes the delayed jobs that are due, claims the recurring schedules that
-- are due for the calling worker to fire (scheduler/schedule-firing.ts, schedule-fire.lua), and tells the worker how
-- long it may block before the next due moment. Recurring schedules: the `schedules` zset scores each schedule by
-- its next tick (ms), by the end of a worker's claim on a due tick, or +inf once it has ended (kept for listing).
-- KEYS: meta queued wake ttl scheduled schedules
-- @include keys batch delay list-job

-- How long a worker has to fire a schedule it was handed before another worker is handed it (it may have died).
local SCHEDULE_CLAIM_MS = 5000

-- Moves up to `limit` due jobs from `scheduled` to their queue, in run-time order (the tail, or the head for an
-- atFront job); a job's ttl counts from now on (its expiresAt was set from its run time at enqueue). When the queue
-- is empty, the first `direct` of them are handed to the fetch that follows in this same call as they are: work.lua
-- takes a job still `scheduled` off the list (only they can be there), and sets its status once, as for any job.
local function promote_due(now, limit, direct)
  local ids = redis.call('ZRANGEBYSCORE', K.scheduled, '-inf', now, 'LIMIT', 0, limit)
  if #ids == 0 then return end
  local from = 1
  if direct > 0 and redis.call('LLEN', K.queued) == 0 then
    local n = math.min(direct, #ids)
    for k = 1, n do tail[#tail + 1] = ids[k] end
    from = n + 1
  end
  for k = from, #ids do
    local id = ids[k]
    local job = JOB_PREFIX .. id
    local c = redis.call('HMGET', job, F_STATUS, F_AT_FRONT, F_EXPIRES_AT, F_LANE, F_GROUP)
    if c[1] == 'scheduled' then
      redis.call('HSET', job, F_STATUS, 'queued')
      if c[3] then redis.call('ZADD', K.ttl, c[3], id) end
      -- back to its group's list or its own lane (a queue with lanes or groups hands none to the fetch); atFront:
      -- ahead of the queued jobs; when the queue was empty none are, and the head is the fetch's (direct)
      list_job(id, c[5], c[4], c[2] == '1' and from == 1)
    end
  end
  call_all('ZREM', K.scheduled, ids)
  flush_tail()
  flush_lanes()
end

-- Claims the due schedules (at most 20 a call) for the calling worker: each as "id TAB tick TAB version TAB anchor
-- TAB rule". A schedule that has ended is kept at +inf.
local function claim_due_schedules(now, out)
  for _, sid in ipairs(redis.call('ZRANGEBYSCORE', K.schedules, '-inf', now, 'LIMIT', 0, 20)) do
    local h = redis.call('HMGET', schedule_key(sid), S_NEXT, S_VERSION, S_ANCHOR, S_RULE)
    if h[1] then
      redis.call('ZADD', K.schedules, now + SCHEDULE_CLAIM_MS, sid)
      out[#out + 1] = sid .. '\t' .. h[1] .. '\t' .. h[2] .. '\t' .. h[3] .. '\t' .. h[4]
    else
      redis.call('ZADD', K.schedules, 'inf', sid)
    end
  end
end

-- For a fetch of `want` jobs: when something is due, promotes due jobs (up to `limit`) and claims due schedules.
-- Returns the timing part of work.lua's reply: the ms until the next due moment ('-1': nothing scheduled), then, if
-- schedules were claimed, LF, Redis's now, and LF before each claimed schedule.
local function time_due(now, limit, want)
  local due = redis.call('HGET', K.meta, M_NEXT_DUE)
  if not due then return '-1' end
  due = tonumber(due)
  if due > now then return string.format('%d', due - now) end
  promote_due(now, limit, want)
  local claimed = { '', string.format('%d', now) }
  claim_due_schedules(now, claimed)
  local a = redis.call('ZRANGE', K.scheduled, 0, 0, 'WITHSCORES')
  local b = redis.call('ZRANGE', K.schedules, 0, 0, 'WITHSCORES')
  local nxt = a[2] and tonumber(a[2])
  if b[2] and b[2] ~= 'inf' and (not nxt or tonumber(b[2]) < nxt) then nxt = tonumber(b[2]) end
  local wait = '-1'
  if nxt then
    redis.call('HSET', K.meta, M_NEXT_DUE, string.format('%d', nxt))
    wait = string.format('%d', math.max(0, nxt - now))
  else
    redis.call('HDEL', K.meta, M_NEXT_DUE)
  end
  if #claimed == 2 then return wait end
  claimed[1] = wait
  return table.concat(claimed, '\n')
end
