-- Requeues or deletes a batch of the jobs in one status of a queue (requeue or delete of every failed job, emptyQueue):
-- the ids come from the status's own list or registry inside the call, so a batch costs one round trip, and an entry
-- whose job is gone or has moved on is dropped from it, so repeated calls always progress.
-- KEYS: meta queued wake ttl deferred scheduled workers outbox waiting finished failed canceled expired stopped
-- ARGV[1]: 'requeue' | 'delete', ARGV[2]: the status (queued, deferred, scheduled, or one of the ended ones; requeue:
--   failed, canceled, stopped or expired), ARGV[3]: most entries to look at
-- returns: { outbox length, jobs requeued or deleted, entries looked at, entries left in that status }
-- @include keys clock queue requeue delete lanes
local op, status, limit = ARGV[1], ARGV[2], tonumber(ARGV[3])
local now = now_ms()
local ids
if status == 'queued' then
  -- every lane's, off their lists at once
  ids = take_queued(limit)
else
  ids = redis.call('ZRANGE', key(status), 0, limit - 1)
end
local done = 0
for _, id in ipairs(ids) do
  if redis.call('HGET', job_key(id), F_STATUS) == status then
    if op == 'requeue' then
      requeue_job(id)
    else
      delete_job(id, false, now)
    end
    done = done + 1
  elseif status ~= 'queued' then
    redis.call('ZREM', key(status), id)
  end
end
flush_ends(now)
wake()
local left
if status == 'queued' then left = queued_count() else left = redis.call('ZCARD', key(status)) end
return { redis.call('LLEN', K.outbox), done, #ids, left }
