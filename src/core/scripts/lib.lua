-- Shared helpers, prepended to every script by scripts.ts (after the generated constants DEFAULT_*).
-- Job hash fields: s status, n name, c enqueued at, d data (with d2..d4: see split_data), a attempts (absent: 0),
-- w worker, st started at, et ended at, ma max attempts, to timeout ms, rt result ttl ms, ft failure ttl ms,
-- x expires-at ms (ttl), f at front, desc, m meta, r result, e error, D dependencies (JSON), pf pipe-from
-- ("queue|id": data is that job's result), cb callbacks (JSON), o '1' when the job may have any of x, to, rt, ft, m,
-- cb or data beyond d2 (absent: a worker fetches it by naming six fields instead of reading it whole).
-- Absent to/rt/ft/ma mean the defaults. A new job gets only the fields it has (s, n, c, its data, then any options):
-- every field of a small hash costs Redis a search and a reallocation when it is written.
-- Leases: a worker that runs jobs of a queue is in its `workers` zset, scored by its lease deadline (ms), and holds
-- them in `held:<worker>`, a set of "<id>|<attempt>". The worker renews one deadline, not one per job; when it lapses,
-- maintenance (reclaim.lua) takes back every job in the worker's set. Every way a started job leaves its worker
-- (its outcome, stop, delete, reclaim) removes its member, so membership is the worker's proof of ownership.
-- result() waiters: `waiting` is set (with an expiry that a waiter renews) while anyone waits on a job of the queue;
-- only then do ending jobs publish on `events`.
-- Dependencies: dependents:<id> is a set of "flags|queue|id" entries (flags: 'a' allowFailure, 'c' cancel on failure)
-- of jobs waiting on <id>; deps:<id> is the set of "queue|id" a deferred job still waits on. A dependent in another
-- queue is reached through this queue's outbox (list of "V|..." / "R|..." messages), delivered by outbox.ts.

local BASE = KEYS[1]
local QUEUE = string.match(KEYS[1], '{(.-)}:$')

-- A job's data is kept in fields d, d2, d3, d4 of at most 64 bytes each when it fits in four of them. Redis keeps
-- a hash in its compact listpack encoding only while every value is at most hash-max-listpack-value (64 bytes by
-- default); one ~120-byte payload in a single field turns the whole hash into a real hashtable, which took the
-- memory per queued job from ~360 to ~700 bytes. Larger data (a few hundred bytes and up) is stored whole in d,
-- where the hash's overhead no longer matters. A cut never falls inside a UTF-8 sequence, so every field decodes
-- on its own (clients read the fields separately and join them: job-info.ts).
local DATA_FIELDS = { 'd', 'd2', 'd3', 'd4' }

local function split_data(data)
  local n = #data
  if n <= 64 then return { data } end
  local parts, pos = {}, 1
  while pos <= n do
    if #parts == #DATA_FIELDS then return { data } end
    local stop = pos + 63
    if stop < n then
      local b = string.byte(data, stop + 1)
      while stop > pos and b >= 128 and b < 192 do
        stop = stop - 1
        b = string.byte(data, stop + 1)
      end
    end
    parts[#parts + 1] = string.sub(data, pos, stop)
    pos = stop + 1
  end
  return parts
end

-- Appends the data fields of `data` to an HSET field list. Returns how many fields the data took.
local function put_data(fields, data)
  local n = #fields
  if #data <= 64 then
    -- the common cases without a table of parts: one field, or two whose cut needs no UTF-8 adjustment
    fields[n + 1], fields[n + 2] = 'd', data
    return 1
  elseif #data <= 128 then
    local b = string.byte(data, 65)
    if b < 128 or b >= 192 then
      fields[n + 1], fields[n + 2], fields[n + 3], fields[n + 4] = 'd', string.sub(data, 1, 64), 'd2', string.sub(data, 65)
      return 2
    end
  end
  local parts = split_data(data)
  for k, part in ipairs(parts) do
    fields[#fields + 1] = DATA_FIELDS[k]
    fields[#fields + 1] = part
  end
  return #parts
end

-- Replaces a stored job's data.
local function set_data(job, data)
  redis.call('HDEL', job, 'd2', 'd3', 'd4')
  local fields = {}
  if put_data(fields, data) > 2 then
    fields[#fields + 1] = 'o'
    fields[#fields + 1] = '1'
  end
  redis.call('HSET', job, unpack(fields))
end

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Tells result() waiters that a job ended (callers check first that anyone waits: the queue's `waiting` key).
local function publish_end(base, id, status, payload)
  redis.call('PUBLISH', base .. 'events', id .. '\n' .. status .. '\n' .. (payload or ''))
end

-- Whether anyone waits on a result in this queue (see the top of this file).
local function anyone_waits(base)
  return redis.call('EXISTS', base .. 'waiting') == 1
end

-- Tells result() waiters, if there are any, that the job ended. work.lua asks anyone_waits once per batch instead.
local function notify(base, id, status, payload)
  if anyone_waits(base) then publish_end(base, id, status, payload) end
end

-- Records that `worker` runs attempt `attempt` of job `id` (a lease until `deadline`, ms; never shortened: GT).
local function hold(base, worker, id, attempt, deadline)
  redis.call('SADD', base .. 'held:' .. worker, id .. '|' .. attempt)
  redis.call('ZADD', base .. 'workers', 'GT', deadline, worker)
end

-- Forgets that the worker in field w of `job` runs it (stop, delete of a running job).
local function unhold(base, job, id)
  local cur = redis.call('HMGET', job, 'w', 'a')
  if cur[1] then redis.call('SREM', base .. 'held:' .. cur[1], id .. '|' .. (cur[2] or '0')) end
end

-- Moves a job into a terminal registry (finished, failed, canceled, expired, stopped), scored by when it expires,
-- and gives its hash the same TTL, so Redis itself removes it; maintenance trims the registry past that score.
-- ttl: ms, -1 forever, 0 delete now. (work.lua has its own batched copy for the hot path.)
local function retire(base, job, id, status, ttl, now)
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
  redis.call('ZADD', base .. status, score, id)
end

-- Runs `cmd key values...` for a batch in slices of at most 1000 values (Lua's unpack has a stack limit; 1000 is
-- even, so score/member pairs stay whole). One call per slice instead of one per job: each redis.call from Lua costs
-- about a microsecond on its own.
local function call_all(cmd, key, values)
  for i = 1, #values, 1000 do
    redis.call(cmd, key, unpack(values, i, math.min(i + 999, #values)))
  end
end

local function failure_ttl(job)
  return tonumber(redis.call('HGET', job, 'ft') or DEFAULT_FAILURE_TTL_MS)
end

local function error_json(name, message)
  return cjson.encode({ name = name, message = message })
end

-- Wakes one blocked worker when there is queued work and no wake-up token is pending.
local function wake(base)
  local wk = base .. 'wake'
  if redis.call('LLEN', wk) == 0 and redis.call('LLEN', base .. 'queued') > 0 then
    redis.call('RPUSH', wk, '1')
  end
end

-- Puts a job on its queue: at the head if `front` (a run cut short goes back ahead of newer work) or it was enqueued
-- atFront (a deferred job keeps that choice), else at the tail; a job with a ttl is tracked for it again.
local function push_queued(base, job, id, front)
  redis.call('HSET', job, 's', 'queued')
  local cur = redis.call('HMGET', job, 'f', 'x')
  if front or cur[1] == '1' then
    redis.call('LPUSH', base .. 'queued', id)
  else
    redis.call('RPUSH', base .. 'queued', id)
  end
  if cur[2] then redis.call('ZADD', base .. 'ttl', cur[2], id) end
end

-- What a dependency in status `s` means for a dependent with `flags`: 'met', 'cancel' or 'wait'.
-- A missing dependency counts as met (finished and expired, or deleted), unless `in_batch` says it is about to be created.
local function dep_state(s, flags, in_batch)
  if not s then
    if in_batch then return 'wait' end
    return 'met'
  end
  if s == 'finished' then return 'met' end
  if s == 'failed' then
    if string.find(flags, 'a', 1, true) then return 'met' end
    if string.find(flags, 'c', 1, true) then return 'cancel' end
    return 'wait'
  end
  if s == 'canceled' or s == 'stopped' or s == 'expired' then
    if string.find(flags, 'c', 1, true) then return 'cancel' end
    return 'wait'
  end
  return 'wait'
end

local settle_dependents

-- Records the end of a job that never ran or will not run again (canceled, expired, abandoned-failed) with an error,
-- without telling its dependents (end_with_error does; a cascade in settle_dependents does it through its work list).
local function close_with_error(base, job, id, status, err, now)
  redis.call('HSET', job, 's', status, 'et', now, 'e', err)
  redis.call('HDEL', job, 'w')
  redis.call('ZREM', base .. 'ttl', id)
  redis.call('ZREM', base .. 'deferred', id)
  redis.call('DEL', base .. 'deps:' .. id)
  notify(base, id, status, err)
end

-- Ends a job with an error record and tells its dependents (a failed job may satisfy allowFailure dependents; the
-- others never satisfy any). Dependents are settled before the job may be deleted by its ttl.
local function end_with_error(base, job, id, status, err, now)
  close_with_error(base, job, id, status, err, now)
  settle_dependents(id, status == 'failed' and 'x' or 'c', '', now)
  retire(base, job, id, status, failure_ttl(job), now)
end

-- The error of a dependent canceled because `parent_ref` ("queue|id") did not finish.
local function dependency_failed(parent_ref)
  return error_json('DependencyFailedError', 'The job was canceled because its dependency ' .. parent_ref ..
    ' did not finish (onDependencyFailure: cancel).')
end

-- A dependency of deferred job `id` (this queue) is met: forget it, take its result if this job is its pipe, and
-- queue the job once nothing is left. Idempotent: a job that is no longer deferred is left alone.
local function resolve_dep(id, parent_ref, payload)
  local job = BASE .. 'job:' .. id
  if redis.call('HGET', job, 's') ~= 'deferred' then return end
  local deps = BASE .. 'deps:' .. id
  redis.call('SREM', deps, parent_ref)
  if redis.call('HGET', job, 'pf') == parent_ref and payload ~= '' then set_data(job, payload) end
  if redis.call('SCARD', deps) == 0 then
    redis.call('ZREM', BASE .. 'deferred', id)
    push_queued(BASE, job, id)
  end
end

-- Cancels deferred job `id` because a dependency failed or was canceled (onDependencyFailure: 'cancel').
-- Returns true if it was canceled now (its own dependents must then hear of it).
local function cancel_dependent(id, parent_ref, now)
  local job = BASE .. 'job:' .. id
  if redis.call('HGET', job, 's') ~= 'deferred' then return false end
  close_with_error(BASE, job, id, 'canceled', dependency_failed(parent_ref), now)
  retire(BASE, job, id, 'canceled', failure_ttl(job), now)
  return true
end

local function outbox_push(msg, now)
  redis.call('RPUSH', BASE .. 'outbox', now .. '|' .. msg)
end

-- Job `id` of this queue ended with `outcome` ('f' finished with result `payload`, 'x' failed, 'c' canceled, stopped
-- or expired). Each dependent it satisfies or cancels is told (directly in this queue, by outbox elsewhere) and
-- unregistered; dependents that wait (RQ's default on failure) stay registered for a requeue. Cascades in this queue.
settle_dependents = function(id, outcome, payload, now)
  local todo = { { id, outcome, payload } }
  local i = 1
  while i <= #todo do
    local pid, oc, pl = todo[i][1], todo[i][2], todo[i][3]
    i = i + 1
    local dkey = BASE .. 'dependents:' .. pid
    local parent_ref = QUEUE .. '|' .. pid
    for _, entry in ipairs(redis.call('SMEMBERS', dkey)) do
      local flags, q, did = string.match(entry, '^([^|]*)|([^|]+)|(.+)$')
      local action
      if oc == 'f' then
        action = 's'
      else
        local st = dep_state(oc == 'x' and 'failed' or 'canceled', flags, false)
        if st == 'met' then action = 's' elseif st == 'cancel' then action = 'c' end
      end
      if action then
        redis.call('SREM', dkey, entry)
        if q == QUEUE then
          if action == 's' then
            resolve_dep(did, parent_ref, pl)
          elseif cancel_dependent(did, parent_ref, now) then
            todo[#todo + 1] = { did, 'c', '' }
          end
        else
          outbox_push('V|' .. q .. '|' .. did .. '|' .. parent_ref .. '|' .. action .. '|' .. pl, now)
        end
      end
    end
  end
end
