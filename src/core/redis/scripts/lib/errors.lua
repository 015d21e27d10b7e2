-- An error record as stored in a job's error field (the client reads name and message).
local function error_json(name, message)
  return cjson.encode({ name = name, message = message })
end
