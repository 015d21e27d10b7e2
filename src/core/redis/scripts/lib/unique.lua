-- Unique jobs (model/unique.ts): a job enqueued with `unique` holds the string key `unique:<key>` (QueueKeys.unique),
-- whose value is its id, from its enqueue until it ends; an enqueue that finds the key held by a live job stores
-- nothing and answers with that job. The scripts that end a job let its key go (release_unique), and a key whose job
-- ended without letting it go (it cannot, but a key is cheap to check) is taken over, so a key never outlives its job
-- for long and never blocks an enqueue for good.
-- KEYS: meta
-- @include keys

local UNIQUE_PREFIX = BASE .. 'unique:'

-- Lets go of the unique key of `job` (id `id`), if it has one and the key still names it (a key whose ttl ran out may
-- be another job's since).
local function release_unique(job, id)
  local u = redis.call('HGET', job, F_UNIQUE)
  if u then
    local k = UNIQUE_PREFIX .. u
    if redis.call('GET', k) == id then redis.call('DEL', k) end
  end
end

-- Takes the unique key again for a job put back on its queue (requeue), unless a live job holds it meanwhile: that
-- one keeps it, and this job runs all the same (it was enqueued before it).
local function retake_unique(job, id)
  local u = redis.call('HGET', job, F_UNIQUE)
  if u then redis.call('SET', UNIQUE_PREFIX .. u, id, 'NX') end
end
