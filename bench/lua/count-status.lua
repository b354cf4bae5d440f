-- The overload scenario: GET /api/v1/users/{id} like get-by-id.lua (script argument 1: the number of
-- seeded users), or with argument 1 "post" and argument 2 a prefix, POST /api/v1/users with a unique email
-- like post-user.lua; and a response() hook that counts
-- 2xx, 503 and other statuses per thread; done() prints the totals as
--   status_2xx=N status_503=N status_other=N
-- (wrk's own "Non-2xx or 3xx responses" line cannot tell a 503 shed from any other failure.)
local thread_list = {}
local requests = {}
local next_index = 0

function setup(thread)
  table.insert(thread_list, thread)
  thread:set("tid", #thread_list)
end

local post_prefix = nil
local counter = 0

function init(args)
  ok, shed, other = 0, 0, 0
  if args[1] == "post" then
    post_prefix = args[2] or "overload"
    wrk.headers["Content-Type"] = "application/json"
    return
  end
  local n = tonumber(args[1]) or 1000
  for id = 1, n do
    requests[id] = wrk.format("GET", "/api/v1/users/" .. id)
  end
  next_index = ((tid or 1) * 7919) % n
end

function request()
  if post_prefix then
    counter = counter + 1
    local body = string.format('{"name":"Overload %d %d","email":"%s-%d-%d@bench.example"}',
      tid or 0, counter, post_prefix, tid or 0, counter)
    return wrk.format("POST", "/api/v1/users", nil, body)
  end
  next_index = next_index % #requests + 1
  return requests[next_index]
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
  elseif status == 503 then
    shed = shed + 1
  else
    other = other + 1
  end
end

function done(summary, latency, reqs)
  local o, s, x = 0, 0, 0
  for _, t in ipairs(thread_list) do
    o = o + (t:get("ok") or 0)
    s = s + (t:get("shed") or 0)
    x = x + (t:get("other") or 0)
  end
  io.write(string.format("status_2xx=%d status_503=%d status_other=%d\n", o, s, x))
end
