-- Extends the lease of a live worker in this queue, and tells it which of its jobs it no longer holds.
-- KEYS[1]: queue base "<prefix>:{<queue>}:"
-- ARGV[1]: worker id, ARGV[2]: lease ms, then pairs: id, attempt (the jobs the worker runs)
-- returns: the ids this worker no longer holds (reclaimed, stopped or deleted): it should abort them
-- One lease per worker (see lib.lua): renewing is one ZADD however many jobs run, and one SMISMEMBER on its held set
-- (the proof of ownership) finds the jobs taken away.
local worker, lease = ARGV[1], tonumber(ARGV[2])
local ids, members = {}, {}
for i = 3, #ARGV, 2 do
  ids[#ids + 1] = ARGV[i]
  members[#members + 1] = ARGV[i] .. '|' .. ARGV[i + 1]
end
local lost = {}
local held = BASE .. 'held:' .. worker
for k = 1, #members, 1000 do
  local part = redis.call('SMISMEMBER', held, unpack(members, k, math.min(k + 999, #members)))
  for j = 1, #part do
    if part[j] == 0 then lost[#lost + 1] = ids[k + j - 1] end
  end
end
if #lost < #ids then redis.call('ZADD', BASE .. 'workers', now_ms() + lease, worker) end
return lost
