-- Applies outbox messages from other queues to jobs of this queue (the target). Idempotent.
--   "<ms>|V|<queue>|<id>|<parent queue>|<parent id>|<s or c>|<result>": a dependency of deferred job <id> was met
--     (s; <result> feeds a pipe) or failed for a job that cancels on dependency failure (c, cascading here)
--   "<ms>|R|<queue>|<parent id>|<b>|<flags>|<dependent queue>|<dependent id>": register a dependent on job <parent id>
--     of this queue, answering at once (a V message back) if that job has already ended; b = '1': the parent is being
--     created by the same enqueueMany, so "missing" means "not yet", not "gone"
-- KEYS[1]: queue base "<prefix>:{<queue>}:" of the target
-- ARGV: the messages
-- returns: this queue's outbox length (replies and cascades to deliver in turn)
local now = now_ms()
for _, msg in ipairs(ARGV) do
  local kind, rest = string.match(msg, '^%d+|(%a)|(.*)$')
  if kind == 'V' then
    local did, pq, pid, action, payload = string.match(rest, '^[^|]+|([^|]+)|([^|]+)|([^|]+)|(%a)|(.*)$')
    local parent_ref = pq .. '|' .. pid
    if action == 's' then
      resolve_dep(did, parent_ref, payload)
    elseif cancel_dependent(did, parent_ref, now) then
      settle_dependents(did, 'c', '', now)
    end
  elseif kind == 'R' then
    local pid, b, entry = string.match(rest, '^[^|]+|([^|]+)|([^|]*)|(.*)$')
    local flags, dq, did = string.match(entry, '^([^|]*)|([^|]+)|(.+)$')
    local p = BASE .. 'job:' .. pid
    local st = dep_state(redis.call('HGET', p, 's'), flags, b == '1')
    if st == 'met' then
      outbox_push('V|' .. dq .. '|' .. did .. '|' .. QUEUE .. '|' .. pid .. '|s|' .. (redis.call('HGET', p, 'r') or ''), now)
    elseif st == 'cancel' then
      outbox_push('V|' .. dq .. '|' .. did .. '|' .. QUEUE .. '|' .. pid .. '|c|', now)
    else
      redis.call('SADD', BASE .. 'dependents:' .. pid, entry)
    end
  end
end
wake(BASE)
return redis.call('LLEN', BASE .. 'outbox')
