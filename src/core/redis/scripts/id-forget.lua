-- Forgets index entries of caller-chosen ids whose job is gone (and which the caller fenced in that queue first:
-- job-id-index.ts), each only if it is still the entry the caller saw.
-- KEYS: ids
-- ARGV: pairs id, entry seen
-- returns: { 0, how many were forgotten }
local n = 0
for i = 1, #ARGV, 2 do
  if redis.call('HGET', K.ids, ARGV[i]) == ARGV[i + 1] then
    redis.call('HDEL', K.ids, ARGV[i])
    n = n + 1
  end
end
return { 0, n }
