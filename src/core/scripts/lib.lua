-- Shared helpers, prepended to every script by scripts.ts (after the generated constants DEFAULT_*).
-- Job hash fields: n name, d data, s status, c enqueued at, st started at, et ended at, a attempts, ma max attempts,
-- to timeout ms, rt result ttl ms, ft failure ttl ms, x expires-at ms (ttl), f at front, desc, m meta, w worker,
-- r result, e error, W someone waits on result(). Absent to/rt/ft/ma mean the defaults, to keep small jobs small.

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Tells result() waiters (only when one registered, so the hot path pays one HEXISTS) that the job ended.
local function notify(base, job, id, status, payload)
  if redis.call('HEXISTS', job, 'W') == 1 then
    redis.call('PUBLISH', base .. 'events', id .. '\n' .. status .. '\n' .. (payload or ''))
  end
end

-- Moves a job into a terminal registry (finished, failed, canceled, expired, stopped), scored by when it expires,
-- and gives its hash the same TTL, so Redis itself removes it; maintenance trims the registry past that score.
-- ttl: ms, -1 forever, 0 delete now. Returns false when the job was deleted (ttl 0).
local function retire(base, job, id, status, ttl, now)
  if ttl == 0 then
    redis.call('DEL', job)
    return false
  end
  if ttl < 0 then
    redis.call('PERSIST', job)
    redis.call('ZADD', base .. status, 'inf', id)
  else
    redis.call('PEXPIRE', job, ttl)
    redis.call('ZADD', base .. status, now + ttl, id)
  end
  return true
end

local function failure_ttl(job)
  return tonumber(redis.call('HGET', job, 'ft') or DEFAULT_FAILURE_TTL_MS)
end

-- Ends a job that never ran or will not run again (canceled, expired, abandoned-failed) with an error record.
local function end_with_error(base, job, id, status, err, now)
  redis.call('HSET', job, 's', status, 'et', now, 'e', err)
  redis.call('HDEL', job, 'w')
  redis.call('ZREM', base .. 'ttl', id)
  retire(base, job, id, status, failure_ttl(job), now)
  notify(base, job, id, status, err)
end

-- Wakes one blocked worker when there is queued work and no wake-up token is pending.
local function wake(base)
  local wk = base .. 'wake'
  if redis.call('LLEN', wk) == 0 and redis.call('LLEN', base .. 'queued') > 0 then
    redis.call('RPUSH', wk, '1')
  end
end

local function error_json(name, message)
  return cjson.encode({ name = name, message = message })
end
