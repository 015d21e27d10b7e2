-- Fences caller-chosen ids in this queue: where no job holds the id, a hash with only the fenced field takes its place
-- for DEFAULT_ID_FENCE_TTL_MS, so that an enqueue of the id here that is still on its way (its producer's reservation
-- was taken over, or its entry forgotten) stores nothing and asks the index again (job-id-index.ts).
-- KEYS: meta
-- ARGV: the ids
-- returns: { 0, { per id: 'fenced', or 'exists|<name>' where a job holds it } }
-- @include keys
local out = {}
for i = 1, #ARGV do
  local job = job_key(ARGV[i])
  local name = redis.call('HGET', job, F_NAME)
  if name then
    out[i] = 'exists|' .. name
  else
    redis.call('HSET', job, F_FENCED, '1')
    redis.call('PEXPIRE', job, DEFAULT_ID_FENCE_TTL_MS)
    out[i] = 'fenced'
  end
end
return { 0, out }
