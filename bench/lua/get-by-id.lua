-- GET /api/v1/users/{id}, cycling over the seeded ids 1..N (wrk script argument 1, default 1000).
-- Requests are formatted once in init(), so the per-request cost in wrk is a table lookup.
-- Headers given with wrk -H (the bearer token) are included.
local threads = 0
local requests = {}
local next_index = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  local n = tonumber(args[1]) or 1000
  for id = 1, n do
    requests[id] = wrk.format("GET", "/api/v1/users/" .. id)
  end
  next_index = ((tid or 1) * 7919) % n -- threads start at different ids
end

function request()
  next_index = next_index % #requests + 1
  return requests[next_index]
end
