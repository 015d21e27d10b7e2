-- The queue's key base and name, and the keys named by a job or worker id (redis/keys.ts builds the same names; the
-- queue's fixed keys come in KEYS, named in each script's KEYS line).
-- KEYS: meta
local BASE = string.sub(K.meta, 1, #K.meta - #'meta')
local QUEUE = string.match(BASE, '{(.-)}:$')
local EVENTS_CHANNEL = BASE .. 'events'
local CONTROL_CHANNEL = BASE .. 'control'
-- hot loops build these keys as PREFIX .. id, without a call
local JOB_PREFIX = BASE .. 'job:'
local DEPENDENTS_PREFIX = BASE .. 'dependents:'

local function job_key(id)
  return JOB_PREFIX .. id
end

local function held_key(worker)
  return BASE .. 'held:' .. worker
end

local function dependents_key(id)
  return DEPENDENTS_PREFIX .. id
end

local function deps_key(id)
  return BASE .. 'deps:' .. id
end

local function duplicate_key(id)
  return BASE .. 'dup:' .. id
end

local function schedule_key(id)
  return BASE .. 'schedule:' .. id
end

local function stats_key(minute)
  return BASE .. 'stats:' .. minute
end

-- A queue's group keys (QueueKeys.groups ... in keys.ts), built here as a job's key is rather than declared: every
-- script that may queue or end a job touches them, but only for a grouped job, so no other call pays for them.
local GROUPS_KEY = BASE .. 'groups'
local GROUP_QUEUED_KEY = BASE .. 'gqueued'
local GROUP_RUNNING_KEY = BASE .. 'grun'
local GROUP_READY_KEY = BASE .. 'gready'
local GROUP_HELD_KEY = BASE .. 'gheld'
local GROUP_USED_KEY = BASE .. 'gused'
local GROUP_PREFIX = BASE .. 'g:'

local function group_rate_key(id)
  return BASE .. 'grate:' .. id
end
