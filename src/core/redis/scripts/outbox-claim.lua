-- Takes messages from this queue's outbox for delivery to other queues, holding each under a claim until it is
-- acknowledged (ZREM from outboxClaimed); a claim that runs out (the deliverer died) puts the message back.
-- Messages are idempotent, so a redelivery is harmless.
-- KEYS: meta outbox outboxClaimed
-- ARGV[1]: most messages to take, ARGV[2]: claim ms, ARGV[3]: only messages at least this old (ms; 0 = any)
-- returns: { outbox length left, { the claimed messages ("<ms>|<kind>|...") } }
-- @include clock
local limit, claim, min_age = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local now = now_ms()
for _, m in ipairs(redis.call('ZRANGEBYSCORE', K.outboxClaimed, '-inf', now, 'LIMIT', 0, limit)) do
  redis.call('ZREM', K.outboxClaimed, m)
  redis.call('LPUSH', K.outbox, m)
end
local out = {}
while #out < limit do
  local head = redis.call('LINDEX', K.outbox, 0)
  if not head then break end
  local ts = tonumber(string.match(head, '^(%d+)|'))
  if min_age > 0 and ts and now - ts < min_age then break end
  redis.call('LPOP', K.outbox)
  redis.call('ZADD', K.outboxClaimed, now + claim, head)
  out[#out + 1] = head
end
return { redis.call('LLEN', K.outbox), out }
