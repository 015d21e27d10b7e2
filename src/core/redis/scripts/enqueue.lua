-- Enqueues a batch of jobs into one queue, atomically and in order. An id that exists is left untouched.
-- KEYS: meta queued wake ttl deferred scheduled workers outbox waiting finished failed canceled expired stopped
-- ARGV[1]: mode: 'queue' the jobs; 'claim' them as started by worker ARGV[2] (sync mode runs them in-process)
-- ARGV[2]: worker id (mode 'claim'), ARGV[3]: lease ms (mode 'claim')
-- ARGV[4]: job count N; ARGV[5]: the N job records packed in one string (enqueue-codec.ts), each
--   <c><id> TAB <k> TAB <data> TAB <options> LF
--   c: '1' the caller chose the id, '0' it was generated (a random UUID); k: the job's name is ARGV[5 + k] (the
--   distinct names of the batch follow as ARGV[6..]: a name may hold any character, the rest never hold TAB or LF:
--   ids are [A-Za-z0-9_.-], data and options are JSON, which escapes control characters);
--   options is '' when every option is its default (the common case), else a JSON object keyed by name: the
--   STORED_OPTION_FIELDS as stored, and OPT_TTL, OPT_DEPENDS_ON, OPT_DEPENDENCY_FLAGS, OPT_DELAY, OPT_RUN_AT
--   (stored-names.ts)
--   (one string, not values per job: a client serialises a command value by value, and Redis makes an object of each)
-- returns: { outbox length (as -1 - length when this call created the queue's meta: the queue is new here, or was
--   deleted since the producer listed it, which then lists it again), then one value per job: the new job's status, REPLY_EXISTED .. status .. '|' .. name
--   for an id that existed (left untouched), REPLY_FENCED for a caller-chosen id fenced here (job-id-index.ts), or
--   REPLY_DUPLICATE .. status .. '|' .. id .. '|' .. name for a `unique` job whose key a live job holds (lib/unique.lua) }.
--   When every job is new with one same status (nearly always), just { outbox length, REPLY_ALL_NEW .. status }: the
--   client would otherwise decode a string per job.
-- A dependency in this queue is checked here; one in another queue is registered through this queue's outbox.
-- A job with a delay or runAt still ahead is `scheduled` (lib/delay.lua); with dependencies too, it waits for both.
-- A queued job goes to its group's list, its lane's or `queued` (lib/list-job.lua).
-- @include keys clock data queue lease dependencies batch job-fields delay unique-claim list-job
local mode, worker, lease = ARGV[1], ARGV[2], tonumber(ARGV[3])
local n = tonumber(ARGV[4])
local now = now_ms()
-- as text once: Redis would format the number (printf %.17g) again for every job's HSET
local now_s = tostring(now)
local out = {}
-- shared by jobs without dependencies (never written to): no tables built per job on the common path
local NONE = {}
local ALL_DEFAULTS = {}

-- the queue exists where its jobs are: its meta key is the first key of every script (see keys.ts)
local new_queue = redis.call('HSETNX', K.meta, 'created', now_s) == 1

-- delayed jobs of the batch, as ZADD pairs, and the earliest of their run times
local delayed, first_due = {}, nil

-- The ttl deadline of a job that waits (queued or deferred), if it has one: from now, or from its run time.
local function waiting(fields, id, ttl, due)
  if ttl then
    local x = (due or now) + tonumber(ttl)
    put(fields, F_EXPIRES_AT, tostring(x))
    redis.call('ZADD', K.ttl, x, id)
  end
end

-- Unpacks the records (plain finds: a pattern would test every byte of the data in Lua's matcher).
local find, sub, byte = string.find, string.sub, string.byte
local recs = ARGV[5]
local ids, keys, names, datas, options, chosen = {}, {}, {}, {}, {}, {}
-- whether some job of the call has options that may make it `unique` (lib/unique-claim.lua): checked once per job
-- with options, so a call without any costs nothing more per job
local any_unique = false
local generated = {}
local name_of = {} -- k (as text) -> name: a table lookup instead of tonumber (strtod) per job
local one_name = #ARGV == 6 and ARGV[6] -- a batch of one name (nearly always): its k is '1', nothing to look up
local pos = 1
for i = 1, n do
  local a = find(recs, '\t', pos, true)
  local b
  if one_name then
    b = a + 2
    names[i] = one_name
  else
    b = find(recs, '\t', a + 1, true)
    local k = sub(recs, a + 1, b - 1)
    local name = name_of[k]
    if not name then
      name = ARGV[5 + tonumber(k)]
      name_of[k] = name
    end
    names[i] = name
  end
  local c = find(recs, '\t', b + 1, true)
  local e = find(recs, '\n', c + 1, true)
  local id = sub(recs, pos + 1, a - 1)
  ids[i] = id
  keys[i] = JOB_PREFIX .. id
  datas[i] = sub(recs, b + 1, c - 1)
  if e > c + 1 then
    local o = sub(recs, c + 1, e - 1)
    options[i] = o
    -- a job with options may be `unique`: a plain find of its field's name tells before anything is decoded
    if not any_unique and find(o, UNIQUE_OPTION, 1, true) then any_unique = true end
  else
    options[i] = ''
  end
  if byte(recs, pos) == 49 then chosen[i] = true else generated[#generated + 1] = keys[i] end
  pos = e + 1
end

-- A generated id (a random UUID) exists only when this very call is run again (a client resends a command that was
-- not answered before a reconnect): one EXISTS over all of them tells, and only then is each checked on its own.
-- A caller-chosen id is always checked on its own (it may exist, or repeat within the batch).
local check_all = false
for s = 1, #generated, 1000 do
  if redis.call('EXISTS', unpack(generated, s, math.min(s + 999, #generated))) > 0 then
    check_all = true
    break
  end
end

for i = 1, n do
  local id = ids[i]
  local job = keys[i]
  local existing = NONE
  if check_all or chosen[i] then existing = redis.call('HMGET', job, F_NAME, F_STATUS, F_FENCED) end
  if existing[1] then
    out[#out + 1] = REPLY_EXISTED .. existing[2] .. '|' .. existing[1]
  elseif existing[3] then
    -- the id belongs to another queue now (id-fence.lua): store nothing, the producer asks the index again
    out[#out + 1] = REPLY_FENCED
  elseif any_unique and options[i] ~= '' and claim_into(out, options[i], id) then
    -- a live job holds its unique key: claim_into answered for it
  else
    local data = datas[i]
    local opt, front, deps, flags, pipe, ttl, due, group = ALL_DEFAULTS, false, nil, '', nil, nil, nil, nil
    if options[i] ~= '' then
      opt = cjson.decode(options[i])
      front, deps, flags, pipe, ttl = opt[F_AT_FRONT] == '1', opt[OPT_DEPENDS_ON], opt[OPT_DEPENDENCY_FLAGS] or '', opt[F_PIPE_FROM], opt[OPT_TTL]
      due = due_at(opt, now)
      group = opt[F_GROUP]
      if group then group_note(group, opt[OPT_GROUP_LIMITS]) end
    end
    local pending, cancel_reason, all = NONE, nil, NONE
    if deps then
      pending, all = {}, {}
      local self_ref = flags .. '|' .. QUEUE .. '|' .. id
      for q, pid, b in string.gmatch(deps, '([^|,]+)|([^|,]+)|([^|,]*)') do
        local ref = q .. '|' .. pid
        all[#all + 1] = ref
        if q == QUEUE then
          local p = job_key(pid)
          local ps = redis.call('HGET', p, F_STATUS)
          local st = dep_state(ps, flags, b == '1')
          if st == 'met' then
            if pipe == ref then data = redis.call('HGET', p, F_RESULT) or '' end
          elseif st == 'cancel' then
            cancel_reason = ref
          else
            redis.call('SADD', dependents_key(pid), self_ref)
            pending[#pending + 1] = ref
          end
        else
          pending[#pending + 1] = ref
          outbox_push(MSG_REGISTER .. '|' .. q .. '|' .. pid .. '|' .. b .. '|' .. self_ref, now)
        end
      end
    end
    local status = 'queued'
    if cancel_reason then
      status = 'canceled'
    elseif #pending > 0 then
      status = 'deferred'
    elseif due then
      status = 'scheduled'
    elseif mode == 'claim' then
      status = 'started'
    end
    -- only the fields the job has (stored-names.ts), the status first
    local fields = { F_STATUS, status, F_NAME, names[i], F_ENQUEUED_AT, now_s }
    local parts = put_data(fields, data)
    if opt ~= ALL_DEFAULTS then
      option_fields(fields, opt, parts, ttl)
      if #all > 0 then put(fields, F_DEPENDENCIES, cjson.encode(all)) end
      if due then put(fields, F_SCHEDULED_FOR, string.format('%d', due)) end
    elseif parts > 2 then
      put(fields, F_HAS_OPTIONS, '1')
    end
    if status == 'canceled' then
      redis.call('HSET', job, unpack(fields))
      end_with_error(job, id, 'canceled', dependency_failed(cancel_reason), now)
    elseif status == 'deferred' then
      waiting(fields, id, ttl, due)
      redis.call('HSET', job, unpack(fields))
      -- in slices: a job may wait on more dependencies (10,000 in the fan-in bench) than Lua's unpack can take
      call_all('SADD', deps_key(id), pending)
      redis.call('ZADD', K.deferred, now_s, id)
    elseif status == 'scheduled' then
      -- its ttl counts from its run time; it is tracked for it once promoted (lib/schedule.lua)
      if ttl then put(fields, F_EXPIRES_AT, string.format('%d', due + tonumber(ttl))) end
      redis.call('HSET', job, unpack(fields))
      delayed[#delayed + 1] = string.format('%d', due)
      delayed[#delayed + 1] = id
      if not first_due or due < first_due then first_due = due end
    elseif status == 'started' then
      put(fields, F_ATTEMPTS, '1')
      put(fields, F_WORKER, worker)
      put(fields, F_STARTED_AT, now_s)
      redis.call('HSET', job, unpack(fields))
      hold(worker, id, '1', now + lease)
      if group then group_start(job) end
    else
      waiting(fields, id, ttl)
      redis.call('HSET', job, unpack(fields))
      if opt == ALL_DEFAULTS then
        -- list_job's last case, without its call: the common job (no group, lane or atFront) joins the buffered tail
        tail[#tail + 1] = id
      else
        list_job(id, group, opt[F_LANE], front)
      end
    end
    out[#out + 1] = status
  end
end
flush_tail()
flush_lanes()
if first_due then
  call_all('ZADD', K.scheduled, delayed)
  note_due(first_due)
end
-- jobs canceled at enqueue (a dependency that had already failed)
flush_ends(now)
wake()
local outbox = redis.call('LLEN', K.outbox)
if new_queue then outbox = -1 - outbox end
local same = out[1]
for i = 2, n do
  if out[i] ~= same then same = nil; break end
end
if same and sub(same, 1, 1) ~= REPLY_EXISTED and same ~= REPLY_FENCED and sub(same, 1, 1) ~= REPLY_DUPLICATE then return { outbox, REPLY_ALL_NEW .. same } end
table.insert(out, 1, outbox)
return out
