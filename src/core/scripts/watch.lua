-- Registers a result() waiter, or answers at once if the job has ended. The caller subscribes to the events channel
-- first, so an end that happens after this script is always published; it runs this again well within ARGV[2] while
-- it still waits (which also finds an end it might have missed).
-- KEYS[1]: queue base "<prefix>:{<queue>}:"
-- ARGV[1]: job id, ARGV[2]: how long (ms) the queue's `waiting` flag lasts unless renewed
-- returns: { status, payload } for an ended job (payload: result or error JSON), { 'missing', '' }, or { 'waiting', status }
local base, id = KEYS[1], ARGV[1]
local job = base .. 'job:' .. id
local cur = redis.call('HMGET', job, 's', 'r', 'e')
local s = cur[1]
if not s then return { 'missing', '' } end
if s == 'finished' then return { s, cur[2] or '' } end
if s == 'failed' or s == 'canceled' or s == 'expired' or s == 'stopped' then return { s, cur[3] or '' } end
redis.call('SET', base .. 'waiting', '1', 'PX', ARGV[2])
return { 'waiting', s }
