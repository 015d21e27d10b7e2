-- Fetching from a queue's lanes, and pushing retried ids back onto them (lib/list-job.lua has lane_push; lib/lane-keys.lua
-- says where each lane's jobs wait).
-- KEYS: meta queued wake
-- @include keys batch lane-keys queue list-job

-- Pushes queued jobs `ids` onto the tails of their lists (retries without a wait): `queued`, unless the queue has
-- lanes and a job named one (one HGET of the meta a call, and one of each job only then).
local function push_ids(ids)
  if #ids == 0 then return end
  if not queue_lanes() then
    call_all('RPUSH', K.queued, ids)
    return
  end
  local rest = {}
  for _, id in ipairs(ids) do
    local lane = redis.call('HGET', JOB_PREFIX .. id, F_LANE)
    if not (lane and lane_push(id, lane, false)) then rest[#rest + 1] = id end
  end
  call_all('RPUSH', K.queued, rest)
  flush_lanes()
end

-- A fetch's lanes (work.lua): the parsed lanes of stored text `s`, with the round robin's state when weighted.
local function fetch_lanes(s)
  local cfg = parse_lanes(s)
  lanes_read = cfg
  if cfg.weights then
    local cur = {}
    local saved = redis.call('HGET', K.meta, M_LANE_TURNS)
    if saved then for c in string.gmatch(saved, '%S+') do cur[#cur + 1] = tonumber(c) end end
    if #cur ~= #cfg.names then
      cur = {}
      for i = 1, #cfg.names do cur[i] = 0 end
    end
    cfg.turns = cur
  end
  return cfg
end

-- Takes up to `n` job ids off the lanes of `cfg` (nil when every lane is empty): strictly from the highest lane that
-- has jobs, or, with weights, one job at a time by smooth weighted round robin (nginx's) over the lanes that have jobs:
-- each such lane gains its weight, the one ahead is picked and loses the sum, so over any run the lanes get their
-- shares, spread evenly, and none waits more than a round. Deterministic: the state is in the queue's meta.
local function pop_lanes(cfg, n)
  local lists, k = cfg.lists, #cfg.lists
  local lens, left = {}, 0
  for i = 1, k do
    lens[i] = redis.call('LLEN', lists[i])
    left = left + lens[i]
  end
  if left == 0 then
    lane_work = false
    return nil
  end
  local take = {}
  local w = cfg.weights
  if not w then
    local need = n
    for i = 1, k do
      local t = math.min(lens[i], need)
      take[i] = t
      need = need - t
    end
  else
    local cur = cfg.turns
    for i = 1, k do take[i] = 0 end
    for _ = 1, math.min(n, left) do
      local total, best = 0, nil
      for i = 1, k do
        if lens[i] > take[i] then
          cur[i] = cur[i] + w[i]
          total = total + w[i]
          if not best or cur[i] > cur[best] then best = i end
        end
      end
      cur[best] = cur[best] - total
      take[best] = take[best] + 1
    end
    redis.call('HSET', K.meta, M_LANE_TURNS, table.concat(cur, ' '))
  end
  local ids = {}
  for i = 1, k do
    if take[i] > 0 then
      for _, id in ipairs(redis.call('LPOP', lists[i], take[i])) do ids[#ids + 1] = id end
      left = left - take[i]
    end
  end
  lane_work = left > 0
  return ids
end

-- Up to `limit` queued job ids, from every lane's list in order, then every group's that has jobs, taken off their
-- lists (bulk.lua: emptyQueue, delete or requeue of every queued job).
local function take_queued(limit)
  local ids = {}
  -- off the list at once: one LTRIM instead of an LREM (a scan of the list) per job
  local function take(list)
    local part = redis.call('LRANGE', list, 0, limit - #ids - 1)
    if #part > 0 then redis.call('LTRIM', list, #part, -1) end
    for _, id in ipairs(part) do ids[#ids + 1] = id end
  end
  local cfg = queue_lanes()
  for _, list in ipairs(cfg and cfg.lists or { K.queued }) do
    if #ids >= limit then return ids end
    take(list)
  end
  for _, gid in ipairs(queued_groups()) do
    if #ids >= limit then break end
    local list = GROUP_PREFIX .. gid
    take(list)
    if redis.call('LLEN', list) == 0 then group_emptied(gid) end
  end
  return ids
end

-- Queued jobs in every lane and group.
local function queued_count()
  local cfg = queue_lanes()
  local n = 0
  for _, list in ipairs(cfg and cfg.lists or { K.queued }) do n = n + redis.call('LLEN', list) end
  for _, gid in ipairs(queued_groups()) do n = n + redis.call('LLEN', GROUP_PREFIX .. gid) end
  return n
end

-- Wakes a blocked worker when any lane has jobs (resume: wake() looks at `queued` only, and at the lanes only when
-- this call pushed onto them).
local function wake_lanes()
  if queued_count() > 0 then lane_work = true end
  wake()
end
