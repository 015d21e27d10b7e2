-- Maintenance, run by any live worker: reclaims the jobs of workers whose lease ran out, expires queued and deferred
-- jobs past their ttl, and trims registry entries whose job hash Redis has already expired.
-- KEYS: meta queued wake ttl deferred scheduled workers outbox waiting finished failed canceled expired stopped reply
--   reply: this call's own key (named by a call id, maintenance.ts): what it requeued and failed is kept there, so the
--   same call run again (its reply lost with a dropped connection, and ioredis sent it again, or the caller retries it)
--   answers the same jobs, whose onFailure callbacks would otherwise never run
-- ARGV[1]: most lapsed workers, and most ttl entries, to handle per step (keeps one call short), ARGV[2]: how long
--   the answer is kept (ms)
-- returns: { outbox length, expired count, { id, attempt cut short, ... } of jobs requeued for another attempt,
--   { ids of jobs failed as abandoned (no attempts left) } }
-- @include keys clock queue dependencies errors retention stats
local limit = tonumber(ARGV[1])
local saved = redis.call('GET', K.reply)
if saved then
  local answer = cjson.decode(saved)
  return { redis.call('LLEN', K.outbox), 0, answer[1], answer[2] }
end
local now = now_ms()
local requeued, expired = {}, 0
local abandoned = {}

-- every job a worker holds shares its lease: when the worker's deadline passes, all of them are taken back
for _, worker in ipairs(redis.call('ZRANGEBYSCORE', K.workers, '-inf', now, 'LIMIT', 0, limit)) do
  local held = held_key(worker)
  for _, member in ipairs(redis.call('SMEMBERS', held)) do
    local id, attempt = string.match(member, '^(.+)|(%d+)$')
    local job = job_key(id)
    local cur = redis.call('HMGET', job, F_STATUS, F_ATTEMPTS, F_MAX_ATTEMPTS, F_WORKER, F_RETRIES)
    if cur[1] == 'started' and cur[4] == worker and cur[2] == attempt then
      group_stop(job)
      local attempts = tonumber(cur[2] or '0')
      local max = tonumber(cur[3] or DEFAULT_MAX_ATTEMPTS)
      -- `attempts` bounds the runs cut short by dead workers: runs that ended in a retried failure do not count
      local retries = tonumber(cur[5] or '0')
      if attempts - retries < max then
        redis.call('HDEL', job, F_WORKER)
        -- it was at the head once already: do not make it wait behind newer work
        push_queued(job, id, true)
        count_end(STAT_RETRIED)
        requeued[#requeued + 1] = id
        requeued[#requeued + 1] = attempts
      else
        end_with_error(job, id, 'failed', error_json('JobAbandonedError',
          'The worker running this job stopped renewing its lease (it crashed or hung) on attempt ' .. attempts ..
          ' of ' .. (max + retries) .. '; no attempts are left. Raise `attempts` to let Jobline run it again.'), now)
        abandoned[#abandoned + 1] = id
      end
    end
  end
  redis.call('DEL', held)
  redis.call('ZREM', K.workers, worker)
end

for _, id in ipairs(redis.call('ZRANGEBYSCORE', K.ttl, '-inf', now, 'LIMIT', 0, limit)) do
  redis.call('ZREM', K.ttl, id)
  local job = job_key(id)
  local s = redis.call('HGET', job, F_STATUS)
  if s == 'queued' or s == 'deferred' then
    if s == 'queued' then unlist(job, id) end
    end_with_error(job, id, 'expired', error_json('JobExpiredError', 'The job waited longer than its ttl and never ran.'), now)
    expired = expired + 1
  end
end

for _, r in ipairs({ 'finished', 'failed', 'canceled', 'expired', 'stopped' }) do
  redis.call('ZREMRANGEBYSCORE', key(r), '-inf', '(' .. now)
end
flush_ends(now)
wake()

if #requeued > 0 or #abandoned > 0 then
  redis.call('SET', K.reply, cjson.encode({ requeued, abandoned }), 'PX', ARGV[2])
end
return { redis.call('LLEN', K.outbox), expired, requeued, abandoned }
