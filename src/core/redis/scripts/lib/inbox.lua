-- Inbox entries (redis/inbox-format.ts): a JSON object {"name", "data"?, "options"?, "id"?} that any Redis client
-- pushed onto a queue's inbox. Checked by enqueue's rules with enqueue's messages (the EXPECTED_* texts are those of
-- buildJobSpec's errors). The data and meta are kept as the sender wrote them, only without whitespace: cjson would
-- reorder object keys, round numbers to 14 digits and turn [] into {}.
-- @include keys json-text lane-keys unique-key

local find, sub, byte, match = string.find, string.sub, string.byte, string.match

-- The members of the JSON object that opens at i: their names as written, in order, and where each value starts
-- and ends (a repeated name keeps its last value, as cjson does).
local function members(s, i)
  local names, from, to = {}, {}, {}
  local p = find(s, '%S', i + 1)
  if byte(s, p) == 125 then return names, from, to end
  while true do
    local ke = skip_string(s, p)
    local k = sub(s, p + 1, ke - 2)
    local v = find(s, '[^%s:]', ke)
    local ve = skip_value(s, v)
    if not from[k] then names[#names + 1] = k end
    from[k], to[k] = v, ve - 1
    local n = find(s, '%S', ve)
    if byte(s, n) == 125 then return names, from, to end
    p = find(s, '%S', n + 1)
  end
end

-- JSON text without whitespace outside its strings, since a worker is sent a job's data and options on lines of
-- their own (work.lua); nil when a string holds a raw control character, which cjson lets pass but JSON.parse refuses.
local function compact(s)
  if not find(s, '[%z\1-\31]') then return s end
  local out, p, n = {}, 1, #s
  while p <= n do
    local q = find(s, '"', p, true)
    out[#out + 1] = (string.gsub(sub(s, p, (q or n + 1) - 1), '[ \t\r\n]+', ''))
    if not q then break end
    local e = skip_string(s, q)
    local str = sub(s, q, e - 1)
    if find(str, '[%z\1-\31]') then return nil end
    out[#out + 1] = str
    p = e
  end
  return table.concat(out)
end

-- A string's length in UTF-16 code units, as JavaScript counts it (a 4-byte UTF-8 sequence is two).
local function utf16_length(s)
  local _, chars = string.gsub(s, '[^\128-\191]', '')
  local _, astral = string.gsub(s, '[\240-\247]', '')
  return chars + astral
end

local function valid_id(v)
  return type(v) == 'string' and #v <= 128 and find(v, '^[%w_%.%-]+$') ~= nil
end

local function valid_name(v)
  return type(v) == 'string' and find(v, '%S') ~= nil and utf16_length(v) <= 256
end

-- A Duration in ms by the rules of model/duration.ts toMs (nil when it breaks them).
local UNIT_MS = { ms = 1, s = 1000, m = 60000, h = 3600000, d = 86400000 }
local function duration_ms(v, rules)
  local ms
  if type(v) == 'number' then
    if v ~= v or v == math.huge or v == -math.huge then return nil end
    if v == -1 and rules.forever then return -1 end
    ms = v * 1000
  elseif type(v) == 'string' then
    local num, unit = match(v, '^%s*(%d+)%s*(%a+)%s*$')
    if not num then num, unit = match(v, '^%s*(%d+%.%d+)%s*(%a+)%s*$') end
    if not num or not UNIT_MS[unit] then return nil end
    ms = tonumber(num) * UNIT_MS[unit]
  else
    return nil
  end
  if ms == 0 and rules.zero then return 0 end
  local whole = math.max(1, math.floor(ms + 0.5))
  if not (ms > 0) or whole > rules.max then return nil end
  return whole
end

-- InvalidOptionError's message (model/errors.ts), the value shown as the sender wrote it.
local function invalid(option, shown, expected)
  return 'Invalid option `' .. option .. '`: got ' .. shown .. '; expected ' .. expected .. '.'
end

local function set_of(list)
  local set = {}
  for _, v in ipairs(list) do set[v] = true end
  return set
end
local ENTRY_MEMBERS, TAKEN_OPTIONS, KNOWN_OPTIONS = set_of(INBOX_MEMBERS), set_of(INBOX_OPTIONS), set_of(INBOX_KNOWN_OPTIONS)
local ENTRY_SHAPE = '{"name": "<job name>", "data": <any JSON>, "options": {<enqueue options>}, "id": "<job id>"} (name required)'

-- The entry's `group` (`g`, its text opening at `at` of `s`) by limits/group.ts parseGroup's rules: sets job.group (the
-- id) and job.group_limits (as encodeGroupLimits writes them; nil when it gives none, so the group's stay as they are).
-- Returns nothing, or the option, the value as written and what was expected.
local function read_group(job, s, at, g)
  if byte(s, at) ~= 123 then return 'group', sub(s, at, skip_value(s, at) - 1), EXPECTED_GROUP end
  local names, from, to = members(s, at)
  local function shown(k)
    return from[k] and sub(s, from[k], to[k]) or 'undefined'
  end
  -- in the order written, as Object.keys gives them
  for _, k in ipairs(names) do
    if k ~= 'id' and k ~= 'concurrency' and k ~= 'rateLimit' then return 'group', sub(s, at, skip_value(s, at) - 1), EXPECTED_GROUP .. '; `' .. k .. '` is not one of its fields' end
  end
  local id, c, rl = g.id, g.concurrency, g.rateLimit
  if type(id) ~= 'string' or id == '' or utf16_length(id) > INBOX_MAX_GROUP_ID or find(id, '[%z\1-\31\127]') then
    return 'group.id', shown('id'), EXPECTED_GROUP_ID
  end
  if c ~= nil and (type(c) ~= 'number' or c ~= math.floor(c) or c < 1 or c > INBOX_MAX_GROUP_CONCURRENCY) then
    return 'group.concurrency', shown('concurrency'), EXPECTED_GROUP_CONCURRENCY
  end
  local rate
  if rl ~= nil then
    if not from.rateLimit or byte(s, from.rateLimit) ~= 123 then return 'group.rateLimit', shown('rateLimit'), EXPECTED_GROUP_RATE_LIMIT end
    local rnames, rfrom, rto = members(s, from.rateLimit)
    local function rshown(k)
      return rfrom[k] and sub(s, rfrom[k], rto[k]) or 'undefined'
    end
    for _, k in ipairs(rnames) do
      if k ~= 'max' and k ~= 'per' then return 'group.rateLimit', shown('rateLimit'), EXPECTED_GROUP_RATE_LIMIT_FIELDS .. '; `' .. k .. '` is not one of its fields' end
    end
    local max = rl.max
    if type(max) ~= 'number' or max ~= math.floor(max) or max < 1 or max > INBOX_MAX_GROUP_RATE then
      return 'group.rateLimit.max', rshown('max'), EXPECTED_GROUP_RATE_MAX
    end
    if rl.per == nil then return 'group.rateLimit.per', 'undefined', EXPECTED_GROUP_RATE_PER_GIVEN end
    local per = duration_ms(rl.per, DURATION_GROUP_RATE_PER)
    if not per then return 'group.rateLimit.per', rshown('per'), EXPECTED_GROUP_RATE_PER end
    rate = string.format('%d %d', max, per)
  end
  job.group, job.group_shown = id, shown('id')
  if c ~= nil or rate then job.group_limits = (c ~= nil and string.format('%d', c) or '-') .. ' ' .. (rate or '- -') end
end

-- Reads one entry. Returns the job to store: { id (nil: make one), name, data, front, ttl (ms or nil), more (the
-- worker must read the whole hash), fields (the stored options, as enqueue.lua stores them), lane (nil: the queue's
-- own list), unique (its stored key, or nil), unique_ttl (ms or nil), delay (ms or nil), run_at (epoch ms or nil), group
-- (its id, or nil), group_limits (nil: none given) }; or nil, the error's
-- name and message, and the name and id to give the failed job that records the entry (when they are usable).
local function read_entry(s)
  local ok, t = pcall(cjson.decode, s)
  local first = find(s, '%S')
  if not ok or type(t) ~= 'table' or byte(s, first) ~= 123 then
    local why = ok and '' or ' (' .. tostring(t) .. ')'
    return nil, INBOX_ENTRY_ERROR, 'The inbox entry is not a JSON object' .. why .. '; expected ' .. ENTRY_SHAPE .. '.'
  end
  local names, from, to = members(s, first)
  local function shown(k)
    return from[k] and sub(s, from[k], to[k]) or 'undefined'
  end
  local name = valid_name(t.name) and t.name or nil
  local o = type(t.options) == 'table' and t.options or {}
  local id = valid_id(t.id) and t.id or (t.id == nil and valid_id(o.jobId) and o.jobId) or nil
  local function refuse(err, message)
    return nil, err, message, name, id
  end
  for k in pairs(t) do
    if not from[k] then return refuse(INBOX_ENTRY_ERROR, 'The inbox entry writes the member name "' .. k .. '" with escapes; write member names plainly.') end
  end
  for _, k in ipairs(names) do
    if not ENTRY_MEMBERS[k] then
      return refuse(INBOX_ENTRY_ERROR, 'The inbox entry has a member "' .. k .. '"; expected ' .. ENTRY_SHAPE .. '.')
    end
  end
  if not name then return refuse('InvalidOptionError', invalid('name', shown('name'), EXPECTED_NAME)) end
  if t.id ~= nil and not valid_id(t.id) then return refuse('InvalidOptionError', invalid('id', shown('id'), EXPECTED_JOB_ID)) end
  local job = { name = name, id = id, front = false, more = false, fields = {} }
  if from.options then
    if byte(s, from.options) ~= 123 then return refuse('InvalidOptionError', invalid('options', shown('options'), EXPECTED_OPTIONS)) end
    local onames, ofrom, oto = members(s, from.options)
    local function oshown(k)
      return sub(s, ofrom[k], oto[k])
    end
    for k in pairs(o) do
      if not ofrom[k] then return refuse(INBOX_ENTRY_ERROR, 'The inbox entry writes the option name "' .. k .. '" with escapes; write option names plainly.') end
    end
    -- in buildJobSpec's order, so the first problem named is the one enqueue() would name
    for _, k in ipairs(onames) do
      if not KNOWN_OPTIONS[k] then return refuse('InvalidOptionError', invalid(k, oshown(k), EXPECTED_KNOWN_OPTION .. '; `' .. k .. '` is not one')) end
    end
    for _, k in ipairs(onames) do
      if not TAKEN_OPTIONS[k] then return refuse('InvalidOptionError', invalid(k, oshown(k), EXPECTED_UNSUPPORTED)) end
    end
    local f = job.fields
    -- the lane: `priority`, or the queue named `<queue>.<lane>` (lanes/lanes.ts resolve, with its messages)
    local lane, lane_option = o.priority, 'priority'
    if lane ~= nil and not (type(lane) == 'string' and find(lane, INBOX_LANE_PATTERN) and #lane <= INBOX_MAX_LANE) then
      return refuse('InvalidOptionError', invalid('priority', oshown('priority'), EXPECTED_PRIORITY))
    end
    if o.queue ~= nil and o.queue ~= QUEUE then
      local named = type(o.queue) == 'string' and sub(o.queue, 1, #QUEUE + 1) == QUEUE .. '.' and queue_lanes() and sub(o.queue, #QUEUE + 2)
      if not named then
        return refuse('InvalidOptionError', invalid('queue', oshown('queue'), 'the queue whose inbox the entry is in ("' .. QUEUE .. '"), or one of its lanes ("' .. QUEUE .. '.<lane>"), or nothing'))
      end
      if lane ~= nil and lane ~= named and queue_lanes().index[named] then
        return refuse('InvalidOptionError', invalid('priority', oshown('priority'), string.format(EXPECTED_LANE_NAMED, named, o.queue)))
      end
      lane, lane_option = named, 'queue'
    end
    if lane ~= nil then
      local cfg = queue_lanes()
      local shown_lane = lane_option == 'queue' and oshown('queue') or oshown('priority')
      if not cfg then
        return refuse('InvalidOptionError', invalid('priority', shown_lane, string.format(EXPECTED_NO_LANES, QUEUE, QUEUE)))
      end
      if not cfg.index[lane] then
        return refuse('InvalidOptionError', invalid(lane_option, shown_lane, string.format(EXPECTED_NOT_A_LANE, QUEUE, table.concat(cfg.names, ', '))))
      end
      -- the fallback lane is the queue's own list: stored as no lane, as enqueue() stores it
      if cfg.index[lane] ~= cfg.fallback then
        job.lane = lane
        f[#f + 1], f[#f + 2] = F_LANE, lane
      end
    end
    if o.unique ~= nil and o.unique ~= false then
      local u = o.unique
      if u ~= true then
        if byte(s, ofrom.unique) ~= 123 then return refuse('InvalidOptionError', invalid('unique', oshown('unique'), EXPECTED_UNIQUE)) end
        for k in pairs(u) do
          if k ~= 'key' and k ~= 'ttl' then
            return refuse('InvalidOptionError', invalid('unique', oshown('unique'), EXPECTED_UNIQUE .. '; `' .. k .. '` is not one of its fields'))
          end
        end
        if u.key ~= nil then
          if type(u.key) ~= 'string' or u.key == '' or utf16_length(u.key) > INBOX_MAX_UNIQUE_KEY then
            return refuse('InvalidOptionError', invalid('unique.key', cjson.encode(u.key), EXPECTED_UNIQUE_KEY))
          end
          job.unique = 'k:' .. u.key
        end
        if u.ttl ~= nil then
          job.unique_ttl = duration_ms(u.ttl, DURATION_UNIQUE_TTL)
          if not job.unique_ttl then return refuse('InvalidOptionError', invalid('unique.ttl', cjson.encode(u.ttl), EXPECTED_UNIQUE_TTL)) end
        end
      end
      -- the default key (of the name and data) is made below, once the data is known good
      job.unique = job.unique or true
      job.more = true
    end
    if o.jobId ~= nil then
      if not valid_id(o.jobId) then return refuse('InvalidOptionError', invalid('jobId', oshown('jobId'), EXPECTED_JOB_ID)) end
      if t.id ~= nil and t.id ~= o.jobId then return refuse('InvalidOptionError', invalid('jobId', oshown('jobId'), 'the entry\'s own `id`, or nothing')) end
    end
    if o.atFront ~= nil then
      if type(o.atFront) ~= 'boolean' then return refuse('InvalidOptionError', invalid('atFront', oshown('atFront'), EXPECTED_AT_FRONT)) end
      if o.atFront then
        job.front = true
        f[#f + 1], f[#f + 2] = F_AT_FRONT, '1'
      end
    end
    if o.attempts ~= nil then
      local a = o.attempts
      if type(a) ~= 'number' or a ~= math.floor(a) or a < 1 or a > 1000 then
        return refuse('InvalidOptionError', invalid('attempts', oshown('attempts'), EXPECTED_ATTEMPTS))
      end
      if a ~= DEFAULT_MAX_ATTEMPTS then f[#f + 1], f[#f + 2] = F_MAX_ATTEMPTS, tostring(a) end
    end
    if o.description ~= nil then
      if type(o.description) ~= 'string' then return refuse('InvalidOptionError', invalid('description', oshown('description'), EXPECTED_DESCRIPTION)) end
      if o.description ~= '' then f[#f + 1], f[#f + 2] = F_DESCRIPTION, o.description end
    end
    if o.meta ~= nil then
      if byte(s, ofrom.meta) ~= 123 then return refuse('InvalidOptionError', invalid('meta', oshown('meta'), EXPECTED_META)) end
      local meta = compact(oshown('meta'))
      if not meta then return refuse(INBOX_ENTRY_ERROR, 'The meta of the inbox entry holds a raw control character inside a string; escape it as JSON does (\\n, \\t, \\u0000).') end
      f[#f + 1], f[#f + 2] = F_META, meta
      job.more = true
    end
    local durations = {
      { 'timeout', F_TIMEOUT, DURATION_TIMEOUT, EXPECTED_TIMEOUT, DEFAULT_TIMEOUT_MS },
      { 'resultTtl', F_RESULT_TTL, DURATION_RESULT_TTL, EXPECTED_RESULT_TTL, DEFAULT_RESULT_TTL_MS },
      { 'failureTtl', F_FAILURE_TTL, DURATION_FAILURE_TTL, EXPECTED_FAILURE_TTL, DEFAULT_FAILURE_TTL_MS },
    }
    for _, d in ipairs(durations) do
      local v = o[d[1]]
      if v ~= nil then
        local ms = duration_ms(v, d[3])
        if not ms then return refuse('InvalidOptionError', invalid(d[1], oshown(d[1]), d[4])) end
        if ms ~= d[5] then
          f[#f + 1], f[#f + 2] = d[2], tostring(ms)
          job.more = true
        end
      end
    end
    if o.delay ~= nil and o.runAt ~= nil then return refuse('InvalidOptionError', invalid('runAt', oshown('runAt'), EXPECTED_RUN_AT_WITH_DELAY)) end
    if o.delay ~= nil then
      job.delay = duration_ms(o.delay, DURATION_DELAY)
      if not job.delay then return refuse('InvalidOptionError', invalid('delay', oshown('delay'), EXPECTED_DELAY)) end
    end
    if o.runAt ~= nil then
      local at = o.runAt
      if type(at) ~= 'number' or at ~= at or at < 0 or at > INBOX_MAX_RUN_AT then
        return refuse('InvalidOptionError', invalid('runAt', oshown('runAt'), EXPECTED_RUN_AT))
      end
      job.run_at = math.floor(at + 0.5)
    end
    if o.ttl ~= nil and o.ttl ~= -1 then
      job.ttl = duration_ms(o.ttl, DURATION_TTL)
      if not job.ttl then return refuse('InvalidOptionError', invalid('ttl', oshown('ttl'), EXPECTED_TTL)) end
      job.more = true
    end
    if o.group ~= nil then
      local option, shown_value, expected = read_group(job, s, ofrom.group, o.group)
      if option then return refuse('InvalidOptionError', invalid(option, shown_value, expected)) end
      -- a job names a group or a lane, not both (lanes/lanes.ts noGroupInLane); the fallback lane is no lane
      if job.lane then return refuse('InvalidOptionError', invalid('group', job.group_shown, string.format(EXPECTED_GROUP_IN_LANE, job.lane, QUEUE))) end
      f[#f + 1], f[#f + 2] = F_GROUP, job.group
      job.more = true
    end
  end
  if from.data then
    job.data = compact(shown('data'))
    if not job.data then
      return refuse(INBOX_ENTRY_ERROR, 'The data of the inbox entry holds a raw control character inside a string; escape it as JSON does (\\n, \\t, \\u0000).')
    end
  end
  if job.unique == true then
    local key, number = unique_data_key(name, s, from.data)
    if not key then
      return refuse(INBOX_ENTRY_ERROR, 'The data of the inbox entry holds the number ' .. number .. ', which JSON.parse reads as Infinity, so it has no unique key; give `unique` a key of your own ({"key": "..."}) or write a finite number.')
    end
    job.unique = key
  end
  if job.unique then job.fields[#job.fields + 1], job.fields[#job.fields + 2] = F_UNIQUE, job.unique end
  return job
end
