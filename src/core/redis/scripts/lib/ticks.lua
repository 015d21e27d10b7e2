-- The next tick of a recurring schedule (schedule-upsert.lua, schedule-fire.lua): stored in its hash and as its score
-- in the queue's `schedules` zset, or +inf once the schedule has ended (it stays listed until removed).
-- KEYS: schedules
-- @include delay

-- Sets the next tick of schedule `sid` (hash `key`) to `nxt` (ms as text), or ends it when `nxt` is ''.
local function set_next_tick(key, sid, nxt)
  if nxt ~= '' then
    redis.call('HSET', key, S_NEXT, nxt)
    redis.call('ZADD', K.schedules, nxt, sid)
    note_due(tonumber(nxt))
  else
    redis.call('HDEL', key, S_NEXT)
    redis.call('ZADD', K.schedules, 'inf', sid)
  end
end
