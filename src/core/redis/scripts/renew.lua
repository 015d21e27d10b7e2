-- Extends the lease of a live worker in this queue, and tells it which of its jobs it no longer holds.
-- KEYS: meta workers held
--   held: the worker's held set
-- ARGV[1]: worker id, ARGV[2]: lease ms, then pairs: id, attempt (the jobs the worker runs)
-- returns: { 0, { the ids this worker no longer holds (reclaimed, stopped or deleted): it should abort them },
--   { the members ("<id>|<attempt>") of its held set that it did not list } }: jobs it holds without knowing, when
--   the reply of a fetch was lost (a command resent after a dropped connection runs twice), or an outcome it recorded
--   was lost with a failed master; the worker releases those it still does not know at the next renewal (the orphan
--   release, Lease.releaseOrphans in worker/lease.ts)
-- One lease per worker (lib/lease.lua): renewing is one ZADD however many jobs run, and one SMISMEMBER on its held
-- set (the proof of ownership) finds the jobs taken away.
-- @include clock
local worker, lease = ARGV[1], tonumber(ARGV[2])
local ids, members = {}, {}
for i = 3, #ARGV, 2 do
  ids[#ids + 1] = ARGV[i]
  members[#members + 1] = ARGV[i] .. '|' .. ARGV[i + 1]
end
local lost = {}
for k = 1, #members, 1000 do
  local part = redis.call('SMISMEMBER', K.held, unpack(members, k, math.min(k + 999, #members)))
  for j = 1, #part do
    if part[j] == 0 then lost[#lost + 1] = ids[k + j - 1] end
  end
end
if #lost < #ids then
  -- ZREM first: it cannot grow memory, so at maxmemory (noeviction) the ZADD after it is allowed too (work.lua)
  redis.call('ZREM', K.workers, worker)
  redis.call('ZADD', K.workers, now_ms() + lease, worker)
end
-- the orphan release (worker/lease.ts): held members the worker did not list (read only, so allowed at maxmemory too)
local listed = {}
for _, m in ipairs(members) do listed[m] = true end
local unknown = {}
for _, m in ipairs(redis.call('SMEMBERS', K.held)) do
  if not listed[m] then unknown[#unknown + 1] = m end
end
return { 0, lost, unknown }
