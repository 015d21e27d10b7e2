-- Lifts the fence of caller-chosen ids in this queue (id-fence.lua), for a producer that holds their reservation for
-- this queue now (job-id-index.ts). A job that holds an id is left alone.
-- KEYS: meta
-- ARGV: the ids
-- returns: { 0 }
-- @include keys
for i = 1, #ARGV do
  local job = job_key(ARGV[i])
  if redis.call('HEXISTS', job, F_NAME) == 0 then redis.call('DEL', job) end
end
return { 0 }
