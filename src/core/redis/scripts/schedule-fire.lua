-- Fires one tick of a recurring schedule, for the worker it was handed to (lib/schedule.lua): enqueues the tick's job
-- under its deterministic id (so a tick never makes two jobs) and stores the next tick the worker computed from the
-- rule, only while the schedule still waits for this very tick under this version of its rule (so of two workers
-- handed one tick, one fires it and the other changes nothing). A tick missed while no worker ran fires once, late;
-- the worker computes the next tick from now, so missed ticks never fire as a storm.
-- KEYS: meta queued wake ttl scheduled schedules
-- ARGV[1]: schedule id, ARGV[2]: the tick being fired (ms, as stored), ARGV[3]: the rule version it was computed
--   under, ARGV[4]: the next tick (ms; '' none: the schedule ends), ARGV[5]: the tick's job id, ARGV[6]: the most
--   runs of the rule ('' no limit)
-- returns: { 0, 'fired' | 'stale' }
-- @include keys clock data queue job-fields ticks lanes
local sid, tick, nxt, id = ARGV[1], ARGV[2], ARGV[4], ARGV[5]
local key = schedule_key(sid)
local h = redis.call('HMGET', key, S_NEXT, S_VERSION, S_NAME, S_DATA, S_OPTIONS, S_RUNS)
if h[1] ~= tick or h[2] ~= ARGV[3] then return { 0, 'stale' } end
local now = now_ms()
local job = job_key(id)
if redis.call('EXISTS', job) == 0 then
  local now_s = string.format('%d', now)
  local fields = { F_STATUS, 'queued', F_NAME, h[3], F_ENQUEUED_AT, now_s }
  local parts = put_data(fields, h[4] or '')
  local front, lane = false, nil
  if h[5] and h[5] ~= '' then
    local opt = cjson.decode(h[5])
    local ttl = opt[OPT_TTL]
    option_fields(fields, opt, parts, ttl)
    front, lane = opt[F_AT_FRONT] == '1', opt[F_LANE]
    if ttl then
      local x = string.format('%d', now + tonumber(ttl))
      put(fields, F_EXPIRES_AT, x)
      redis.call('ZADD', K.ttl, x, id)
    end
  elseif parts > 2 then
    put(fields, F_HAS_OPTIONS, '1')
  end
  redis.call('HSET', job, unpack(fields))
  if lane and lane_push(id, lane, front) then
    flush_lanes()
  elseif front then
    redis.call('LPUSH', K.queued, id)
  else
    redis.call('RPUSH', K.queued, id)
  end
end
local runs = tonumber(h[6] or '0') + 1
redis.call('HSET', key, S_LAST, tick, S_LAST_JOB, id, S_RUNS, runs)
-- past its limit the schedule ends, whatever tick the rule would give next
set_next_tick(key, sid, (ARGV[6] == '' or runs < tonumber(ARGV[6])) and nxt or '')
wake()
return { 0, 'fired' }
