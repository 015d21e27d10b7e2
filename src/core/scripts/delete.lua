-- Deletes a job, whatever its status, from its hash and every registry. A worker running it will find it gone and drop its outcome.
-- KEYS[1]: queue base "<prefix>:{<queue>}:"
-- ARGV[1]: job id
-- returns: 1 deleted, 0 did not exist; then the outbox length
local base, id = KEYS[1], ARGV[1]
local job = base .. 'job:' .. id
local s = redis.call('HGET', job, 's')
if not s then return { 0, redis.call('LLEN', base .. 'outbox') } end
if s == 'queued' then redis.call('LREM', base .. 'queued', 1, id) end
if s == 'started' then unhold(base, job, id) end
for _, r in ipairs({ 'finished', 'failed', 'canceled', 'expired', 'stopped', 'deferred', 'scheduled', 'ttl' }) do
  redis.call('ZREM', base .. r, id)
end
notify(base, id, 'deleted', '')
-- a dependency that no longer exists counts as met (RQ), so its waiting dependents go on
settle_dependents(id, 'f', '', now_ms())
redis.call('DEL', job, base .. 'deps:' .. id, base .. 'dependents:' .. id)
wake(base)
return { 1, redis.call('LLEN', base .. 'outbox') }
