-- Runs recurring schedule <id> now, outside its rule: enqueues its job (its name, data and options as stored) under a
-- new id; the schedule's next tick, last run and run count stay as they are.
-- KEYS: meta queued wake ttl
-- ARGV[1]: schedule id, ARGV[2]: the new job's id
-- returns: { 0, 'ran' | 'missing' }
-- @include keys clock queue tick-job
local h = redis.call('HMGET', schedule_key(ARGV[1]), S_NAME, S_DATA, S_OPTIONS)
if not h[1] then return { 0, 'missing' } end
create_tick_job(ARGV[2], h[1], h[2], h[3], now_ms())
wake()
return { 0, 'ran' }
