-- Which list a queued job waits in, and the push onto it (list_job), the one place of that rule: its group's list when
-- it names a group (lib/group-keys.lua), else its lane's when that lane has a list of its own (lib/lane-keys.lua), else
-- the queue's `queued` list, at the head for atFront, else at the tail. Tails of plain and lane jobs are gathered
-- (flush_tail, flush_lanes) so a batch pushes each list once; the caller flushes both when it is done.
-- KEYS: meta queued
-- @include keys batch lane-keys group-keys queued-tail

-- Set when this call pushed onto (or left jobs in) a lane's own list, which wake() (lib/queue.lua) does not look at.
local lane_work = false

-- Jobs for the tail of each lane's list, pushed by flush_lanes() in one RPUSH per list.
local lane_tails = {}

local function flush_lane(list)
  local t = lane_tails[list]
  if t then
    call_all('RPUSH', list, t)
    lane_tails[list] = nil
  end
end

local function flush_lanes()
  for list, t in pairs(lane_tails) do call_all('RPUSH', list, t) end
  lane_tails = {}
end

-- Queues job `id` in lane `lane` (its front if `front`): true when that lane has a list of its own, false when it is
-- the `queued` list (the fallback lane), which the caller pushes onto as for any job, in order with its other jobs.
local function lane_push(id, lane, front)
  local list = lane_list(lane)
  if list == K.queued then return false end
  if front then
    flush_lane(list)
    redis.call('LPUSH', list, id)
  else
    local t = lane_tails[list]
    if not t then
      t = {}
      lane_tails[list] = t
    end
    t[#t + 1] = id
  end
  lane_work = true
  return true
end

-- Queues job `id` on its list: group `group`'s, else lane `lane`'s own, else `queued` (its head if `front`).
local function list_job(id, group, lane, front)
  if group then
    group_push(id, group, front)
  elseif lane and lane_push(id, lane, front) then
    -- on its lane's own list
  elseif front then
    -- keep order with the jobs before it in this batch
    flush_tail()
    redis.call('LPUSH', K.queued, id)
  else
    tail[#tail + 1] = id
  end
end
