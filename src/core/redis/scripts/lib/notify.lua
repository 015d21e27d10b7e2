-- result() waiters: `waiting` is set (with an expiry that a waiter renews) while anyone waits on a job of the queue;
-- only then do ending jobs publish on the events channel.
-- KEYS: waiting
-- @include keys

local function publish_end(id, status, payload)
  redis.call('PUBLISH', EVENTS_CHANNEL, id .. '\n' .. status .. '\n' .. (payload or ''))
end

local function anyone_waits()
  return redis.call('EXISTS', K.waiting) == 1
end

-- Tells result() waiters, if there are any, that the job ended. work.lua asks anyone_waits once per batch instead.
local function notify(id, status, payload)
  if anyone_waits() then publish_end(id, status, payload) end
end
