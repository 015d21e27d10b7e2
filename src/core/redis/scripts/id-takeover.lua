-- Takes caller-chosen ids over for a new queue, each only if its index entry is still the one the caller saw (whose
-- job the caller found gone and fenced in its queue first: job-id-index.ts).
-- KEYS: ids
-- ARGV: triples id, entry seen, new queue
-- returns: { 0, { per triple: 'ok' (now pending for the new queue) or 'changed' (the entry is not the one seen) } }
-- @include clock
local now = now_ms()
local out = {}
for i = 1, #ARGV, 3 do
  if redis.call('HGET', K.ids, ARGV[i]) == ARGV[i + 1] then
    redis.call('HSET', K.ids, ARGV[i], ARGV[i + 2] .. '|' .. now)
    out[#out + 1] = 'ok'
  else
    out[#out + 1] = 'changed'
  end
end
return { 0, out }
