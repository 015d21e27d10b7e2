-- Applies outbox messages from other queues (lib/outbox.lua) to jobs of this queue, the target. Idempotent.
-- KEYS: meta queued wake ttl deferred scheduled outbox waiting finished failed canceled expired stopped
-- ARGV: the messages
-- returns: { this queue's outbox length (replies and cascades to deliver in turn) }
-- @include keys clock queue dependencies outbox retention
local now = now_ms()
for _, msg in ipairs(ARGV) do
  local kind, rest = string.match(msg, '^%d+|(%a+)|(.*)$')
  if kind == MSG_SETTLE then
    local did, pq, pid, action, payload = string.match(rest, '^[^|]+|([^|]+)|([^|]+)|([^|]+)|(%a+)|(.*)$')
    local parent_ref = pq .. '|' .. pid
    if action == 'met' then
      resolve_dep(did, parent_ref, payload, now)
    elseif cancel_dependent(did, parent_ref, now) then
      settle_dependents(did, 'canceled', '', now)
    end
  elseif kind == MSG_REGISTER then
    local pid, b, entry = string.match(rest, '^[^|]+|([^|]+)|([^|]*)|(.*)$')
    local flags, dq, did = string.match(entry, '^([^|]*)|([^|]+)|(.+)$')
    local p = job_key(pid)
    local st = dep_state(redis.call('HGET', p, F_STATUS), flags, b == '1')
    if st == 'met' then
      outbox_push(MSG_SETTLE .. '|' .. dq .. '|' .. did .. '|' .. QUEUE .. '|' .. pid .. '|met|' .. (redis.call('HGET', p, F_RESULT) or ''), now)
    elseif st == 'cancel' then
      outbox_push(MSG_SETTLE .. '|' .. dq .. '|' .. did .. '|' .. QUEUE .. '|' .. pid .. '|cancel|', now)
    else
      redis.call('SADD', dependents_key(pid), entry)
    end
  end
end
flush_ends(now)
wake()
return { redis.call('LLEN', K.outbox) }
