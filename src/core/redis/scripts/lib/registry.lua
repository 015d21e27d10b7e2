-- The terminal registries (finished, failed, canceled, expired, stopped): zsets scored by when each entry expires.
-- KEYS: finished failed canceled expired stopped

-- Moves a job into the registry of `status`, scored by when it expires, and gives its hash the same TTL, so Redis
-- itself removes it; maintenance trims the registry past that score. ttl: ms, -1 forever, 0 delete now.
-- (work.lua has its own batched copy for the hot path.)
local function retire_now(job, id, status, ttl, now)
  if ttl == 0 then
    redis.call('DEL', job)
    return
  end
  local score
  if ttl < 0 then
    redis.call('PERSIST', job)
    score = 'inf'
  else
    redis.call('PEXPIRE', job, ttl)
    score = now + ttl
  end
  redis.call('ZADD', key(status), score, id)
end

-- Set by lib/retention.lua in the scripts that include it: retire() then applies the retention caps.
local retire_hook

local function retire(job, id, status, ttl, now)
  if retire_hook then return retire_hook(job, id, status, ttl, now) end
  retire_now(job, id, status, ttl, now)
end

local function failure_ttl(job)
  return tonumber(redis.call('HGET', job, F_FAILURE_TTL) or DEFAULT_FAILURE_TTL_MS)
end
