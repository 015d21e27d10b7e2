-- A fetch from a queue with groups (work.lua; lib/group-keys.lua has the layout). The jobs that name no group (the
-- `queued` list, or the lanes) take turns with the groups as one more group (M_GROUP_PLAIN is their turn). A fetch
-- of n jobs reads the n ready groups with the lowest turns, and gives each of them (and the plain jobs) one job per
-- round while it has jobs, room under its concurrency and its rate limit, so a tenant with a large backlog gets no
-- more turns than one with a single job. A group served gets a turn after every turn given out before; one left
-- without jobs or room leaves the ready set (group_offer puts it back when a job is queued or one of its own ends);
-- one its rate limit holds back goes to GROUP_HELD_KEY until it may start a job again, and the fetch's timing tells
-- the worker when that is, so a held worker blocks without polling. Cost: a few calls per group a fetch, not per job.
-- KEYS: meta queued rate
-- @include keys group-keys rate-limit lanes

-- Starts a fetch at `now`: the groups whose rate hold has ended get a turn again. Returns the fetch's group state.
local function groups_begin(now)
  local due = redis.call('ZRANGEBYSCORE', GROUP_HELD_KEY, '-inf', now)
  if #due > 0 then
    call_all('ZREM', GROUP_HELD_KEY, due)
    for _, gid in ipairs(due) do group_offer(gid) end
  end
  local m = redis.call('HMGET', K.meta, M_GROUP_TURN, M_GROUP_PLAIN)
  return { turn = tonumber(m[1] or '0'), plain = tonumber(m[2] or '0'), of = {}, started = {}, sources = {}, picks = 0, now = now }
end

-- Takes up to `n` job ids for the fetch (nil when none): round robin over the ready groups and the plain jobs (from
-- `lanes` when the queue has lanes, else `queued`), in turn order. Records which group each id came from.
local function pop_groups(G, n, lanes)
  local now = G.now
  local sources = {}
  local r = redis.call('ZRANGE', GROUP_READY_KEY, 0, n - 1, 'WITHSCORES')
  local gids = {}
  for k = 1, #r, 2 do gids[#gids + 1] = r[k] end
  if #gids > 0 then
    local limits = redis.call('HMGET', GROUPS_KEY, unpack(gids))
    local running = redis.call('HMGET', GROUP_RUNNING_KEY, unpack(gids))
    local used = nil
    for i, gid in ipairs(gids) do
      local c, rate = parse_group_limits(limits[i])
      local run = tonumber(running[i] or '0')
      local len = redis.call('LLEN', GROUP_PREFIX .. gid)
      local s = { gid = gid, turn = tonumber(r[2 * i]), len = len, run = run, c = c, take = 0 }
      local avail = len
      if c then avail = math.min(avail, math.max(0, c - run)) end
      if rate and avail > 0 then
        if not used then used = redis.call('HMGET', GROUP_USED_KEY, unpack(gids)) end
        avail, s.rate = rate_allow(rate, used[i], avail, now, group_rate_key(gid))
        s.allow = avail
      end
      s.avail = avail
      sources[#sources + 1] = s
    end
  end
  local plain_len
  if lanes then
    plain_len = 0
    for _, list in ipairs(lanes.lists) do plain_len = plain_len + redis.call('LLEN', list) end
  else
    plain_len = redis.call('LLEN', K.queued)
  end
  if plain_len > 0 then
    local p = { plain = true, turn = G.plain, len = plain_len, avail = plain_len, take = 0 }
    local at = #sources + 1
    for i, s in ipairs(sources) do
      if p.turn < s.turn then
        at = i
        break
      end
    end
    table.insert(sources, at, p)
  end
  G.sources = sources
  -- one job per source per round, in turn order
  local picks, left = {}, n
  while left > 0 do
    local any = false
    for i, s in ipairs(sources) do
      if left == 0 then break end
      if s.avail > s.take then
        s.take = s.take + 1
        picks[#picks + 1] = i
        s.last = #picks
        left = left - 1
        any = true
      end
    end
    if not any then break end
  end
  G.picks = #picks
  if #picks == 0 then return nil end
  for _, s in ipairs(sources) do
    if s.take > 0 then
      local got
      if s.plain then
        if lanes then got = pop_lanes(lanes, s.take) else got = redis.call('LPOP', K.queued, s.take) end
      else
        got = redis.call('LPOP', GROUP_PREFIX .. s.gid, s.take)
      end
      s.got, s.next = got or {}, 1
    end
  end
  local ids = {}
  for _, i in ipairs(picks) do
    local s = sources[i]
    local id = s.got[s.next]
    if id then
      s.next = s.next + 1
      ids[#ids + 1] = id
      if not s.plain then G.of[id] = s.gid end
    end
  end
  if #ids == 0 then return nil end
  return ids
end

-- Job `id` (taken by pop_groups, stored as `job`) started: it counts in its group's running jobs.
local function group_started(G, id, job)
  local gid = G.of[id]
  if gid then
    redis.call('HSET', job, F_GROUP_RUNNING, '1')
    G.started[gid] = (G.started[gid] or 0) + 1
  end
end

-- Settles the groups after the fetch: running counts and rate windows take the jobs that started; each group served
-- goes to the back of the round robin, or leaves the ready set (no jobs, no room) or is held back by its rate limit.
-- Returns the fetch's timing with the wait until the first held group may start a job, when that is sooner.
local function groups_done(G, now, timing)
  local base = G.turn
  for _, s in ipairs(G.sources) do
    if s.plain then
      if s.take > 0 then redis.call('HSET', K.meta, M_GROUP_PLAIN, string.format('%d', base + s.last)) end
    else
      local gid = s.gid
      local started = G.started[gid] or 0
      if started > 0 then redis.call('HINCRBY', GROUP_RUNNING_KEY, gid, started) end
      local held = false
      if s.rate then
        if started > 0 then
          rate_count(s.rate, started)
          redis.call('HSET', GROUP_USED_KEY, gid, tostring(s.rate.used + started))
        end
        if s.rate.limited and started >= s.allow then
          held = true
          local wait = 1
          if s.rate.oldest then wait = math.max(1, rate_wait(s.rate, 1, now)) end
          redis.call('ZREM', GROUP_READY_KEY, gid)
          redis.call('ZADD', GROUP_HELD_KEY, string.format('%d', now + wait), gid)
        end
      end
      -- the LLEN only for a list the pop emptied: an expired job's dependents, released in between, may refill it
      local emptied = s.len - (s.got and #s.got or 0) <= 0 and redis.call('LLEN', GROUP_PREFIX .. gid) == 0
      if emptied then group_emptied(gid) end
      if not held and not emptied then
        if s.c and s.run + started >= s.c then
          redis.call('ZREM', GROUP_READY_KEY, gid)
        elseif s.take > 0 then
          redis.call('ZADD', GROUP_READY_KEY, string.format('%d', base + s.last), gid)
        end
      end
    end
  end
  if G.picks > 0 then redis.call('HSET', K.meta, M_GROUP_TURN, string.format('%d', base + G.picks)) end
  group_work = redis.call('ZCARD', GROUP_READY_KEY) > 0
  local h = redis.call('ZRANGE', GROUP_HELD_KEY, 0, 0, 'WITHSCORES')
  if not h[2] then return timing end
  return sooner(timing, math.max(1, tonumber(h[2]) - now))
end
