-- wrk script for tests/bench/tap_wrk.py: POSTs the form bodies of the file named by
-- TAP_WRK_BODIES (one URL-encoded body a line) to TAP_WRK_PATH (e.g. /tap/sync), each thread
-- going through the list from its own offset, so that every request is a different query.
local bodies = {}
local next_index = 1
local path = os.getenv("TAP_WRK_PATH") or "/tap/sync"

function setup(thread)
  thread:set("offset", math.random(1, 1000000))
end

function init(args)
  for line in io.lines(os.getenv("TAP_WRK_BODIES")) do bodies[#bodies + 1] = line end
  next_index = (offset or 0) % #bodies + 1
end

function request()
  local body = bodies[next_index]
  next_index = next_index % #bodies + 1
  return wrk.format("POST", path,
                    {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end
