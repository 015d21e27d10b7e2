-- A worker's round trip: records the outcomes of jobs it ran, then fetches up to its free slots.
-- KEYS[1]: queue base "<prefix>:{<queue>}:"
-- ARGV[1]: worker id, ARGV[2]: lease ms, ARGV[3]: how many jobs to fetch (0: only record outcomes)
-- ARGV[4..]: one outcome per value, "<id>|<attempt>|<kind>|<payload>" (one value, not four: a client pays per value)
--   kind 'f' finished (payload: result JSON or ''), 'x' failed (payload: error JSON), 'r' release back to the queue front
--   An outcome is applied only if the job is still started by this worker on this attempt (else it was reclaimed,
--   canceled or deleted meanwhile, and the outcome is dropped as stale).
-- returns: { one code per outcome (1 applied, 0 stale)..., then per fetched job 7 values: id, name, data, attempt,
--   timeout ms ('' default), meta, callbacks JSON; last: the length of this queue's outbox (dependents elsewhere to tell) }
-- This is the hot path: per job it makes only the calls that touch that job's hash; the registries (started,
-- finished, failed) get one call per batch, and dependents are looked for with one EXISTS over the whole batch.
local base = KEYS[1]
local worker, lease, want = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local now = now_ms()
local out = {}
local started = base .. 'started'
local queued = base .. 'queued'
local jobs = base .. 'job:'
local unstarted, finished, failed = {}, {}, {}
local ended = {} -- { id, outcome, payload } of jobs whose dependents must hear of it

for i = 4, #ARGV do
  local id, attempt, kind, payload = string.match(ARGV[i], '^([^|]+)|(%d+)|(%a)|(.*)$')
  local job = jobs .. id
  -- one read for the ownership check and everything the outcome needs (ttls, whether result() waits)
  local cur = redis.call('HMGET', job, 's', 'w', 'a', 'rt', 'ft', 'W')
  if cur[1] == 'started' and cur[2] == worker and cur[3] == attempt then
    unstarted[#unstarted + 1] = id
    local waiting = cur[6] ~= false
    if kind == 'f' then
      if payload ~= '' then
        redis.call('HSET', job, 's', 'finished', 'et', now, 'r', payload)
      else
        redis.call('HSET', job, 's', 'finished', 'et', now)
      end
      if waiting then publish_end(base, id, 'finished', payload) end
      ended[#ended + 1] = { id, 'f', payload }
      retire(base, job, id, 'finished', tonumber(cur[4] or DEFAULT_RESULT_TTL_MS), now, finished)
    elseif kind == 'x' then
      redis.call('HSET', job, 's', 'failed', 'et', now, 'e', payload)
      if waiting then publish_end(base, id, 'failed', payload) end
      ended[#ended + 1] = { id, 'x', '' }
      retire(base, job, id, 'failed', tonumber(cur[5] or DEFAULT_FAILURE_TTL_MS), now, failed)
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
call_all('ZREM', started, unstarted)
call_all('ZADD', base .. 'finished', finished)
call_all('ZADD', base .. 'failed', failed)
if #ended > 0 then
  local keys = {}
  for k, e in ipairs(ended) do keys[k] = base .. 'dependents:' .. e[1] end
  local any = 0
  for k = 1, #keys, 1000 do any = any + redis.call('EXISTS', unpack(keys, k, math.min(k + 999, #keys))) end
  if any > 0 then
    for _, e in ipairs(ended) do settle_dependents(e[1], e[2], e[3], now) end
  end
end

local got = 0
local leases = {}
while got < want do
  local ids = redis.call('LPOP', queued, want - got)
  if not ids then break end
  for _, id in ipairs(ids) do
    local job = jobs .. id
    local cur = redis.call('HMGET', job, 's', 'x', 'a', 'n', 'to', 'm', 'cb', 'd', 'd2', 'd3', 'd4')
    if cur[1] == 'queued' then
      if cur[2] and tonumber(cur[2]) <= now then
        end_with_error(base, job, id, 'expired', error_json('JobExpiredError', 'The job waited longer than its ttl and never ran.'), now)
      else
        local attempt = tonumber(cur[3] or '0') + 1
        redis.call('HSET', job, 's', 'started', 'st', now, 'w', worker, 'a', attempt)
        leases[#leases + 1] = now + lease
        leases[#leases + 1] = id
        if cur[2] then redis.call('ZREM', base .. 'ttl', id) end
        out[#out + 1] = id
        out[#out + 1] = cur[4]
        out[#out + 1] = (cur[8] or '') .. (cur[9] or '') .. (cur[10] or '') .. (cur[11] or '')
        out[#out + 1] = attempt
        out[#out + 1] = cur[5] or ''
        out[#out + 1] = cur[6] or ''
        out[#out + 1] = cur[7] or ''
        got = got + 1
      end
    end
  end
end
call_all('ZADD', started, leases)
wake(base)
out[#out + 1] = redis.call('LLEN', base .. 'outbox')
return out
