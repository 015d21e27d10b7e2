-- Registers or changes a recurring schedule (scheduler/schedules.ts). The name, data and options of its jobs are
-- replaced; an unchanged rule keeps its next tick, a changed one takes the next tick the caller computed from it
-- (a changed schedule takes effect from its next tick), with its runs counted again.
-- KEYS: meta wake scheduled schedules
-- ARGV[1]: schedule id, ARGV[2]: rule JSON (canonical: one rule, one text), ARGV[3]: job name, ARGV[4]: data JSON
--   ('' none), ARGV[5]: the options of its jobs as enqueue.lua takes them ('' all defaults), ARGV[6]: the first tick
--   of the rule if it is new (ms; '' none: it would never run), ARGV[7]: Redis time the caller read (ms): the anchor
--   of a new rule
-- returns: { 0, 'created' | 'changed' | 'kept', the next tick ('' none) }
-- @include keys ticks
local id, rule, first, at = ARGV[1], ARGV[2], ARGV[6], ARGV[7]
local key = schedule_key(id)
local cur = redis.call('HMGET', key, S_RULE, S_NEXT, S_VERSION)
-- the queue exists where it has jobs or schedules: its meta key is the first key of every script (see keys.ts)
redis.call('HSETNX', K.meta, 'created', at)
redis.call('HSET', key, S_NAME, ARGV[3], S_DATA, ARGV[4], S_OPTIONS, ARGV[5])
if cur[1] == rule then return { 0, 'kept', cur[2] or '' } end
redis.call('HSET', key, S_RULE, rule, S_VERSION, tonumber(cur[3] or '0') + 1, S_ANCHOR, at, S_RUNS, 0)
redis.call('HSETNX', key, S_CREATED, at)
set_next_tick(key, id, first)
return { 0, cur[1] and 'changed' or 'created', first }
