-- Leases: a worker that runs jobs of a queue is in the `workers` zset, scored by its lease deadline (ms), and holds
-- them in its held set, "<id>|<attempt>" members. The worker renews one deadline, not one per job; when it lapses,
-- maintenance (reclaim.lua) takes back every job in the worker's set. Every way a started job leaves its worker (its
-- outcome, stop, delete, reclaim) removes its member, so membership is the worker's proof of ownership.
-- KEYS: workers
-- @include keys

-- Records that `worker` runs attempt `attempt` of job `id` (a lease until `deadline`, ms; never shortened: GT).
local function hold(worker, id, attempt, deadline)
  redis.call('SADD', held_key(worker), id .. '|' .. attempt)
  redis.call('ZADD', K.workers, 'GT', deadline, worker)
end

-- Forgets that the worker in the job's worker field runs it (stop, delete of a running job).
local function unhold(job, id)
  local cur = redis.call('HMGET', job, F_WORKER, F_ATTEMPTS)
  if cur[1] then redis.call('SREM', held_key(cur[1]), id .. '|' .. (cur[2] or '0')) end
end
