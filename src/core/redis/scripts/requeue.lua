-- Puts failed (or canceled, stopped, expired) jobs back on their queue, with their attempts reset.
-- KEYS: meta queued wake ttl finished failed canceled expired stopped
-- ARGV: the job ids (one, or many: the command line's requeue of many ids)
-- returns: { 0, then per id: outcome, status } outcome 'ok' | 'missing' | 'state' (status does not allow it)
-- @include keys queue requeue
local out = { 0 }
for i = 1, #ARGV do
  local outcome, status = requeue_job(ARGV[i])
  out[2 * i], out[2 * i + 1] = outcome, status
end
wake()
return out
