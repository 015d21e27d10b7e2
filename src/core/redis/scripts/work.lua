-- A worker's round trip: records the outcomes of jobs it ran, then fetches up to its free slots.
-- KEYS: meta queued wake ttl deferred scheduled schedules workers held outbox waiting finished failed canceled expired stopped rate
--   held: the calling worker's held set
-- ARGV[1]: worker id, ARGV[2]: lease ms, ARGV[3]: how many jobs to fetch (0: only record outcomes)
-- ARGV[4]: the outcomes, one record per line (one value for them all: a client pays per value), each
--   "<id>|<attempt>|<kind>|<ttl>|<payload>": kind OUTCOME_FINISHED (payload: result JSON or ''), OUTCOME_FAILED
--   (payload: error JSON), OUTCOME_RETRY failed and run again (lib/retry.lua; payload: error JSON), OUTCOME_RELEASED
--   back to the queue front; ttl: the job's result ttl (finished) or failure ttl (failed) in ms as fetched, '' for
--   the default, or the wait before the retry (retry). JSON never holds a raw newline, so a line is one record.
--   An outcome is applied only if this worker still holds the job on this attempt (else it was reclaimed, stopped
--   or deleted meanwhile, and the outcome is dropped as stale).
-- ARGV[5]: '1' for an instrumented fetch (a worker that measures wait times or traces): jobs then starts with a
--   line of the start time (this call's, the same for every job), and each job has two more lines: when it became
--   runnable (its F_ENQUEUED_AT, or its F_SCHEDULED_FOR when later) and its F_TRACEPARENT ('' for none); absent
--   otherwise (no cost).
-- returns: { outbox length (dependents elsewhere to tell), jobs, timing, then the names of the fetched jobs, each
--   once }. timing ('' when nothing was fetched for): lib/schedule.lua's time_due, the ms until the next delayed job
--   or schedule tick is due ('-1' none), and the due schedules this worker is to fire. Due delayed jobs are moved to
--   the queue before the fetch, a bounded batch a call.
--   jobs is one value for the whole batch (a client pays per value): per fetched job five lines, id, attempt, name
--   (its number among the names, from 0), options, data (and two more when instrumented, see ARGV[5]). options is '' for a common job, else the job's
--   WORKER_OPTION_FIELDS that it has, as "field TAB value" pairs joined by TAB. JSON never holds a raw newline or
--   tab, so the lines and fields split cleanly.
-- This is the hot path. Per job it makes only the calls that read or write that job's hash; the ownership check
-- (SMISMEMBER), the lease (held set, workers zset), the finished/failed registries and the look for dependents
-- (EXISTS) get one call per batch, and every number passed to Redis is formatted once per call (Lua formats a number
-- with sprintf each time it becomes a command argument).
-- Lanes (lib/lanes.lua), a rate limit (lib/rate-limit.lua) and groups (lib/groups.lua) cost a queue without them
-- nothing but the meta fields read where the paused flag was. A grouped job's outcome record has its kind in upper
-- case (work-codec.ts), so only its end looks up its group (lib/group-keys.lua group_stop).
-- @include keys clock queue dependencies errors batch notify schedule retry retention unique stats lanes rate-limit groups
local worker, lease, want, instrumented = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[5] == '1'
local now = now_ms()
local now_s = tostring(now)
local queued, held = K.queued, K.held
local unheld, finished, failed = {}, {}, {} -- unheld: the held-set members of the outcomes
local retried = {} -- retries without a wait, for the back of the queue
local retried_grouped = {} -- those of grouped jobs, for the back of their group's list
local group_stops = {} -- group id -> how many of its jobs stopped running in this call (lib/group-keys.lua)
-- jobs whose dependents must hear of their end: id, status, payload (the result, for pipes)
local ended, ended_status, ended_payload, ne = {}, {}, {}, 0

-- retire() for the hot path: what each ttl string as sent means (its PEXPIRE value, registry score and count cap),
-- worked out once per call and kind of outcome (`known`: a kind's default differs). A ttl of "<ms>,<count>" carries
-- a count cap (lib/retention.lua): the smallest one sent per registry is applied once the outcomes are written. A
-- ttl led by 'u' is a unique job's (work-codec.ts): its unique key is let go (lib/unique.lua).
local function retire_job(job, id, sent, default, pending, known)
  local t = known[sent]
  if not t then
    local ttl, count, unique = sent, false, string.byte(sent, 1) == 117
    if unique then ttl = string.sub(sent, 2) end
    local comma = string.find(ttl, ',', 1, true)
    if comma then ttl, count = string.sub(ttl, 1, comma - 1), tonumber(string.sub(ttl, comma + 1)) end
    if ttl == '' then ttl = default end
    local ms = tonumber(ttl)
    local score
    if ms < 0 then score = 'inf' elseif ms == 0 then score = '' else score = tostring(now + ms) end
    t = { score, ttl, unique }
    known[sent] = t
    if count and (not pending.cap or count < pending.cap) then pending.cap = count end
  end
  if t[3] then release_unique(job, id) end
  local score = t[1]
  if score == '' then
    redis.call('DEL', job)
  elseif score == 'inf' then
    redis.call('PERSIST', job)
    pending[#pending + 1] = score
    pending[#pending + 1] = id
  else
    redis.call('PEXPIRE', job, t[2])
    pending[#pending + 1] = score
    pending[#pending + 1] = id
  end
end
local finished_ttls, failed_ttls = {}, {}
local RESULT_TTL, FAILURE_TTL = tostring(DEFAULT_RESULT_TTL_MS), tostring(DEFAULT_FAILURE_TTL_MS)

-- Ownership: a job this worker still runs on this attempt is in its held set (lib/lease.lua); one SMISMEMBER
-- answers for the whole batch instead of a read of each job's hash.
-- Each record is cut with plain finds (Lua's matcher would test every byte of the ids and payloads), and only into
-- the strings the apply loop needs: the kind stays a byte, the attempt is read back from the member of a release.
local r_id, r_kind, r_ttl, r_payload, nr = {}, {}, {}, {}, 0
local find, sub, byte = string.find, string.sub, string.byte
local recs = ARGV[4] or ''
local pos, len = 1, #recs
while pos <= len do
  local a = find(recs, '|', pos, true) -- after the id
  local b = find(recs, '|', a + 1, true) -- after the attempt; the kind is the one letter that follows
  local d = find(recs, '|', b + 3, true) -- after the ttl
  local e = find(recs, '\n', d + 1, true) or len + 1
  nr = nr + 1
  r_id[nr], r_kind[nr], r_ttl[nr], r_payload[nr] = sub(recs, pos, a - 1), byte(recs, b + 1), sub(recs, b + 3, d - 1), sub(recs, d + 1, e - 1)
  unheld[nr] = sub(recs, pos, b - 1) -- "<id>|<attempt>", as the held set names it
  pos = e + 1
end
local FINISHED, FAILED, RETRY = byte(OUTCOME_FINISHED), byte(OUTCOME_FAILED), byte(OUTCOME_RETRY)
local owned = {}
for k = 1, nr, 1000 do
  local part = redis.call('SMISMEMBER', held, unpack(unheld, k, math.min(k + 999, nr)))
  for j = 1, #part do owned[k + j - 1] = part[j] end
end
-- every member sent: an owned one ends now, the others are no longer there. Removed first: at maxmemory (noeviction)
-- Redis refuses a script's first write that may grow memory (the outcomes' HSET), not the writes after one that cannot
-- (this SREM), so a worker still records what it ran (test/pressure.spec.ts)
call_all('SREM', held, unheld)
local waiters = nr > 0 and anyone_waits()
local n_failed, n_retried = 0, 0
for r = 1, nr do
  if owned[r] == 1 then
    local id, kind, ttl, payload = r_id[r], r_kind[r], r_ttl[r], r_payload[r]
    local job = JOB_PREFIX .. id
    local grouped = kind < 97
    if grouped then
      kind = kind + 32
      group_stop(job, group_stops)
    end
    if kind == FINISHED then
      if payload ~= '' then
        redis.call('HSET', job, F_STATUS, 'finished', F_ENDED_AT, now_s, F_RESULT, payload)
      else
        redis.call('HSET', job, F_STATUS, 'finished', F_ENDED_AT, now_s)
      end
      if waiters then publish_end(id, 'finished', payload) end
      ne = ne + 1
      ended[ne], ended_status[ne], ended_payload[ne] = id, 'finished', payload
      retire_job(job, id, ttl, RESULT_TTL, finished, finished_ttls)
    elseif kind == FAILED then
      redis.call('HSET', job, F_STATUS, 'failed', F_ENDED_AT, now_s, F_ERROR, payload)
      if waiters then publish_end(id, 'failed', payload) end
      ne = ne + 1
      ended[ne], ended_status[ne], ended_payload[ne] = id, 'failed', ''
      n_failed = n_failed + 1
      retire_job(job, id, ttl, FAILURE_TTL, failed, failed_ttls)
    elseif kind == RETRY then
      n_retried = n_retried + 1
      retry_job(job, id, ttl, payload, now, grouped and retried_grouped or retried)
    else
      -- released at shutdown: this run does not count as an attempt
      redis.call('HSET', job, F_ATTEMPTS, tonumber(sub(unheld[r], #id + 2)) - 1)
      redis.call('HDEL', job, F_WORKER, F_STARTED_AT)
      -- a release may come from a worker that never knew the job (its orphan release: worker/lease.ts)
      group_stop(job, group_stops)
      push_queued(job, id, true)
    end
  end
end
-- the per-minute counters (lib/stats.lua), written with the fetch's own ends (expiries) at the end of the call
if ne > n_failed then count_end(STAT_FINISHED, ne - n_failed) end
if n_failed > 0 then count_end(STAT_FAILED, n_failed) end
if n_retried > 0 then count_end(STAT_RETRIED, n_retried) end
call_all('ZADD', K.finished, finished)
call_all('ZADD', K.failed, failed)
push_ids(retried)
-- the running counts first: a retried job's group then has the room its push offers it a turn with
group_stops_done(group_stops)
for _, id in ipairs(retried_grouped) do push_queued(JOB_PREFIX .. id, id, false) end
if ne > 0 then
  local dkeys = {}
  for k = 1, ne do dkeys[k] = DEPENDENTS_PREFIX .. ended[k] end
  local any = 0
  for k = 1, ne, 1000 do any = any + redis.call('EXISTS', unpack(dkeys, k, math.min(k + 999, ne))) end
  if any > 0 then
    for k = 1, ne do settle_dependents(ended[k], ended_status[k], ended_payload[k], now) end
  end
end
-- after the dependents heard of the jobs that ended: a job trimmed at once (a small cap) has told them already
if finished.cap then trim_registry('finished', finished.cap, #finished / 2, now) end
if failed.cap then trim_registry('failed', failed.cap, #failed / 2, now) end

-- An instrumented fetch's per-job lines, in the record's own concatenation (no string built apart): when the job became
-- runnable (its enqueue, or the end of its delay or retry backoff, which only such a job has) and its traceparent.
local function runnable_at(enqueued_at, scheduled_for)
  if scheduled_for and (not enqueued_at or tonumber(scheduled_for) > tonumber(enqueued_at)) then return scheduled_for end
  return enqueued_at or ''
end

local got = 0
local taken = {}
local ATTEMPT = { '1', '2', '3', '4', '5', '6', '7', '8', '9' }
-- the reply's job records, joined once at the end, and the distinct job names they refer to by number
local parts, np = {}, 0
if instrumented then parts[1], np = now_s .. '\n', 1 end
local names, name_refs, nn = {}, {}, 0
local NO_OPTIONS = ''
-- one HGET when nothing is due; due jobs join the queue before it is read
local timing = ''
local lanes, rate, groups = nil, nil, nil
if want > 0 then
  local m = redis.call('HMGET', K.meta, M_PAUSED, M_LANES, M_RATE, M_RATE_USED, M_GROUPS)
  -- a paused queue (pause.lua) gives no job, while its due delayed jobs still join it and its schedules still fire
  if m[1] then
    timing = time_due(now, 1000, 0)
    want = 0
  else
    if m[2] then lanes = fetch_lanes(m[2]) end
    if m[3] then want, rate = rate_allow(m[3], m[4], want, now) end
    -- due jobs go to their lanes' or groups' lists, and none past the rate limit: no hand-over to this fetch
    timing = time_due(now, 1000, (lanes or rate or m[5]) and 0 or want)
    if m[5] then groups = groups_begin(now) end
  end
end
while got < want do
  local ids
  if groups then
    ids = pop_groups(groups, want - got, lanes)
  elseif lanes then
    ids = pop_lanes(lanes, want - got)
  else
    ids = redis.call('LPOP', queued, want - got)
  end
  if not ids then break end
  for _, id in ipairs(ids) do
    local job = JOB_PREFIX .. id
    -- the common job (no hasOptions) needs six fields of its small hash; one with options gets read whole
    local c
    if instrumented then
      c = redis.call('HMGET', job, F_STATUS, F_ATTEMPTS, F_HAS_OPTIONS, F_NAME, F_DATA, F_DATA2, F_ENQUEUED_AT, F_TRACEPARENT, F_SCHEDULED_FOR)
    else
      c = redis.call('HMGET', job, F_STATUS, F_ATTEMPTS, F_HAS_OPTIONS, F_NAME, F_DATA, F_DATA2)
    end
    local s, a, name, x, options = c[1], c[2], c[4], nil, NO_OPTIONS
    local d1, d2, d3, d4 = c[5] or '', c[6] or '', '', ''
    if c[3] then
      local h = redis.call('HGETALL', job)
      local f = {}
      for k = 1, #h, 2 do f[h[k]] = h[k + 1] end
      x = f[F_EXPIRES_AT]
      d1, d2, d3, d4 = f[F_DATA] or '', f[F_DATA2] or '', f[F_DATA3] or '', f[F_DATA4] or ''
      local named, nf = {}, 0
      for _, name in ipairs(WORKER_OPTION_FIELDS) do
        local v = f[name]
        if v then
          named[nf + 1], named[nf + 2] = name, v
          nf = nf + 2
        end
      end
      options = table.concat(named, '\t')
    end
    -- 'scheduled': a due job that time_due handed this very fetch without queueing it first (lib/schedule.lua)
    if s == 'queued' or s == 'scheduled' then
      if x and tonumber(x) <= now then
        end_with_error(job, id, 'expired', error_json('JobExpiredError', 'The job waited longer than its ttl and never ran.'), now)
      else
        local n = tonumber(a or '0') + 1
        local attempt = ATTEMPT[n] or tostring(n)
        redis.call('HSET', job, F_STATUS, 'started', F_ATTEMPTS, attempt, F_WORKER, worker, F_STARTED_AT, now_s)
        if groups then group_started(groups, id, job) end
        got = got + 1
        taken[got] = id .. '|' .. attempt
        if x then redis.call('ZREM', K.ttl, id) end
        local ref = name_refs[name]
        if not ref then
          nn = nn + 1
          names[nn], ref = name, tostring(nn - 1)
          name_refs[name] = ref
        end
        np = np + 1
        if instrumented then
          local ran = c[7] or ''
          if c[9] then ran = runnable_at(c[7], c[9]) end
          parts[np] = id .. '\n' .. attempt .. '\n' .. ref .. '\n' .. options .. '\n' .. d1 .. d2 .. d3 .. d4 .. '\n' .. ran .. '\n' .. (c[8] or '') .. '\n'
        else
          parts[np] = id .. '\n' .. attempt .. '\n' .. ref .. '\n' .. options .. '\n' .. d1 .. d2 .. d3 .. d4 .. '\n'
        end
      end
    end
  end
  -- the groups' round robin was settled for this one pop (groups_done): the next fetch takes the rest
  if groups then break end
end
if rate then timing = rate_done(rate, got, now, timing) end
if groups then timing = groups_done(groups, now, timing) end
if got > 0 then
  call_all('SADD', held, taken)
  redis.call('ZADD', K.workers, tostring(now + lease), worker)
end
flush_ends(now)
wake()
local reply = { redis.call('LLEN', K.outbox), table.concat(parts), timing }
for k = 1, nn do reply[k + 3] = names[k] end
return reply
