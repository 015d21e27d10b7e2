-- Deletes a job, whatever its status, from its hash and every registry. A worker running it will find it gone and
-- drop its outcome.
-- KEYS: meta queued wake ttl deferred scheduled workers outbox waiting finished failed canceled expired stopped
-- ARGV[1]: job id
-- returns: { outbox length, 1 deleted or 0 did not exist }
-- @include keys clock queue lease dependencies
local id = ARGV[1]
local job = job_key(id)
local s = redis.call('HGET', job, F_STATUS)
if not s then return { redis.call('LLEN', K.outbox), 0 } end
if s == 'queued' then redis.call('LREM', K.queued, 1, id) end
if s == 'started' then unhold(job, id) end
for _, r in ipairs({ 'finished', 'failed', 'canceled', 'expired', 'stopped', 'deferred', 'scheduled', 'ttl' }) do
  redis.call('ZREM', key(r), id)
end
notify(id, 'deleted', '')
-- a dependency that no longer exists counts as met (RQ), so its waiting dependents go on
settle_dependents(id, 'finished', '', now_ms())
redis.call('DEL', job, deps_key(id), dependents_key(id))
wake()
return { redis.call('LLEN', K.outbox), 1 }
