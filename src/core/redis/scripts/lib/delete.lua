-- Deleting a job, whatever its status, from its hash and every registry. A worker running it will find it gone and
-- drop its outcome; its dependents settle as for a finished dependency (RQ: a dependency that no longer exists is met).
-- The caller calls flush_ends (lib/stats.lua) before it returns.
-- KEYS: queued ttl deferred scheduled workers finished failed canceled expired stopped
-- @include keys clock queue lease dependencies unique stats

local DELETE_FROM = { 'finished', 'failed', 'canceled', 'expired', 'stopped', 'deferred', 'scheduled', 'ttl' }

-- Deletes job `id`; `listed` false when the caller already took it off the queued list. Returns 1, or 0 if it did
-- not exist.
local function delete_job(id, listed, now)
  local job = job_key(id)
  local s = redis.call('HGET', job, F_STATUS)
  if not s then return 0 end
  if s == 'queued' and listed then unlist(job, id) end
  if s == 'started' then
    unhold(job, id)
    group_stop(job)
  end
  -- a job that had not ended ends here; deleting an ended one (finished, failed...) was counted when it ended
  if s == 'queued' or s == 'started' or s == 'deferred' or s == 'scheduled' then count_end(STAT_DELETED) end
  release_unique(job, id)
  for _, r in ipairs(DELETE_FROM) do
    redis.call('ZREM', key(r), id)
  end
  notify(id, 'deleted', '')
  settle_dependents(id, 'finished', '', now)
  redis.call('DEL', job, deps_key(id), dependents_key(id))
  return 1
end
