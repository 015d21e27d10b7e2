-- Declares a queue's lanes and rate limit (lanes/queue-flow.ts), stored in its meta where every process reads them,
-- by a process that was given them as it starts: the last declaration wins (the caller warns when it replaced a
-- different one). When the lanes change, queued jobs follow: each lane's jobs move to the list that lane has now (a
-- lane dropped: the fallback lane's), in order, so no job is left in a list no fetch reads.
-- KEYS: meta queued wake ttl rate
-- ARGV[1]: '1' to set the lanes to ARGV[2] (as M_LANES stores them; '' none), ARGV[3]: '1' to set the rate limit to
--   ARGV[4] (as M_RATE stores it; '' none)
-- returns: { 0, the lanes stored before ('' none), the rate limit stored before ('' none) }
-- @include keys clock lanes
local old_lanes = redis.call('HGET', K.meta, M_LANES) or ''
local old_rate = redis.call('HGET', K.meta, M_RATE) or ''

-- Appends every id of list `src` to `dst` (in order) and empties `src`; `lane`: the lane its jobs now name.
local function move(src, dst, lane)
  while true do
    local ids = redis.call('LRANGE', src, 0, 999)
    if #ids == 0 then break end
    call_all('RPUSH', dst, ids)
    redis.call('LTRIM', src, #ids, -1)
    if lane then
      for _, id in ipairs(ids) do
        local job = job_key(id)
        if redis.call('EXISTS', job) == 1 then redis.call('HSET', job, F_LANE, lane) end
      end
    end
  end
end

if ARGV[1] == '1' and ARGV[2] ~= old_lanes then
  local old = old_lanes ~= '' and parse_lanes(old_lanes) or nil
  local new = ARGV[2] ~= '' and parse_lanes(ARGV[2]) or nil
  local function new_list(name)
    local i = new and new.index[name]
    if i then return new.lists[i] end
    return K.queued
  end
  if old then
    -- the old fallback lane's jobs (in `queued`) first: its lane may get a list of its own, and `queued` take others'
    local fb = old.names[old.fallback]
    local dst = new_list(fb)
    if dst ~= K.queued then move(K.queued, dst, fb) end
    for i, name in ipairs(old.names) do
      if i ~= old.fallback and new_list(name) ~= old.lists[i] then move(old.lists[i], new_list(name), nil) end
    end
  end
  if new then redis.call('HSET', K.meta, M_LANES, ARGV[2]) else redis.call('HDEL', K.meta, M_LANES) end
  redis.call('HDEL', K.meta, M_LANE_TURNS)
  lanes_read = nil
  wake_lanes()
end
if ARGV[3] == '1' and ARGV[4] ~= old_rate then
  if ARGV[4] ~= '' then redis.call('HSET', K.meta, M_RATE, ARGV[4]) else redis.call('HDEL', K.meta, M_RATE) end
  redis.call('HDEL', K.meta, M_RATE_USED, M_HOLD)
  redis.call('DEL', K.rate)
end
return { 0, old_lanes, old_rate }
