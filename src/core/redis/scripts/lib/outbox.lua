-- The queue's outbox: messages to dependents and dependencies in other queues, delivered by redis/outbox.ts and
-- applied there by deliver.lua (every script touches one slot).
--   "<ms>|settle|<queue>|<id>|<parent queue>|<parent id>|<met or cancel>|<result>": a dependency of deferred job <id>
--     was met (<result> feeds a pipe) or failed for a job that cancels on dependency failure
--   "<ms>|register|<queue>|<parent id>|<b>|<flags>|<dependent queue>|<dependent id>": register a dependent of job
--     <parent id> of <queue>; b '1': the parent is created by the same enqueueMany, so "missing" means "not yet"
-- KEYS: outbox
local MSG_SETTLE, MSG_REGISTER = 'settle', 'register'

local function outbox_push(msg, now)
  redis.call('RPUSH', K.outbox, now .. '|' .. msg)
end
