-- Turns the entries of the queue's inbox (pushed by any Redis client: redis/inbox-format.ts) into queued jobs, in
-- order, and wakes a worker. An entry that is not a valid job becomes a failed job whose error says why, so it is
-- never lost and never holds up the entries after it; one whose id exists is a resubmit and creates nothing (as
-- enqueue with that jobId), and so does one whose unique key a live job holds (lib/unique-claim.lua: its id then
-- points to that job a while, QueueKeys.duplicate). A grouped entry waits in its group's list, limited and taking
-- turns as an enqueued one (lib/group-keys.lua). The entries are removed last: at maxmemory the first write is
-- refused and nothing changes.
-- KEYS: meta inbox queued wake ttl scheduled waiting finished failed canceled expired stopped
-- ARGV[1]: most entries to take
-- returns: { 0, jobs made (queued, or scheduled for a delay or runAt ahead), entries refused (each now a failed job), entries whose id existed, entries left, entries
--   whose unique key a live job held, and for the first refused entry its job id and error message }
-- @include keys clock data queue notify errors registry inbox list-job unique-claim delay stats
local max = tonumber(ARGV[1])
local entries = redis.call('LRANGE', K.inbox, 0, max - 1)
local n = #entries
if n == 0 then return { 0, 0, 0, 0, 0, 0 } end
local now = now_ms()
local now_s = tostring(now)
redis.call('HSETNX', K.meta, 'created', now_s)
local seq = redis.call('HINCRBY', K.meta, INBOX_COUNTER, n)

-- Ids of entries that give none: UUID-shaped, from a hash of the queue's key base, this call's count and time (so
-- unique across queues and prefixes: getJob(id) looks in every queue), then the entry's place in the call.
local id_base
local function new_id(k)
  if not id_base then
    local h = redis.sha1hex(BASE .. '|' .. seq .. '|' .. now_s)
    id_base = string.sub(h, 1, 8) .. '-' .. string.sub(h, 9, 12) .. '-5' .. string.sub(h, 13, 15) .. '-' .. string.sub(h, 16, 19) .. '-' .. string.sub(h, 20, 27)
  end
  return id_base .. string.format('%04x', k)
end

-- Whether a live job holds the unique key of entry `job` (to be stored as `id`): then it stores nothing, and its own
-- id, which its sender has no reply to learn the live job from, points to that job for as long as the key's ttl, at
-- most INBOX_DUPLICATE_TTL (getJob(id) follows it); an id made here is known to no one and gets no pointer.
local function held_off(job, id)
  local _, holder = claim_key(job.unique, job.unique_ttl, id)
  if not holder then return false end
  if job.id then
    local left = redis.call('PTTL', UNIQUE_PREFIX .. job.unique)
    redis.call('SET', duplicate_key(job.id), holder, 'PX', (left > 0 and left < INBOX_DUPLICATE_TTL) and left or INBOX_DUPLICATE_TTL)
  end
  return true
end

local made, refused, existed, duplicates = 0, 0, 0, 0
-- the earliest run time of the entries scheduled here: told once (note_due reads the meta), as enqueue.lua does
local first_due
local first_refused, first_message
for k = 1, n do
  local entry = entries[k]
  local job, err, message, name, given_id = read_entry(entry)
  if job then
    local id = job.id or new_id(k)
    local key = JOB_PREFIX .. id
    if job.id and redis.call('EXISTS', key) == 1 then
      existed = existed + 1
    elseif job.unique and held_off(job, id) then
      duplicates = duplicates + 1
    else
      -- a delay or runAt still ahead: scheduled (lib/delay.lua), its ttl counting from then, as enqueue.lua does
      local due = job.delay and now + job.delay or job.run_at
      if due and due <= now then due = nil end
      -- a group's limits as enqueue.lua notes them (lib/group-keys.lua), whether the job waits for its time or not
      if job.group then group_note(job.group, job.group_limits) end
      local fields = { F_STATUS, due and 'scheduled' or 'queued', F_NAME, job.name, F_ENQUEUED_AT, now_s }
      local parts = put_data(fields, job.data or '')
      if job.more or parts > 2 then fields[#fields + 1], fields[#fields + 2] = F_HAS_OPTIONS, '1' end
      for _, v in ipairs(job.fields) do fields[#fields + 1] = v end
      if due then
        local at = string.format('%d', due)
        fields[#fields + 1], fields[#fields + 2] = F_SCHEDULED_FOR, at
        if job.ttl then fields[#fields + 1], fields[#fields + 2] = F_EXPIRES_AT, string.format('%d', due + job.ttl) end
        redis.call('HSET', key, unpack(fields))
        redis.call('ZADD', K.scheduled, at, id)
        if not first_due or due < first_due then first_due = due end
      else
        if job.ttl then
          local x = now + job.ttl
          fields[#fields + 1], fields[#fields + 2] = F_EXPIRES_AT, tostring(x)
          redis.call('ZADD', K.ttl, x, id)
        end
        redis.call('HSET', key, unpack(fields))
        -- its group's list, else its lane's, else queued (lib/list-job.lua)
        list_job(id, job.group, job.lane, job.front)
      end
      made = made + 1
    end
  else
    -- the entry itself is kept as the failed job's data (a JSON string), its error says what is wrong
    local id = given_id
    if not id or redis.call('EXISTS', JOB_PREFIX .. id) == 1 then id = new_id(k) end
    local key = JOB_PREFIX .. id
    local error = error_json(err, message)
    local fields = { F_STATUS, 'failed', F_NAME, name or INBOX_UNNAMED, F_ENQUEUED_AT, now_s, F_ENDED_AT, now_s, F_ERROR, error }
    if put_data(fields, cjson.encode(entry)) > 2 then fields[#fields + 1], fields[#fields + 2] = F_HAS_OPTIONS, '1' end
    redis.call('HSET', key, unpack(fields))
    retire(key, id, 'failed', DEFAULT_FAILURE_TTL_MS, now)
    notify(id, 'failed', error)
    refused = refused + 1
    count_end(STAT_FAILED)
    if refused == 1 then first_refused, first_message = id, message end
  end
end
flush_tail()
flush_lanes()
flush_ends(now)
if first_due then note_due(first_due) end
wake()
redis.call('LTRIM', K.inbox, n, -1)
local left = redis.call('LLEN', K.inbox)
if first_refused then return { 0, made, refused, existed, left, duplicates, first_refused, first_message } end
return { 0, made, refused, existed, left, duplicates }
