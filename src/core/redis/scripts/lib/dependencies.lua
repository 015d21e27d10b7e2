-- Dependencies: a dependents set per job lists the jobs waiting on it ("flags|queue|id", flags: DEP_* letters); a deps
-- set per deferred job lists the "queue|id" it still waits on. A dependent in another queue is reached through this
-- queue's outbox.
-- KEYS: deferred
-- @include keys data queue registry closing outbox errors delay

-- What a dependency in status `s` means for a dependent with `flags`: 'met', 'cancel' or 'wait'.
-- A missing dependency counts as met (finished and expired, or deleted), unless `in_batch` says it is about to be created.
local function dep_state(s, flags, in_batch)
  if not s then
    if in_batch then return 'wait' end
    return 'met'
  end
  if s == 'finished' then return 'met' end
  if s == 'failed' then
    if string.find(flags, DEP_ALLOW_FAILURE, 1, true) then return 'met' end
    if string.find(flags, DEP_CANCEL_ON_FAILURE, 1, true) then return 'cancel' end
    return 'wait'
  end
  if s == 'canceled' or s == 'stopped' or s == 'expired' then
    if string.find(flags, DEP_CANCEL_ON_FAILURE, 1, true) then return 'cancel' end
    return 'wait'
  end
  return 'wait'
end

-- The error of a dependent canceled because `parent_ref` ("queue|id") did not finish.
local function dependency_failed(parent_ref)
  return error_json('DependencyFailedError', 'The job was canceled because its dependency ' .. parent_ref ..
    ' did not finish (onDependencyFailure: cancel).')
end

-- A dependency of deferred job `id` (this queue) is met: forget it, take its result if this job is its pipe, and
-- queue the job once nothing is left (or schedule it, when its delay or runAt is still ahead). Idempotent: a job that
-- is no longer deferred is left alone.
local function resolve_dep(id, parent_ref, payload, now)
  local job = job_key(id)
  if redis.call('HGET', job, F_STATUS) ~= 'deferred' then return end
  local deps = deps_key(id)
  redis.call('SREM', deps, parent_ref)
  if redis.call('HGET', job, F_PIPE_FROM) == parent_ref and payload ~= '' then set_data(job, payload) end
  if redis.call('SCARD', deps) == 0 then
    redis.call('ZREM', K.deferred, id)
    local at = tonumber(redis.call('HGET', job, F_SCHEDULED_FOR) or '0')
    if at > now then
      schedule_job(job, id, at)
    else
      push_queued(job, id)
    end
  end
end

-- Cancels deferred job `id` because a dependency failed or was canceled (onDependencyFailure: 'cancel').
-- Returns true if it was canceled now (its own dependents must then hear of it).
local function cancel_dependent(id, parent_ref, now)
  local job = job_key(id)
  if redis.call('HGET', job, F_STATUS) ~= 'deferred' then return false end
  close_with_error(job, id, 'canceled', dependency_failed(parent_ref), now)
  retire(job, id, 'canceled', failure_ttl(job), now)
  return true
end

-- Job `id` of this queue ended as `status` ('finished' with result `payload`, 'failed', or 'canceled' for canceled,
-- stopped and expired alike). Each dependent it satisfies or cancels is told (directly in this queue, by outbox
-- elsewhere) and unregistered; dependents that wait (RQ's default on failure) stay registered for a requeue.
-- Cascades in this queue.
local function settle_dependents(id, status, payload, now)
  local todo = { { id, status, payload } }
  local i = 1
  while i <= #todo do
    local pid, ended, pl = todo[i][1], todo[i][2], todo[i][3]
    i = i + 1
    local dkey = dependents_key(pid)
    local parent_ref = QUEUE .. '|' .. pid
    for _, entry in ipairs(redis.call('SMEMBERS', dkey)) do
      local flags, q, did = string.match(entry, '^([^|]*)|([^|]+)|(.+)$')
      local action = ended == 'finished' and 'met' or dep_state(ended, flags, false)
      if action ~= 'wait' then
        redis.call('SREM', dkey, entry)
        if q == QUEUE then
          if action == 'met' then
            resolve_dep(did, parent_ref, pl, now)
          elseif cancel_dependent(did, parent_ref, now) then
            todo[#todo + 1] = { did, 'canceled', '' }
          end
        else
          outbox_push(MSG_SETTLE .. '|' .. q .. '|' .. did .. '|' .. parent_ref .. '|' .. action .. '|' .. pl, now)
        end
      end
    end
  end
end

-- Ends a job with an error record and tells its dependents (a failed job may satisfy allowFailure dependents; the
-- others never satisfy any). Dependents are settled before the job may be deleted by its ttl.
local function end_with_error(job, id, status, err, now)
  close_with_error(job, id, status, err, now)
  settle_dependents(id, status == 'failed' and 'failed' or 'canceled', '', now)
  retire(job, id, status, failure_ttl(job), now)
end
