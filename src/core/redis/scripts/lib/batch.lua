-- Runs `cmd key values...` for a batch in slices of at most 1000 values (Lua's unpack has a stack limit; 1000 is
-- even, so score/member pairs stay whole). One call per slice instead of one per job: each redis.call from Lua costs
-- about a microsecond on its own.
local function call_all(cmd, key, values)
  for i = 1, #values, 1000 do
    redis.call(cmd, key, unpack(values, i, math.min(i + 999, #values)))
  end
end
