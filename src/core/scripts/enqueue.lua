-- Enqueues a batch of jobs into one queue, atomically and in order. An id that exists is left untouched.
-- KEYS[1]: queue base "<prefix>:{<queue>}:" (every key used below derives from it: one hash slot)
-- ARGV[1]: mode: 'q' queue the jobs; 'c' claim them as started by worker ARGV[2] (sync mode runs them in-process)
-- ARGV[2]: worker id (mode 'c'), ARGV[3]: lease ms (mode 'c')
-- ARGV[4]: job count N, then N records of 11 values:
--   id, name, data, atFront ('1' or ''), timeout ms, result ttl ms, failure ttl ms, ttl ms, max attempts,
--   description, meta (JSON)  -- '' means "not set / default"
-- returns: flat array, 3 per job: created (1 new, 0 existed), name, status (of the existing job when 0)
local base = KEYS[1]
local mode, worker, lease = ARGV[1], ARGV[2], tonumber(ARGV[3])
local n = tonumber(ARGV[4])
local now = now_ms()
local out = {}
local tail = {}
local queued = base .. 'queued'

local function flush_tail()
  if #tail > 0 then
    redis.call('RPUSH', queued, unpack(tail))
    tail = {}
  end
end

for i = 0, n - 1 do
  local o = 4 + i * 11
  local id = ARGV[o + 1]
  local job = base .. 'job:' .. id
  local existing = redis.call('HMGET', job, 'n', 's')
  if existing[1] then
    out[#out + 1] = 0
    out[#out + 1] = existing[1]
    out[#out + 1] = existing[2]
  else
    local fields = { 'n', ARGV[o + 2], 'd', ARGV[o + 3], 'c', now }
    local function opt(field, v)
      if v ~= '' then
        fields[#fields + 1] = field
        fields[#fields + 1] = v
      end
    end
    local front = ARGV[o + 4] == '1'
    opt('to', ARGV[o + 5])
    opt('rt', ARGV[o + 6])
    opt('ft', ARGV[o + 7])
    opt('ma', ARGV[o + 9])
    opt('desc', ARGV[o + 10])
    opt('m', ARGV[o + 11])
    if front then opt('f', '1') end
    local ttl = ARGV[o + 8]
    local status
    if mode == 'c' then
      status = 'started'
      fields[#fields + 1] = 's'; fields[#fields + 1] = status
      fields[#fields + 1] = 'st'; fields[#fields + 1] = now
      fields[#fields + 1] = 'w'; fields[#fields + 1] = worker
      fields[#fields + 1] = 'a'; fields[#fields + 1] = 1
      redis.call('HSET', job, unpack(fields))
      redis.call('ZADD', base .. 'started', now + lease, id)
    else
      status = 'queued'
      fields[#fields + 1] = 's'; fields[#fields + 1] = status
      fields[#fields + 1] = 'a'; fields[#fields + 1] = 0
      if ttl ~= '' then
        local x = now + tonumber(ttl)
        fields[#fields + 1] = 'x'; fields[#fields + 1] = x
        redis.call('ZADD', base .. 'ttl', x, id)
      end
      redis.call('HSET', job, unpack(fields))
      if front then
        -- keep order with the jobs before it in this batch
        flush_tail()
        redis.call('LPUSH', queued, id)
      else
        tail[#tail + 1] = id
      end
    end
    out[#out + 1] = 1
    out[#out + 1] = ARGV[o + 2]
    out[#out + 1] = status
  end
end
flush_tail()
if mode ~= 'c' then wake(base) end
return out
