-- Runs recurring schedule <id> now, outside its rule: enqueues its job (its name, data and options as stored) under a
-- new id; the schedule's next tick, last run and run count stay as they are. A `unique` schedule whose key a live job
-- holds makes no job, as its ticks do: the reply names that job.
-- KEYS: meta queued wake ttl
-- ARGV[1]: schedule id, ARGV[2]: the new job's id
-- returns: { 0, 'ran' | 'missing' } or { 0, 'duplicate', the live job's id }
-- @include keys clock queue tick-job unique-claim
local h = redis.call('HMGET', schedule_key(ARGV[1]), S_NAME, S_DATA, S_OPTIONS)
if not h[1] then return { 0, 'missing' } end
if h[3] and string.find(h[3], UNIQUE_OPTION, 1, true) then
  local dup, holder = claim_unique(h[3], ARGV[2])
  if dup then return { 0, 'duplicate', holder } end
end
create_tick_job(ARGV[2], h[1], h[2], h[3], now_ms())
wake()
return { 0, 'ran' }
