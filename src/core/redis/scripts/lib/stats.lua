-- The queue's per-minute outcome counters (QueueKeys.stats, read by the dashboard's chart): one hash per minute,
-- written once per batch of outcomes (never per job), expiring STATS_TTL_MS after its first write.
-- KEYS: meta
-- @include keys
local function count_outcomes(now, finished, failed, retried)
  local key = stats_key(math.floor(now / 60000))
  local first
  if finished > 0 then first = redis.call('HINCRBY', key, STAT_FINISHED, finished) == finished end
  if failed > 0 then
    local v = redis.call('HINCRBY', key, STAT_FAILED, failed) == failed
    if first == nil then first = v end
  end
  if retried > 0 then
    local v = redis.call('HINCRBY', key, STAT_RETRIED, retried) == retried
    if first == nil then first = v end
  end
  -- the first field written is new whenever the key is: the expiry is set once a minute, not once a batch
  if first then redis.call('PEXPIRE', key, STATS_TTL_MS) end
end
