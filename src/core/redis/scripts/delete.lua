-- Deletes jobs, whatever their status, from their hash and every registry. A worker running one will find it gone
-- and drop its outcome.
-- KEYS: meta queued wake ttl deferred scheduled workers outbox waiting finished failed canceled expired stopped
-- ARGV: the job ids (one, or many: the command line's delete of many ids)
-- returns: { outbox length, then per id: 1 deleted or 0 did not exist }
-- @include keys clock queue delete
local now = now_ms()
local out = { 0 }
for i = 1, #ARGV do
  out[i + 1] = delete_job(ARGV[i], true, now)
end
flush_ends(now)
wake()
out[1] = redis.call('LLEN', K.outbox)
return out
