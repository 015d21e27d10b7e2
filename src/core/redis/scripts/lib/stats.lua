-- The queue's per-minute counters of runs and jobs that ended (QueueKeys.stats, read by the dashboard's chart): one
-- hash per minute, fields STAT_* (stored-names.ts). A script counts each end during its call (count_end,
-- a Lua addition) and writes the counts at its end (flush_ends): one HINCRBY per kind per call, never per job, so a
-- script ending thousands of jobs pays what one ending a single job pays. The loader refuses a script that includes
-- this lib (itself or through closing, delete) and never calls flush_ends: its counts would be lost.
-- KEYS: meta
-- @include keys
local ENDED = {}

-- `n` (default 1) more ends of kind `field` (a STAT_* value) in this call.
local function count_end(field, n)
  ENDED[field] = (ENDED[field] or 0) + (n or 1)
end

-- The STAT_* field of a job that ended in `status` (close_with_error's: canceled, expired, failed).
local function stat_of(status)
  if status == 'canceled' then return STAT_CANCELED end
  if status == 'expired' then return STAT_EXPIRED end
  if status == 'failed' then return STAT_FAILED end
  if status == 'stopped' then return STAT_STOPPED end
  return STAT_FINISHED
end

-- Writes this call's counts into the minute of `now` (ms). The expiry is set when a field is new in that hash, so
-- about once a minute per kind, not once a call.
local function flush_ends(now)
  if next(ENDED) == nil then return end
  local key = stats_key(math.floor(now / 60000))
  local fresh = false
  for field, n in pairs(ENDED) do
    if redis.call('HINCRBY', key, field, n) == n then fresh = true end
  end
  if fresh then redis.call('PEXPIRE', key, STATS_TTL_MS) end
  ENDED = {}
end
