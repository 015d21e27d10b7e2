-- Unique jobs (model/unique.ts): a job enqueued with `unique` holds the string key `unique:<key>` (QueueKeys.unique),
-- whose value is its id, from its enqueue until it ends; an enqueue that finds the key held by a live job stores
-- nothing and answers with that job. The scripts that end a job let its key go (release_unique), and a key whose job
-- ended without letting it go (it cannot, but a key is cheap to check) is taken over, so a key never outlives its job
-- for long and never blocks an enqueue for good.
-- KEYS: meta
-- @include keys

local UNIQUE_PREFIX = BASE .. 'unique:'
-- the option's name as it appears in an options JSON object
local UNIQUE_OPTION = '"' .. F_UNIQUE .. '":'

-- The statuses of a job that holds its unique key.
local UNIQUE_LIVE = { scheduled = true, deferred = true, queued = true, started = true }

-- Claims the unique key of a job about to be stored as `id` with options JSON `options` (undecoded: only a job that
-- has `unique` pays for decoding them twice). Returns nil when the job is to be stored (no `unique`, or the key is
-- now its), else the enqueue reply that names the live job holding the key.
local function claim_unique(options, id)
  local opt = cjson.decode(options)
  local u = opt[F_UNIQUE]
  if not u then return nil end
  local k = UNIQUE_PREFIX .. u
  local ttl = opt[OPT_UNIQUE_TTL]
  local set
  if ttl then set = redis.call('SET', k, id, 'NX', 'PX', ttl) else set = redis.call('SET', k, id, 'NX') end
  if set then return nil end
  local holder = redis.call('GET', k)
  local h = redis.call('HMGET', JOB_PREFIX .. holder, F_STATUS, F_NAME)
  if h[1] and UNIQUE_LIVE[h[1]] then return REPLY_DUPLICATE .. h[1] .. '|' .. holder .. '|' .. h[2] end
  -- its holder ended (or is gone) without letting it go: the key is this job's now
  if ttl then redis.call('SET', k, id, 'PX', ttl) else redis.call('SET', k, id) end
  return nil
end

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
