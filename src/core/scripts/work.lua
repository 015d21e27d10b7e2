-- A worker's round trip: records the outcomes of jobs it ran, then fetches up to its free slots.
-- KEYS[1]: queue base "<prefix>:{<queue>}:"
-- ARGV[1]: worker id, ARGV[2]: lease ms, ARGV[3]: how many jobs to fetch (0: only record outcomes)
-- ARGV[4]: outcome count M, then M records of 4 values: id, attempt, kind, payload
--   kind 'f' finished (payload: result JSON or ''), 'x' failed (payload: error JSON), 'r' release back to the queue front
--   An outcome is applied only if the job is still started by this worker on this attempt (else it was reclaimed,
--   canceled or deleted meanwhile, and the outcome is dropped as stale).
-- returns: { M codes (1 applied, 0 stale)..., then per fetched job 8 values: id, name, data, attempt, timeout ms, meta,
--   max attempts, callbacks JSON; last: the length of this queue's outbox (dependents elsewhere to tell) }
local base = KEYS[1]
local worker, lease, want = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local m = tonumber(ARGV[4])
local now = now_ms()
local out = {}
local started = base .. 'started'
local queued = base .. 'queued'

for i = 0, m - 1 do
  local o = 4 + i * 4
  local id, attempt, kind, payload = ARGV[o + 1], ARGV[o + 2], ARGV[o + 3], ARGV[o + 4]
  local job = base .. 'job:' .. id
  local cur = redis.call('HMGET', job, 's', 'w', 'a')
  if cur[1] == 'started' and cur[2] == worker and cur[3] == attempt then
    redis.call('ZREM', started, id)
    if kind == 'f' then
      redis.call('HSET', job, 's', 'finished', 'et', now)
      if payload ~= '' then redis.call('HSET', job, 'r', payload) end
      local rt = tonumber(redis.call('HGET', job, 'rt') or DEFAULT_RESULT_TTL_MS)
      notify(base, job, id, 'finished', payload)
      settle_dependents(id, 'f', payload, now)
      retire(base, job, id, 'finished', rt, now)
    elseif kind == 'x' then
      redis.call('HSET', job, 's', 'failed', 'et', now, 'e', payload)
      notify(base, job, id, 'failed', payload)
      settle_dependents(id, 'x', '', now)
      retire(base, job, id, 'failed', failure_ttl(job), now)
    else
      -- released at shutdown: this run does not count as an attempt
      redis.call('HSET', job, 's', 'queued', 'a', tonumber(attempt) - 1)
      redis.call('HDEL', job, 'w', 'st')
      local x = redis.call('HGET', job, 'x')
      if x then redis.call('ZADD', base .. 'ttl', x, id) end
      redis.call('LPUSH', queued, id)
    end
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end

local got = 0
while got < want do
  local ids = redis.call('LPOP', queued, want - got)
  if not ids then break end
  for _, id in ipairs(ids) do
    local job = base .. 'job:' .. id
    local cur = redis.call('HMGET', job, 's', 'x', 'a', 'n', 'd', 'to', 'm', 'ma', 'cb')
    if cur[1] == 'queued' then
      if cur[2] and tonumber(cur[2]) <= now then
        end_with_error(base, job, id, 'expired', error_json('JobExpiredError', 'The job waited longer than its ttl and never ran.'), now)
      else
        local attempt = tonumber(cur[3] or '0') + 1
        redis.call('HSET', job, 's', 'started', 'st', now, 'w', worker, 'a', attempt)
        redis.call('ZADD', started, now + lease, id)
        if cur[2] then redis.call('ZREM', base .. 'ttl', id) end
        out[#out + 1] = id
        out[#out + 1] = cur[4]
        out[#out + 1] = cur[5]
        out[#out + 1] = attempt
        out[#out + 1] = cur[6] or ''
        out[#out + 1] = cur[7] or ''
        out[#out + 1] = cur[8] or ''
        out[#out + 1] = cur[9] or ''
        got = got + 1
      end
    end
  end
end
wake(base)
out[#out + 1] = redis.call('LLEN', base .. 'outbox')
return out
