-- Registers a result() waiter, or answers at once if the job has ended. The caller subscribes to the events channel
-- first, so an end that happens after this script is always published; it runs this again well within ARGV[2] while
-- it still waits (which also finds an end it might have missed).
-- KEYS: meta waiting
-- ARGV[1]: job id, ARGV[2]: how long (ms) the queue's `waiting` flag lasts unless renewed
-- returns: { 0, status, payload } for an ended job (payload: result or error JSON), { 0, 'missing', '' }, or
--   { 0, 'waiting', status }
-- @include keys
local id = ARGV[1]
local cur = redis.call('HMGET', job_key(id), F_STATUS, F_RESULT, F_ERROR)
local s = cur[1]
if not s then return { 0, 'missing', '' } end
if s == 'finished' then return { 0, s, cur[2] or '' } end
if s == 'failed' or s == 'canceled' or s == 'expired' or s == 'stopped' then return { 0, s, cur[3] or '' } end
-- PEXPIRE first: it cannot grow memory, so at maxmemory (noeviction) the SET after it is allowed too (work.lua)
if redis.call('PEXPIRE', K.waiting, ARGV[2]) == 0 then redis.call('SET', K.waiting, '1', 'PX', ARGV[2]) end
return { 0, 'waiting', s }
