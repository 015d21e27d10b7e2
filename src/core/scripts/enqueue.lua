-- Enqueues a batch of jobs into one queue, atomically and in order. An id that exists is left untouched.
-- KEYS[1]: queue base "<prefix>:{<queue>}:" (every key used below derives from it: one hash slot)
-- ARGV[1]: mode: 'q' queue the jobs; 'c' claim them as started by worker ARGV[2] (sync mode runs them in-process)
-- ARGV[2]: worker id (mode 'c'), ARGV[3]: lease ms (mode 'c')
-- ARGV[4]: job count N, then N records of 4 values: id, name, data, options; options is '' when every option is its
--   default (the common case), else a JSON array of 12 strings (job-options.ts pushSpecArgs):
--   atFront ('1' or ''), timeout ms, result ttl ms, failure ttl ms, ttl ms, max attempts,
--   description, meta (JSON), dependencies ("queue|id|b" joined by ',', b = '1' when that job is created by this
--   same enqueueMany), dependency flags ('a' allowFailure, 'c' cancel on dependency failure), callbacks (JSON),
--   pipe-from ("queue|id": the job's data is that dependency's result)      -- '' means "not set / default"
--   (4 values, not 15: a client serialises a command value by value, which was most of enqueue's CPU)
-- returns: one value per job: the new job's status, or '=' .. status .. '|' .. name for an id that existed (left
--   untouched); then the outbox length
-- A dependency in this queue is checked here; one in another queue is registered through this queue's outbox.
local mode, worker, lease = ARGV[1], ARGV[2], tonumber(ARGV[3])
local n = tonumber(ARGV[4])
local now = now_ms()
local now_s = tostring(now)
local out = {}
local tail = {}
local queued = BASE .. 'queued'
local W = 4
-- shared by jobs without dependencies (never written to): no tables built per job on the common path
local NONE = {}
local DEFAULT_OPTIONS = { '', '', '', '', '', '', '', '', '', '', '', '' }

local function flush_tail()
  if #tail > 0 then
    redis.call('RPUSH', queued, unpack(tail))
    tail = {}
  end
end

local function put(fields, field, v)
  if v ~= '' then
    fields[#fields + 1] = field
    fields[#fields + 1] = v
  end
end

-- A job that waits (queued or deferred), and its ttl deadline if it has one.
local function waiting(fields, id, status, ttl)
  fields[SLOT_STATUS] = status
  if ttl ~= '' then
    local x = now + tonumber(ttl)
    put(fields, 'x', tostring(x))
    redis.call('ZADD', BASE .. 'ttl', x, id)
  end
end

for i = 0, n - 1 do
  local o = 4 + i * W
  local id = ARGV[o + 1]
  local job = BASE .. 'job:' .. id
  local existing = redis.call('HMGET', job, 'n', 's')
  if existing[1] then
    out[#out + 1] = '=' .. existing[2] .. '|' .. existing[1]
  else
    local data = ARGV[o + 3]
    local opt = DEFAULT_OPTIONS
    if ARGV[o + 4] ~= '' then opt = cjson.decode(ARGV[o + 4]) end
    local front = opt[1] == '1'
    local deps, flags, pipe = opt[9], opt[10], opt[12]
    local pending, cancel_reason, all = NONE, nil, NONE
    if deps ~= '' then
      pending, all = {}, {}
      local self_ref = flags .. '|' .. QUEUE .. '|' .. id
      for q, pid, b in string.gmatch(deps, '([^|,]+)|([^|,]+)|([^|,]*)') do
        local ref = q .. '|' .. pid
        all[#all + 1] = ref
        if q == QUEUE then
          local p = BASE .. 'job:' .. pid
          local ps = redis.call('HGET', p, 's')
          local st = dep_state(ps, flags, b == '1')
          if st == 'met' then
            if pipe == ref then data = redis.call('HGET', p, 'r') or '' end
          elseif st == 'cancel' then
            cancel_reason = ref
          else
            redis.call('SADD', BASE .. 'dependents:' .. pid, self_ref)
            pending[#pending + 1] = ref
          end
        else
          pending[#pending + 1] = ref
          outbox_push('R|' .. q .. '|' .. pid .. '|' .. b .. '|' .. self_ref, now)
        end
      end
    end
    local fields = new_job_fields('queued', ARGV[o + 2], now_s)
    -- o: '1' when a worker must read more than the six fields of the common case (lib.lua)
    -- (timeout, result/failure ttl, ttl, meta, callbacks)
    if put_data(fields, data) > 2 or opt[2] ~= '' or opt[3] ~= '' or opt[4] ~= '' or opt[5] ~= '' or opt[8] ~= '' or opt[11] ~= '' then
      fields[SLOT_OPTIONS] = '1'
    end
    put(fields, 'to', opt[2])
    put(fields, 'rt', opt[3])
    put(fields, 'ft', opt[4])
    put(fields, 'ma', opt[6])
    put(fields, 'desc', opt[7])
    put(fields, 'm', opt[8])
    put(fields, 'cb', opt[11])
    put(fields, 'pf', pipe)
    if front then put(fields, 'f', '1') end
    if #all > 0 then put(fields, 'D', cjson.encode(all)) end
    local ttl = opt[5]
    local status
    if cancel_reason then
      status = 'canceled'
      fields[SLOT_STATUS] = status
      redis.call('HSET', job, unpack(fields))
      end_with_error(BASE, job, id, 'canceled', dependency_failed(cancel_reason), now)
    elseif #pending > 0 then
      status = 'deferred'
      waiting(fields, id, status, ttl)
      redis.call('HSET', job, unpack(fields))
      -- in slices: a job may wait on more dependencies (10,000 in the fan-in bench) than Lua's unpack can take
      call_all('SADD', BASE .. 'deps:' .. id, pending)
      redis.call('ZADD', BASE .. 'deferred', now_s, id)
    elseif mode == 'c' then
      status = 'started'
      fields[SLOT_STATUS], fields[SLOT_ATTEMPTS], fields[SLOT_WORKER], fields[SLOT_STARTED] = status, '1', worker, now_s
      redis.call('HSET', job, unpack(fields))
      hold(BASE, worker, id, now + lease)
    else
      status = 'queued'
      waiting(fields, id, status, ttl)
      redis.call('HSET', job, unpack(fields))
      if front then
        -- keep order with the jobs before it in this batch
        flush_tail()
        redis.call('LPUSH', queued, id)
      else
        tail[#tail + 1] = id
      end
    end
    out[#out + 1] = status
  end
end
flush_tail()
wake(BASE)
out[#out + 1] = redis.call('LLEN', BASE .. 'outbox')
return out
