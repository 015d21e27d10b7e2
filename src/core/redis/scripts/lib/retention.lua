-- Retention caps of ended jobs (model/retention.ts): a count cap trims the oldest entries of a terminal registry
-- beyond it, a bounded batch per job that ends, so the cost stays flat per job and no call scans a whole registry;
-- an age cap shortens the ttl a job is retired with. A trimmed job is removed as delete.lua removes one: its hash,
-- registry entry and dependency sets go, and its waiting dependents count it as met. Its entry in the id index
-- (job-id-index.ts), outside this slot, is swept later as an expired job's is.
-- KEYS: meta finished failed canceled expired stopped
-- @include keys batch dependencies

-- Entries a call may trim per job it ends, beyond that job itself: a lowered cap (or a registry filled before the cap
-- was set) is caught up within a few thousand ends, at a cost bounded per job.
local TRIM_SLACK = 100

-- Removes ended jobs `ids`, already out of their registry, as delete.lua removes a job. An ended job has no `deps` set
-- (closing deletes it, a job that ran had it emptied), and settling its dependents as met empties its `dependents`
-- set, which Redis then drops: only the hashes are left to delete.
local function drop_ended(ids, now, finished)
  local n = #ids
  if n == 0 then return end
  local keys = {}
  -- a finished job has no dependents left: they were all settled as met when it finished, and one enqueued later
  -- finds it finished (dep_state) and never registers
  if not finished then
    for i = 1, n do keys[i] = DEPENDENTS_PREFIX .. ids[i] end
    local any = 0
    for k = 1, n, 1000 do any = any + redis.call('EXISTS', unpack(keys, k, math.min(k + 999, n))) end
    if any > 0 then
      -- a dependency that no longer exists counts as met (RQ), as for a deleted or expired job
      for i = 1, n do
        if redis.call('EXISTS', keys[i]) == 1 then settle_dependents(ids[i], 'finished', '', now) end
      end
    end
  end
  for i = 1, n do keys[i] = JOB_PREFIX .. ids[i] end
  for k = 1, n, 1000 do redis.call('DEL', unpack(keys, k, math.min(k + 999, n))) end
end

-- Trims the registry of `status` to `count` entries, removing at most `ended` + TRIM_SLACK of its oldest (lowest
-- score: the soonest to expire, which for one ttl is the first ended).
local function trim_registry(status, count, ended, now)
  local reg = key(status)
  local over = redis.call('ZCARD', reg) - count
  if over <= 0 then return end
  -- not ZPOPMIN: it formats each score as text for its reply, which cost more than the ZREM it saves
  local ids = redis.call('ZRANGE', reg, 0, math.min(over, ended + TRIM_SLACK) - 1)
  call_all('ZREM', reg, ids)
  drop_ended(ids, now, status == 'finished')
end

-- The queue's caps as its workers stored them in meta (M_KEEP "fc,fa,xc,xa"), read once per call: false when none.
local queue_caps
local function queue_retention()
  if queue_caps == nil then
    local v = redis.call('HGET', K.meta, M_KEEP)
    queue_caps = false
    if v then
      local fc, fa, xc, xa = string.match(v, '^([^,]*),([^,]*),([^,]*),([^,]*)$')
      if fc then queue_caps = { tonumber(fc), tonumber(fa), tonumber(xc), tonumber(xa) } end
    end
  end
  return queue_caps
end

-- retire() with the caps of a job ended outside a worker's round trip (failed, canceled, expired, stopped): its own
-- count cap (JOB_FIELD.keep; its own age is in its ttl already), else the queue's count and age caps.
retire_hook = function(job, id, status, ttl, now)
  local own = redis.call('HGET', job, F_KEEP)
  local finished = status == 'finished'
  local count
  if own then
    local fc, xc = string.match(own, '^([^,]*),(.*)$')
    count = tonumber(finished and fc or xc)
  else
    local caps = queue_retention()
    if caps then
      local age = caps[finished and 2 or 4]
      if age and ttl ~= 0 and (ttl < 0 or age < ttl) then ttl = age end
      count = caps[finished and 1 or 3]
    end
  end
  retire_now(job, id, status, ttl, now)
  if count then trim_registry(status, count, 1, now) end
end
