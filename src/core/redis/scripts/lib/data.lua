-- A job's data is kept in DATA_FIELDS (d, d2, d3, d4) of at most 64 bytes each when it fits in four of them: Redis
-- keeps a hash in its compact listpack encoding only while every value is at most hash-max-listpack-value (64 bytes
-- by default), and one larger value turns the whole hash into a real hashtable (about twice the memory per job).
-- Larger data is stored whole in d, where the hash's overhead no longer matters. A cut never falls inside a UTF-8
-- sequence, so every field decodes on its own (clients read the fields separately and join them: job-hash.ts).
-- @include

local function split_data(data)
  local n = #data
  if n <= 64 then return { data } end
  local parts, pos = {}, 1
  while pos <= n do
    if #parts == #DATA_FIELDS then return { data } end
    local stop = pos + 63
    if stop < n then
      local b = string.byte(data, stop + 1)
      while stop > pos and b >= 128 and b < 192 do
        stop = stop - 1
        b = string.byte(data, stop + 1)
      end
    end
    parts[#parts + 1] = string.sub(data, pos, stop)
    pos = stop + 1
  end
  return parts
end

-- Appends the data fields of `data` to an HSET field list. Returns how many fields the data took.
local function put_data(fields, data)
  local n = #fields
  if #data <= 64 then
    -- the common cases without a table of parts: one field, or two whose cut needs no UTF-8 adjustment
    fields[n + 1], fields[n + 2] = F_DATA, data
    return 1
  elseif #data <= 128 then
    local b = string.byte(data, 65)
    if b < 128 or b >= 192 then
      fields[n + 1], fields[n + 2], fields[n + 3], fields[n + 4] = F_DATA, string.sub(data, 1, 64), F_DATA2, string.sub(data, 65)
      return 2
    end
  end
  local parts = split_data(data)
  for k, part in ipairs(parts) do
    fields[#fields + 1] = DATA_FIELDS[k]
    fields[#fields + 1] = part
  end
  return #parts
end

-- Replaces a stored job's data (a worker reads beyond two data fields only for a job marked hasOptions).
local function set_data(job, data)
  redis.call('HDEL', job, F_DATA2, F_DATA3, F_DATA4)
  local fields = {}
  if put_data(fields, data) > 2 then
    fields[#fields + 1] = F_HAS_OPTIONS
    fields[#fields + 1] = '1'
  end
  redis.call('HSET', job, unpack(fields))
end
