-- Stops a running job on request: status `stopped` at once, and the worker running it is told (pub/sub on
-- `<base>control`) to abort its signal and run its onStopped callback. A stopped job never satisfies a dependent.
-- KEYS[1]: queue base "<prefix>:{<queue>}:"
-- ARGV[1]: job id
-- returns: { outcome, status, outbox length } outcome 'ok' | 'missing' | 'state' (only started jobs can be stopped)
local id = ARGV[1]
local job = BASE .. 'job:' .. id
local s = redis.call('HGET', job, 's')
if not s then return { 'missing', '', 0 } end
if s ~= 'started' then return { 'state', s, 0 } end
local now = now_ms()
unhold(BASE, job, id)
local err = error_json('JobStoppedError', 'The job was stopped on request while it ran.')
redis.call('HSET', job, 's', 'stopped', 'et', now, 'e', err)
notify(BASE, id, 'stopped', err)
settle_dependents(id, 'c', '', now)
retire(BASE, job, id, 'stopped', failure_ttl(job), now)
redis.call('PUBLISH', BASE .. 'control', 'stop\n' .. id)
wake(BASE)
return { 'ok', 'stopped', redis.call('LLEN', BASE .. 'outbox') }
