-- Marks reservations of caller-chosen ids committed: their jobs are stored (job-id-index.ts). An entry that is no
-- longer pending for that queue (taken over meanwhile) is left alone.
-- KEYS: ids
-- ARGV: pairs id, queue
-- returns: { 0 }
for i = 1, #ARGV, 2 do
  local id, q = ARGV[i], ARGV[i + 1]
  local e = redis.call('HGET', K.ids, id)
  if e and string.sub(e, 1, #q + 1) == q .. '|' then redis.call('HSET', K.ids, id, q) end
end
return { 0 }
