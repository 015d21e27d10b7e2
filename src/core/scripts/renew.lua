-- Extends the lease of a live worker in this queue, and tells it which of its jobs it no longer holds.
-- KEYS[1]: queue base "<prefix>:{<queue>}:"
-- ARGV[1]: worker id, ARGV[2]: lease ms, then pairs: id, attempt (the jobs the worker runs)
-- returns: the ids this worker no longer holds (reclaimed, canceled, stopped or deleted): it should abort them
-- One lease per worker (see lib.lua), so renewing is one ZADD however many jobs run; the per-job reads only find
-- jobs taken away.
local base = KEYS[1]
local worker, lease = ARGV[1], tonumber(ARGV[2])
local lost = {}
for i = 3, #ARGV, 2 do
  local id, attempt = ARGV[i], ARGV[i + 1]
  local cur = redis.call('HMGET', base .. 'job:' .. id, 's', 'w', 'a')
  if not (cur[1] == 'started' and cur[2] == worker and cur[3] == attempt) then lost[#lost + 1] = id end
end
if #lost * 2 < #ARGV - 2 then redis.call('ZADD', base .. 'workers', now_ms() + lease, worker) end
return lost
