-- KEYS: ttl deferred
-- @include keys notify unique stats

-- Records the end of a job that never ran or will not run again (canceled, expired, abandoned-failed) with an error,
-- without telling its dependents (end_with_error does; a cascade in settle_dependents does it through its work list).
-- Counted in the per-minute counters (lib/stats.lua).
local function close_with_error(job, id, status, err, now)
  count_end(stat_of(status))
  release_unique(job, id)
  redis.call('HSET', job, F_STATUS, status, F_ENDED_AT, now, F_ERROR, err)
  redis.call('HDEL', job, F_WORKER)
  redis.call('ZREM', K.ttl, id)
  redis.call('ZREM', K.deferred, id)
  redis.call('DEL', deps_key(id))
  notify(id, status, err)
end
