-- Extends the leases of the jobs a live worker is running.
-- KEYS[1]: queue base "<prefix>:{<queue>}:"
-- ARGV[1]: worker id, ARGV[2]: lease ms, then pairs: id, attempt
-- returns: the ids this worker no longer holds (reclaimed, canceled, stopped or deleted): it should abort them
local base = KEYS[1]
local worker, lease = ARGV[1], tonumber(ARGV[2])
local deadline = now_ms() + lease
local lost = {}
for i = 3, #ARGV, 2 do
  local id, attempt = ARGV[i], ARGV[i + 1]
  local cur = redis.call('HMGET', base .. 'job:' .. id, 's', 'w', 'a')
  if cur[1] == 'started' and cur[2] == worker and cur[3] == attempt then
    redis.call('ZADD', base .. 'started', 'XX', deadline, id)
  else
    lost[#lost + 1] = id
  end
end
return lost
