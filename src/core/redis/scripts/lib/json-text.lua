-- Walking JSON text that cjson has decoded already (so it is valid): where a string or a value ends. Used by the
-- inbox (lib/inbox.lua keeps data as written) and by unique keys made in Redis (lib/unique-key.lua).

local jt_find, jt_byte = string.find, string.byte

-- The position after the JSON string that opens at i. Plain finds of '"' (much cheaper than a pattern's character
-- class); a quote after an odd run of backslashes is escaped.
local function skip_string(s, i)
  local q = jt_find(s, '"', i + 1, true)
  while jt_byte(s, q - 1) == 92 do
    local b = q - 1
    while jt_byte(s, b - 1) == 92 do b = b - 1 end
    if (q - b) % 2 == 0 then break end
    q = jt_find(s, '"', q + 1, true)
  end
  return q + 1
end

-- The position after the JSON value that starts at i (the text is valid JSON: cjson decoded it first).
local function skip_value(s, i)
  local c = jt_byte(s, i)
  if c == 34 then return skip_string(s, i) end
  if c ~= 123 and c ~= 91 then return jt_find(s, '[,}%]%s]', i) or #s + 1 end
  local depth, p = 0, i
  while true do
    local q = jt_find(s, '[%[%]{}"]', p)
    local b = jt_byte(s, q)
    if b == 34 then
      p = skip_string(s, q)
    else
      if b == 123 or b == 91 then depth = depth + 1 else depth = depth - 1 end
      p = q + 1
      if depth == 0 then return p end
    end
  end
end
