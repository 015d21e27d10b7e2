-- Unique keys made in Redis, for inbox entries with `unique` (lib/inbox.lua): the key limits/unique.ts uniqueKey makes
-- for a job of that name and data, so an entry and an enqueue() of one job are duplicates of each other: 'd:' and the
-- base64url SHA-256 of the RFC 8785 canonical JSON of [name, data] (canonicalize, as JSON.stringify writes values:
-- object members sorted by UTF-16 code units, numbers as JavaScript prints them).
-- @include json-text sha256

-- JSON.stringify's escapes: the two that must be, and the control characters (\b \t \n \f \r, else \u00xx)
local JSON_ESCAPES = { ['"'] = '\\"', ['\\'] = '\\\\', ['\b'] = '\\b', ['\t'] = '\\t', ['\n'] = '\\n', ['\f'] = '\\f', ['\r'] = '\\r' }
for c = 0, 31 do
  local ch = string.char(c)
  if not JSON_ESCAPES[ch] then JSON_ESCAPES[ch] = string.format('\\u%04x', c) end
end

local function json_quote(u)
  return '"' .. string.gsub(u, '[%z\1-\31"\\]', JSON_ESCAPES) .. '"'
end

-- A finite number as JavaScript's Number.prototype.toString writes it (ECMA-262 Number::toString): the fewest
-- significant digits that read back as the same double; nil for one JSON.parse makes Infinity (canonicalize refuses it).
local function js_number(x)
  if x ~= x or x == math.huge or x == -math.huge then return nil end
  if x == 0 then return '0' end
  if x == math.floor(x) and math.abs(x) < 2 ^ 53 then return string.format('%.0f', x) end
  local e
  for p = 1, 17 do
    e = string.format('%.' .. (p - 1) .. 'e', x)
    if tonumber(e) == x then break end
  end
  local sign, d1, rest, exp = string.match(e, '^(-?)(%d)%.?(%d*)e([-+]%d+)$')
  local digits = string.gsub(d1 .. rest, '0+$', '')
  local k, n = #digits, tonumber(exp) + 1
  local out
  if k <= n and n <= 21 then
    out = digits .. string.rep('0', n - k)
  elseif 0 < n and n <= 21 then
    out = string.sub(digits, 1, n) .. '.' .. string.sub(digits, n + 1)
  elseif -6 < n and n <= 0 then
    out = '0.' .. string.rep('0', -n) .. digits
  else
    local m = k == 1 and digits or (string.sub(digits, 1, 1) .. '.' .. string.sub(digits, 2))
    out = m .. 'e' .. (n - 1 < 0 and '-' or '+') .. math.abs(n - 1)
  end
  return sign .. out
end

-- How JavaScript's sort orders member names (UTF-16 code units): as UTF-8 bytes, except that U+E000..U+FFFF (lead
-- bytes EE, EF) come after the characters beyond U+FFFF (F0..F4), whose UTF-16 form starts with a surrogate.
local UTF16_ORDER = { ['\238'] = '\245', ['\239'] = '\246' }

-- Orders { sort text, name } pairs by their sort texts' bytes. Not Lua's `<`: Redis sets LC_COLLATE from its
-- environment, and `<` compares with strcoll, so under a UTF-8 locale it would follow that locale's collation.
local function byte_order(x, y)
  local a, b = x[1], y[1]
  local n = math.min(#a, #b)
  for i = 1, n do
    local p, q = string.byte(a, i), string.byte(b, i)
    if p ~= q then return p < q end
  end
  return #a < #b
end

-- The canonical JSON of the value that starts at i of JSON text s, and the position after it; error() for a number
-- that JSON.parse makes infinite.
local function canonical(s, i)
  local c = jt_byte(s, i)
  if c == 34 then
    local e = skip_string(s, i)
    return json_quote(cjson.decode(string.sub(s, i, e - 1))), e
  end
  if c == 123 or c == 91 then
    local close = c == 123 and 125 or 93
    local p = jt_find(s, '%S', i + 1)
    if jt_byte(s, p) == close then return c == 123 and '{}' or '[]', p + 1 end
    local parts, values, order = {}, {}, {}
    while true do
      local v
      if c == 123 then
        local ke = skip_string(s, p)
        local name = cjson.decode(string.sub(s, p, ke - 1))
        v = jt_find(s, '[^%s:]', ke)
        local text, ve = canonical(s, v)
        -- a repeated name keeps its last value (JSON.parse)
        if not values[name] then order[#order + 1] = name end
        values[name] = text
        p = ve
      else
        local text, ve = canonical(s, p)
        parts[#parts + 1] = text
        p = ve
      end
      local n = jt_find(s, '%S', p)
      if jt_byte(s, n) == close then
        p = n + 1
        break
      end
      p = jt_find(s, '%S', n + 1)
    end
    if c == 91 then return '[' .. table.concat(parts, ',') .. ']', p end
    local keyed = {}
    for k, name in ipairs(order) do keyed[k] = { (string.gsub(name, '[\238\239]', UTF16_ORDER)), name } end
    table.sort(keyed, byte_order)
    for k, m in ipairs(keyed) do parts[k] = json_quote(m[2]) .. ':' .. values[m[2]] end
    return '{' .. table.concat(parts, ',') .. '}', p
  end
  local e = jt_find(s, '[,}%]%s]', i) or #s + 1
  local token = string.sub(s, i, e - 1)
  if c == 116 or c == 102 or c == 110 then return token, e end
  local text = js_number(tonumber(token))
  if not text then error({ number = token }) end
  return text, e
end

-- The default unique key of a job named `name` whose data is the JSON value at position i of s (i nil: no data);
-- or nil and the number that has no canonical form.
local function unique_data_key(name, s, i)
  local data = 'null'
  if i then
    local ok, text = pcall(canonical, s, i)
    if not ok then
      if type(text) == 'table' then return nil, text.number end
      error(text)
    end
    data = text
  end
  return 'd:' .. sha256_b64url('[' .. json_quote(name) .. ',' .. data .. ']')
end
