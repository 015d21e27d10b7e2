-- The hash fields of a new job (enqueue.lua, schedule-fire.lua): only those it has (stored-names.ts).
-- @include

local function put(fields, field, v)
  if v ~= nil and v ~= '' then
    fields[#fields + 1] = field
    fields[#fields + 1] = v
  end
end

-- Adds the stored options of a job enqueued with options `opt` (a decoded options object), whose data took `parts`
-- fields and that has a ttl or not, and marks it hasOptions when a worker must read more than a common job's fields.
local function option_fields(fields, opt, parts, ttl)
  local more = parts > 2 or ttl ~= nil
  for _, f in ipairs(WORKER_OPTION_FIELDS) do more = more or opt[f] ~= nil end
  if more then put(fields, F_HAS_OPTIONS, '1') end
  for _, f in ipairs(STORED_OPTION_FIELDS) do put(fields, f, opt[f]) end
end
