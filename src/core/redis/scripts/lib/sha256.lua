-- SHA-256 (FIPS 180-4) of a string, as base64url without padding, for unique keys made in Redis (lib/unique-key.lua):
-- the same digest node:crypto gives limits/unique.ts, since Redis's Lua has only SHA-1 (redis.sha1hex). On LuaBitOp
-- (Redis's `bit`), whose operations wrap to signed 32-bit numbers; sums are taken in doubles and wrapped by tobit.

local SHA256_K = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
}
local SHA256_H = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 }
local B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

local function sha256_b64url(msg)
  local band, bxor, bnot, rshift, ror, tobit = bit.band, bit.bxor, bit.bnot, bit.rshift, bit.ror, bit.tobit
  local byte = string.byte
  local len = #msg
  local bits = len * 8
  msg = msg .. '\128' .. string.rep('\0', (55 - len) % 64)
    .. string.char(0, 0, math.floor(bits / 2 ^ 40) % 256, math.floor(bits / 2 ^ 32) % 256,
      math.floor(bits / 2 ^ 24) % 256, math.floor(bits / 2 ^ 16) % 256, math.floor(bits / 2 ^ 8) % 256, bits % 256)
  local h = {}
  for i = 1, 8 do h[i] = tobit(SHA256_H[i]) end
  local w = {}
  for block = 1, #msg, 64 do
    for t = 1, 16 do
      local p = block + (t - 1) * 4
      local b1, b2, b3, b4 = byte(msg, p, p + 3)
      w[t] = tobit(((b1 * 256 + b2) * 256 + b3) * 256 + b4)
    end
    for t = 17, 64 do
      local w15, w2 = w[t - 15], w[t - 2]
      local s0 = bxor(ror(w15, 7), ror(w15, 18), rshift(w15, 3))
      local s1 = bxor(ror(w2, 17), ror(w2, 19), rshift(w2, 10))
      w[t] = tobit(w[t - 16] + s0 + w[t - 7] + s1)
    end
    local a, b, c, d, e, f, g, hh = h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8]
    for t = 1, 64 do
      local t1 = hh + bxor(ror(e, 6), ror(e, 11), ror(e, 25)) + bxor(band(e, f), band(bnot(e), g)) + SHA256_K[t] + w[t]
      local t2 = bxor(ror(a, 2), ror(a, 13), ror(a, 22)) + bxor(band(a, b), band(a, c), band(b, c))
      hh, g, f, e, d, c, b, a = g, f, e, tobit(d + t1), c, b, a, tobit(t1 + t2)
    end
    h[1], h[2], h[3], h[4] = tobit(h[1] + a), tobit(h[2] + b), tobit(h[3] + c), tobit(h[4] + d)
    h[5], h[6], h[7], h[8] = tobit(h[5] + e), tobit(h[6] + f), tobit(h[7] + g), tobit(h[8] + hh)
  end
  local bytes = {}
  for i = 1, 8 do
    local v = h[i]
    bytes[#bytes + 1] = band(rshift(v, 24), 255)
    bytes[#bytes + 1] = band(rshift(v, 16), 255)
    bytes[#bytes + 1] = band(rshift(v, 8), 255)
    bytes[#bytes + 1] = band(v, 255)
  end
  -- base64url of the 32 bytes: ten groups of three, then two bytes as three characters (no padding)
  local out = {}
  local function ch(n)
    return string.sub(B64URL, n + 1, n + 1)
  end
  for i = 1, 30, 3 do
    local n = (bytes[i] * 256 + bytes[i + 1]) * 256 + bytes[i + 2]
    out[#out + 1] = ch(math.floor(n / 262144)) .. ch(math.floor(n / 4096) % 64) .. ch(math.floor(n / 64) % 64) .. ch(n % 64)
  end
  local n = (bytes[31] * 256 + bytes[32]) * 4
  out[#out + 1] = ch(math.floor(n / 4096)) .. ch(math.floor(n / 64) % 64) .. ch(n % 64)
  return table.concat(out)
end
