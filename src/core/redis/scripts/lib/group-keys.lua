-- Groups (per-tenant limits: a job's `group: { id, concurrency, rateLimit }`). A grouped job (F_GROUP) waits in its
-- group's own list (GROUP_PREFIX .. id) instead of `queued`; the group's limits are in GROUPS_KEY ("concurrency max
-- perMs", '-' for one not given; the last enqueue of a job of the group that gives limits wins); how many of its jobs run is in
-- GROUP_RUNNING_KEY, counted up when a job starts (it gets F_GROUP_RUNNING) and down, once, on every path where it
-- stops running (group_stop: its outcome, stop, delete, reclaim). GROUP_READY_KEY holds the groups that have queued
-- jobs and room, scored by their turn: a fetch takes one job per group per round, lowest turn first, and a group
-- served goes to the back (lib/groups.lua), so no tenant's backlog makes another wait more than a round.
-- GROUP_HELD_KEY holds the groups their rate limit holds back, until when. GROUP_QUEUED_KEY holds the groups whose
-- list has jobs (group_push adds, group_emptied takes out), so a scan of every queued job reads those lists only:
-- GROUPS_KEY keeps the limits of every group ever seen. A queue's meta gets M_GROUPS once a job
-- names a group: the fetch of a queue without one never looks at any of this.
-- KEYS: meta
-- @include keys

-- Set when this call offered a group a turn: wake() (lib/queue.lua) then wakes a blocked worker.
local group_work = false

-- A group's concurrency (nil: none) and rate limit text ("max perMs", nil: none) from stored limits `s`.
local function parse_group_limits(s)
  if not s then return nil, nil end
  local c, max, per = string.match(s, '^(%S+) (%S+) (%S+)$')
  local rate = nil
  if max and max ~= '-' then rate = max .. ' ' .. per end
  return tonumber(c), rate
end

-- Whether group `gid` may start a job now: below its concurrency, and not held back by its rate limit.
local function group_has_room(gid)
  local c = parse_group_limits(redis.call('HGET', GROUPS_KEY, gid))
  if c and tonumber(redis.call('HGET', GROUP_RUNNING_KEY, gid) or '0') >= c then return false end
  return not redis.call('ZSCORE', GROUP_HELD_KEY, gid)
end

-- Gives group `gid` a turn (the back of the round robin) when it has queued jobs and room; a group that has one
-- keeps its place.
local function group_offer(gid)
  if redis.call('ZSCORE', GROUP_READY_KEY, gid) then
    group_work = true
    return
  end
  if redis.call('LLEN', GROUP_PREFIX .. gid) == 0 or not group_has_room(gid) then return end
  redis.call('ZADD', GROUP_READY_KEY, redis.call('HINCRBY', K.meta, M_GROUP_TURN, 1), gid)
  group_work = true
end

-- The limits each group was last given in this call ('' for none given): a batch of one tenant's jobs writes them once.
local group_limits_set = {}

-- Stores the limits `limits` (enqueue option OPT_GROUP_LIMITS) of group `gid`, once per call and value; a job that
-- gives none leaves the group's as they are (a group is listed in GROUPS_KEY from its first job on, limits or not).
local function group_note(gid, limits)
  if group_limits_set[gid] == (limits or '') then return end
  if not next(group_limits_set) then redis.call('HSET', K.meta, M_GROUPS, '1') end
  group_limits_set[gid] = limits or ''
  if limits then
    redis.call('HSET', GROUPS_KEY, gid, limits)
  else
    redis.call('HSETNX', GROUPS_KEY, gid, '- - -')
  end
end

-- Queues job `id` in group `gid` (at its front if `front`) and offers the group a turn.
local function group_push(id, gid, front)
  local len
  if front then
    len = redis.call('LPUSH', GROUP_PREFIX .. gid, id)
  else
    len = redis.call('RPUSH', GROUP_PREFIX .. gid, id)
  end
  -- the push's reply tells that the list was empty: a group with jobs already is in the set
  if len == 1 then redis.call('SADD', GROUP_QUEUED_KEY, gid) end
  group_offer(gid)
end

-- Group `gid`'s list was emptied (a fetch, unlist, emptyQueue): it leaves the groups with queued jobs, and the ready
-- set, where a fetch would otherwise give it a turn with nothing to take (an empty reply, a wasted round trip).
local function group_emptied(gid)
  redis.call('SREM', GROUP_QUEUED_KEY, gid)
  redis.call('ZREM', GROUP_READY_KEY, gid)
end

-- A job that starts outside a fetch (sync mode) counts in its group's running jobs (no limit applies: it runs now).
local function group_start(job)
  local gid = redis.call('HGET', job, F_GROUP)
  if gid then
    redis.call('HSET', job, F_GROUP_RUNNING, '1')
    redis.call('HINCRBY', GROUP_RUNNING_KEY, gid, 1)
  end
end

-- `k` jobs of group `gid` stopped running: off its running count, and the group, which has room now, gets a turn.
local function group_release(gid, k)
  if redis.call('HINCRBY', GROUP_RUNNING_KEY, gid, -k) <= 0 then redis.call('HDEL', GROUP_RUNNING_KEY, gid) end
  group_offer(gid)
end

-- Job `job` stops running (whatever the path): it leaves its group's running count, once (F_GROUP_RUNNING says it
-- is still in it). With `batch` (a worker's outcomes: work.lua), the count is only gathered there per group, and
-- group_stops_done() settles each group once: a group's offer costs a few calls, which a batch pays once.
local function group_stop(job, batch)
  local g = redis.call('HMGET', job, F_GROUP, F_GROUP_RUNNING)
  if not (g[1] and g[2]) then return end
  redis.call('HDEL', job, F_GROUP_RUNNING)
  if batch then
    batch[g[1]] = (batch[g[1]] or 0) + 1
  else
    group_release(g[1], 1)
  end
end

local function group_stops_done(batch)
  for gid, k in pairs(batch) do group_release(gid, k) end
end

-- The groups with queued jobs (emptyQueue, resume: lib/lanes.lua take_queued, queued_count): never the idle ones.
local function queued_groups()
  return redis.call('SMEMBERS', GROUP_QUEUED_KEY)
end
