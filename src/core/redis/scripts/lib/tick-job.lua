-- A job made from a recurring schedule's stored name, data and options (schedule-fire.lua for a tick, schedule-run.lua
-- for a run now): stored queued, at the back of its group's list or lane (the front with atFront), its ttl registered.
-- KEYS: meta queued wake ttl
-- @include keys data job-fields list-job
local function create_tick_job(id, name, data, options, now)
  local now_s = string.format('%d', now)
  local fields = { F_STATUS, 'queued', F_NAME, name, F_ENQUEUED_AT, now_s }
  local parts = put_data(fields, data or '')
  local front, lane, group, limits = false, nil, nil, nil
  if options and options ~= '' then
    local opt = cjson.decode(options)
    local ttl = opt[OPT_TTL]
    option_fields(fields, opt, parts, ttl)
    front, lane, group, limits = opt[F_AT_FRONT] == '1', opt[F_LANE], opt[F_GROUP], opt[OPT_GROUP_LIMITS]
    if ttl then
      local x = string.format('%d', now + tonumber(ttl))
      put(fields, F_EXPIRES_AT, x)
      redis.call('ZADD', K.ttl, x, id)
    end
  elseif parts > 2 then
    put(fields, F_HAS_OPTIONS, '1')
  end
  redis.call('HSET', job_key(id), unpack(fields))
  if group then group_note(group, limits) end
  list_job(id, group, lane, front)
  flush_tail()
  flush_lanes()
end
