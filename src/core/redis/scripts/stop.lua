-- Stops a running job on request: status `stopped` at once, and the worker running it is told (pub/sub on the
-- control channel) to abort its signal and run its onStopped callback. A stopped job never satisfies a dependent.
-- KEYS: meta queued wake ttl deferred scheduled workers outbox waiting finished failed canceled expired stopped
-- ARGV[1]: job id
-- returns: { outbox length, outcome, status } outcome 'ok' | 'missing' | 'state' (only started jobs can be stopped)
-- @include keys clock queue lease dependencies errors notify retention unique stats
local id = ARGV[1]
local job = job_key(id)
local s = redis.call('HGET', job, F_STATUS)
if not s then return { 0, 'missing', '' } end
if s ~= 'started' then return { 0, 'state', s } end
local now = now_ms()
unhold(job, id)
group_stop(job)
release_unique(job, id)
local err = error_json('JobStoppedError', 'The job was stopped on request while it ran.')
redis.call('HSET', job, F_STATUS, 'stopped', F_ENDED_AT, now, F_ERROR, err)
notify(id, 'stopped', err)
settle_dependents(id, 'canceled', '', now)
retire(job, id, 'stopped', failure_ttl(job), now)
count_end(STAT_STOPPED)
flush_ends(now)
redis.call('PUBLISH', CONTROL_CHANNEL, 'stop\n' .. id)
wake()
return { redis.call('LLEN', K.outbox), 'ok', 'stopped' }
