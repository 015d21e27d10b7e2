-- Reserves caller-chosen job ids for the queues about to store them, in one bucket of the id index
-- (job-id-index.ts). An entry is "<queue>" once its job is stored (committed), "<queue>|<ms>" while a producer
-- stores it (pending since <ms>, this node's clock).
-- KEYS: ids
-- ARGV: pairs id, queue
-- returns: { 0, { per pair: 'ok' (reserved now, or pending for this queue: commit once stored), 'mine' (committed to
--   this queue), 'busy|<queue>' (pending for another queue for less than DEFAULT_ID_RESERVATION_STALE_MS: ask again
--   shortly), 'held|<entry>' (committed to another queue, or pending there for longer: the caller looks whether that
--   job exists) } }
-- @include clock
local now = now_ms()
local out = {}
for i = 1, #ARGV, 2 do
  local id, q = ARGV[i], ARGV[i + 1]
  local e = redis.call('HGET', K.ids, id)
  if not e then
    redis.call('HSET', K.ids, id, q .. '|' .. now)
    out[#out + 1] = 'ok'
  elseif e == q then
    out[#out + 1] = 'mine'
  else
    local owner, since = string.match(e, '^([^|]+)|(%d+)$')
    if owner == q then
      out[#out + 1] = 'ok'
    elseif owner and now - tonumber(since) < DEFAULT_ID_RESERVATION_STALE_MS then
      out[#out + 1] = 'busy|' .. owner
    else
      out[#out + 1] = 'held|' .. e
    end
  end
end
return { 0, out }
