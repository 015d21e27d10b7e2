-- Lanes (priorities inside one queue; lanes/lane-config.ts): the queue's meta M_LANES names its lanes, highest first,
-- space-separated, then "|" and their weights when it has them. The fallback lane (`default`, else the first) is the
-- queue's own `queued` list, so a queue without lanes, and a job that names no lane, take the path they always took;
-- every other lane is a list of its own, `lane:<name>` in the queue's slot. A job that named a lane keeps it (F_LANE).
-- KEYS: meta queued
-- @include keys group-keys

local LANE_PREFIX = BASE .. 'lane:'

-- A stored lane text as { names, index (name -> position), lists (position -> list key), fallback (position),
-- weights (or nil) }.
local function parse_lanes(s)
  local bar = string.find(s, '|', 1, true)
  local cfg = { names = {}, index = {}, lists = {} }
  for n in string.gmatch(bar and string.sub(s, 1, bar - 1) or s, '%S+') do
    cfg.names[#cfg.names + 1] = n
    cfg.index[n] = #cfg.names
  end
  cfg.fallback = cfg.index['default'] or 1
  for i, n in ipairs(cfg.names) do
    if i == cfg.fallback then cfg.lists[i] = K.queued else cfg.lists[i] = LANE_PREFIX .. n end
  end
  if bar then
    cfg.weights = {}
    for w in string.gmatch(string.sub(s, bar + 1), '%S+') do cfg.weights[#cfg.weights + 1] = tonumber(w) end
  end
  return cfg
end

-- The queue's lanes (false: none), read once per call.
local lanes_read = nil
local function queue_lanes()
  if lanes_read == nil then
    local s = redis.call('HGET', K.meta, M_LANES)
    lanes_read = s and parse_lanes(s) or false
  end
  return lanes_read
end

-- The list of lane `name` now: its own, or `queued` for the fallback lane and for a lane the queue no longer has.
local function lane_list(name)
  local cfg = queue_lanes()
  if cfg then
    local i = cfg.index[name]
    if i then return cfg.lists[i] end
  end
  return K.queued
end

-- Takes queued job `id` off the list it waits in (cancel, delete, expiry, claim): `queued`, else its group's or its
-- lane's. A job of a queue without lanes or groups costs the one LREM it always did.
local function unlist(job, id)
  if redis.call('LREM', K.queued, 1, id) == 0 then
    local m = redis.call('HMGET', job, F_GROUP, F_LANE)
    if m[1] then
      local list = GROUP_PREFIX .. m[1]
      if redis.call('LREM', list, 1, id) == 1 and redis.call('LLEN', list) == 0 then group_emptied(m[1]) end
    elseif m[2] then
      redis.call('LREM', lane_list(m[2]), 1, id)
    end
  end
end
