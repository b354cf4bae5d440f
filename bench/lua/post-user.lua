-- POST /api/v1/users with a unique email on every request: <prefix>-<thread>-<counter>@bench.example.
-- wrk script argument 1 is the prefix; run.sh passes a new one to every wrk run, so warm-up and
-- measured runs never collide (a collision would be a 409 and show up as a non-2xx response).
-- Headers given with wrk -H (the bearer token) are included.
local threads = 0
local counter = 0
local prefix = "run"

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  prefix = args[1] or "run"
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local body = string.format('{"name":"Load %s %d %d","email":"%s-%d-%d@bench.example"}',
    prefix, tid or 0, counter, prefix, tid or 0, counter)
  return wrk.format(nil, "/api/v1/users", nil, body)
end
