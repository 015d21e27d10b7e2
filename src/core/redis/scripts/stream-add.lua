-- Appends job events to the queue's bounded event stream (events/event-stream.ts), which listeners in any process
-- follow with XREAD. Opt-in (`eventStream`): a worker sends the events of a round of jobs in one call.
-- KEYS: meta stream
-- ARGV[1]: entries to keep, about (XADD MAXLEN ~), ARGV[2]: the events, one JSON object per line (JSON never holds
--   a raw newline)
-- returns: { 0, how many entries were added }
local max, text = ARGV[1], ARGV[2]
local find, sub = string.find, string.sub
local n, pos, len = 0, 1, #text
while pos <= len do
  local e = find(text, '\n', pos, true) or len + 1
  redis.call('XADD', K.stream, 'MAXLEN', '~', max, '*', 'e', sub(text, pos, e - 1))
  n = n + 1
  pos = e + 1
end
return { 0, n }
