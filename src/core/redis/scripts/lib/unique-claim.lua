-- Claiming a unique key at enqueue (lib/unique.lua has the rest): enqueue.lua, schedule-fire.lua and ingest.lua.
-- KEYS: meta
-- @include keys unique

-- the option's name as it appears in an options JSON object
local UNIQUE_OPTION = '"' .. F_UNIQUE .. '":'

-- Claims unique key `u` (its ttl ms, or nil) for a job about to be stored as `id`. Returns nil when the job is to be
-- stored (the key is now its), else the enqueue reply that names the live job holding the key, and that job's id.
local function claim_key(u, ttl, id)
  local k = UNIQUE_PREFIX .. u
  local set
  if ttl then set = redis.call('SET', k, id, 'NX', 'PX', ttl) else set = redis.call('SET', k, id, 'NX') end
  if set then return nil end
  local holder = redis.call('GET', k)
  local h = redis.call('HMGET', JOB_PREFIX .. holder, F_STATUS, F_NAME)
  local s = h[1]
  if s == 'queued' or s == 'started' or s == 'scheduled' or s == 'deferred' then return REPLY_DUPLICATE .. h[1] .. '|' .. holder .. '|' .. h[2], holder end
  -- its holder ended (or is gone) without letting it go: the key is this job's now
  if ttl then redis.call('SET', k, id, 'PX', ttl) else redis.call('SET', k, id) end
  return nil
end

-- claim_key for a job with options JSON `options` (undecoded: only a job that has `unique` pays for decoding them
-- twice); nil too for a job without `unique`.
local function claim_unique(options, id)
  local opt = cjson.decode(options)
  local u = opt[F_UNIQUE]
  if not u then return nil end
  return claim_key(u, opt[OPT_UNIQUE_TTL], id)
end


-- enqueue.lua's form: claims the key of a job with options JSON `options` if it has `unique`; true when a live job
-- holds it, whose reply is then added to `out` (the job is not to be stored).
local function claim_into(out, options, id)
  if not string.find(options, UNIQUE_OPTION, 1, true) then return false end
  local dup = claim_unique(options, id)
  if not dup then return false end
  out[#out + 1] = dup
  return true
end
