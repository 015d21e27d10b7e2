-- Job ids bound for the tail of the queue's `queued` list, gathered while a batch is stored and pushed by
-- flush_tail() in one RPUSH (enqueue.lua, ingest.lua); a job for the front or another list flushes it first, so the
-- list keeps the batch's order.
-- KEYS: queued
local tail = {}

local function flush_tail()
  if #tail > 0 then
    redis.call('RPUSH', K.queued, unpack(tail))
    tail = {}
  end
end
