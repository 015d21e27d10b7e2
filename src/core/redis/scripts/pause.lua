-- Pauses or resumes a queue: the workers of a paused queue fetch nothing (work.lua), every worker and one started
-- later alike, since the flag is in the queue's meta; enqueue goes on. Resuming wakes a blocked worker.
-- KEYS: meta queued wake ttl
-- ARGV[1]: '1' pause, '0' resume
-- returns: { 0, 1 if that changed the queue's state, else 0 }
-- @include queue lanes
if ARGV[1] == '1' then return { 0, redis.call('HSETNX', K.meta, M_PAUSED, '1') } end
local changed = redis.call('HDEL', K.meta, M_PAUSED)
wake_lanes()
return { 0, changed }
