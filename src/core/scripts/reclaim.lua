-- Maintenance, run by any live worker: reclaims the jobs of workers whose lease ran out, expires queued and deferred
-- jobs past their ttl, and trims registry entries whose job hash Redis has already expired.
-- KEYS[1]: queue base "<prefix>:{<queue>}:"
-- ARGV[1]: most lapsed workers, and most ttl entries, to handle per step (keeps one call short)
-- returns: { expired count, outbox length, requeued count R, then R pairs (id, attempt cut short) of jobs requeued for
--   another attempt, then the ids of jobs failed as abandoned (no attempts left) }
local base = KEYS[1]
local limit = tonumber(ARGV[1])
local now = now_ms()
local workers = base .. 'workers'
local requeued, expired = {}, 0
local abandoned = {}

-- every job a worker holds shares its lease: when the worker's deadline passes, all of them are taken back
for _, worker in ipairs(redis.call('ZRANGEBYSCORE', workers, '-inf', now, 'LIMIT', 0, limit)) do
  local held = base .. 'held:' .. worker
  for _, member in ipairs(redis.call('SMEMBERS', held)) do
    local id, attempt = string.match(member, '^(.+)|(%d+)$')
    local job = base .. 'job:' .. id
    local cur = redis.call('HMGET', job, 's', 'a', 'ma', 'w')
    if cur[1] == 'started' and cur[4] == worker and cur[2] == attempt then
      local attempts = tonumber(cur[2] or '0')
      local max = tonumber(cur[3] or DEFAULT_MAX_ATTEMPTS)
      if attempts < max then
        redis.call('HDEL', job, 'w')
        -- it was at the head once already: do not make it wait behind newer work
        push_queued(base, job, id, true)
        requeued[#requeued + 1] = { id, attempts }
      else
        end_with_error(base, job, id, 'failed', error_json('JobAbandonedError',
          'The worker running this job stopped renewing its lease (it crashed or hung) on attempt ' .. attempts ..
          ' of ' .. max .. '; no attempts are left. Raise `attempts` to let Jobline run it again.'), now)
        abandoned[#abandoned + 1] = id
      end
    end
  end
  redis.call('DEL', held)
  redis.call('ZREM', workers, worker)
end

local ttl = base .. 'ttl'
for _, id in ipairs(redis.call('ZRANGEBYSCORE', ttl, '-inf', now, 'LIMIT', 0, limit)) do
  redis.call('ZREM', ttl, id)
  local job = base .. 'job:' .. id
  local s = redis.call('HGET', job, 's')
  if s == 'queued' or s == 'deferred' then
    if s == 'queued' then redis.call('LREM', base .. 'queued', 1, id) end
    end_with_error(base, job, id, 'expired', error_json('JobExpiredError', 'The job waited longer than its ttl and never ran.'), now)
    expired = expired + 1
  end
end

for _, r in ipairs({ 'finished', 'failed', 'canceled', 'expired', 'stopped' }) do
  redis.call('ZREMRANGEBYSCORE', base .. r, '-inf', '(' .. now)
end
wake(base)

local out = { expired, redis.call('LLEN', base .. 'outbox'), #requeued }
for _, r in ipairs(requeued) do
  out[#out + 1] = r[1]
  out[#out + 1] = r[2]
end
for _, id in ipairs(abandoned) do out[#out + 1] = id end
return out
