-- A queue's rate limit (QueueOptions.rateLimit: at most `max` jobs started per `per`), shared by every worker of the
-- queue and kept on Redis time as a sliding window: no window of `per` ms (any, not a clock second) starts more than
-- `max` jobs. The jobs started are counted per time slot of G = max(1, per / 1000) ms in the `rate` list ("slot count"
-- entries, oldest first), with their sum in the meta (M_RATE_USED); a slot's jobs count until `per` after the slot
-- ends (so the window is never overrun, and at most a thousandth of it left unused). A fetch drops the slots that have
-- aged out, takes at most `max` minus the rest, and adds its own: a few calls a fetch, whatever the rate.
-- KEYS: meta rate

-- For a fetch of `want` jobs at `now` under stored limit `spec` ("max perMs") with `used` (M_RATE_USED) counted:
-- how many it may take, and the state that rate_done() settles once it knows how many it took. `list`: the window's
-- list, when not the queue's (a group's: lib/groups.lua).
local function rate_allow(spec, used, want, now, list)
  list = list or K.rate
  local sp = string.find(spec, ' ', 1, true)
  local max, per = tonumber(string.sub(spec, 1, sp - 1)), tonumber(string.sub(spec, sp + 1))
  local g = math.max(1, math.floor(per / 1000))
  used = tonumber(used or '0')
  local r = { g = g, per = per, slot = math.floor(now / g), oldest = nil, list = list }
  -- the slots whose jobs no longer count: they ended `per` or more ago
  while used > 0 do
    local e = redis.call('LINDEX', list, 0)
    if not e then
      used = 0
      break
    end
    local s = string.find(e, ' ', 1, true)
    local slot = tonumber(string.sub(e, 1, s - 1))
    if (slot + 1) * g + per > now then
      r.oldest = slot
      break
    end
    redis.call('LPOP', list)
    used = used - tonumber(string.sub(e, s + 1))
  end
  if used <= 0 then
    used = 0
    redis.call('DEL', list)
  end
  r.used = used
  r.asked = want
  local k = math.max(0, max - used)
  r.limited = k < want
  if k < want then want = k end
  return want, r
end

-- How long (ms) until `need` more jobs may start: until enough of the oldest slots age out, but no later than a
-- little after the first of them (a hundredth of `per`, at most 20 ms), so that a worker held back fetches a batch
-- instead of a job or two a call (a call per job would cost more than the jobs) without starting any job much later.
local function rate_wait(r, need, now)
  local first = (r.oldest + 1) * r.g + r.per - now
  local latest = first + math.min(20, math.floor(r.per / 100))
  local freed = 0
  for _, e in ipairs(redis.call('LRANGE', r.list, 0, need - 1)) do
    local s = string.find(e, ' ', 1, true)
    local at = (tonumber(string.sub(e, 1, s - 1)) + 1) * r.g + r.per - now
    if at >= latest then return latest end
    freed = freed + tonumber(string.sub(e, s + 1))
    if freed >= need then return math.max(first, at) end
  end
  return latest
end

-- Counts `got` jobs started now in the window of `r` (its list; the caller stores the new sum, r.used + got).
local function rate_count(r, got)
  local last = redis.call('LINDEX', r.list, -1)
  local mine = tostring(r.slot) .. ' '
  if last and string.sub(last, 1, #mine) == mine then
    redis.call('LSET', r.list, -1, mine .. tostring(tonumber(string.sub(last, #mine + 1)) + got))
  else
    redis.call('RPUSH', r.list, mine .. tostring(got))
  end
  if not r.oldest then r.oldest = r.slot end
end

-- The fetch's timing (lib/schedule.lua's time_due: ms until the next due moment, then its other lines) with `wait`
-- (ms) as its first line when that is sooner, so a worker held back blocks until it may start a job again.
local function sooner(timing, wait)
  local lf = string.find(timing, '\n', 1, true)
  local first = tonumber(lf and string.sub(timing, 1, lf - 1) or timing)
  if first and first >= 0 and first <= wait then return timing end
  return string.format('%d', wait) .. (lf and string.sub(timing, lf) or '')
end

-- Settles the limit after a fetch that took `got` jobs: counts them in this slot, and when the limit held the fetch
-- back, holds the queue's wake-ups until it may fetch again (rate_wait), and returns the fetch's timing with that
-- wait (ms) if it is sooner than the next due moment (lib/schedule.lua's time_due), so the worker blocks until then.
local function rate_done(r, got, now, timing)
  if got > 0 then
    rate_count(r, got)
    redis.call('HSET', K.meta, M_RATE_USED, tostring(r.used + got))
  end
  if not r.limited then return timing end
  local wait = 1
  if r.oldest then wait = math.max(1, rate_wait(r, math.max(1, r.asked - got), now)) end
  redis.call('HSET', K.meta, M_HOLD, string.format('%d', now + wait))
  return sooner(timing, wait)
end
