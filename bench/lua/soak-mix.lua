-- bench/soak.sh's mixed load, every request with the bearer token given with wrk -H. Each wrk thread walks a
-- cycle of 10 requests: 4 x GET /api/v1/users/{id} over the seeded ids 1..N (script argument 1, default 1000),
-- 2 x GET /api/v1/users?limit=100 (the first page), 1 x POST /api/v1/users, 2 x PUT /api/v1/users/{id} and
-- 1 x DELETE /api/v1/users/{id}, the last two on users this wrk thread created (script argument 2 is the prefix of
-- their emails, new for every run). A PUT or DELETE takes an id off the thread's queue, so no two requests in
-- flight touch the same user; a POST's or PUT's answer puts it back. With no id queued, a PUT or DELETE is a POST
-- instead. Deletes keep up with creates, so the table stays near its seeded size however long the run.
-- done() prints, on one line: status_2xx=N status_4xx=N status_5xx=N status_other=N.
local thread_list = {}
local cycle = { "get", "get", "list", "post", "get", "put", "get", "list", "put", "delete" }

function setup(thread)
  table.insert(thread_list, thread)
  thread:set("tid", #thread_list)
end

local seeded = 1000
local prefix = "soak"
local step = 0
local counter = 0
local next_get = 0
local queue = {}
local head, tail = 1, 0

function init(args)
  seeded = tonumber(args[1]) or 1000
  prefix = args[2] or "soak"
  ok, client, server, other = 0, 0, 0, 0
  step = (tid or 1) % #cycle
  next_get = ((tid or 1) * 7919) % seeded
  wrk.headers["Content-Type"] = "application/json"
end

local function take()
  if head > tail then
    return nil
  end
  local id = queue[head]
  queue[head] = nil
  head = head + 1
  return id
end

local function body()
  counter = counter + 1
  return string.format('{"name":"Soak %d %d","email":"%s-%d-%d@bench.example"}',
    tid or 0, counter, prefix, tid or 0, counter)
end

function request()
  step = step % #cycle + 1
  local op = cycle[step]
  if op == "get" then
    next_get = next_get % seeded + 1
    return wrk.format("GET", "/api/v1/users/" .. next_get, nil, nil)
  elseif op == "list" then
    return wrk.format("GET", "/api/v1/users?limit=100", nil, nil)
  end
  local id = nil
  if op ~= "post" then
    id = take()
  end
  if id == nil then
    return wrk.format("POST", "/api/v1/users", nil, body())
  elseif op == "put" then
    return wrk.format("PUT", "/api/v1/users/" .. id, nil, body())
  end
  return wrk.format("DELETE", "/api/v1/users/" .. id, nil, nil)
end

function response(status, headers, answer)
  if status >= 200 and status < 300 then
    ok = ok + 1
    -- a created (201) or replaced (200) user of this run: queue its id again
    if answer and answer:find(prefix .. "-", 1, true) and not answer:find('"items"', 1, true) then
      local id = answer:match('"id"%s*:%s*(%d+)')
      if id then
        tail = tail + 1
        queue[tail] = id
      end
    end
  elseif status >= 400 and status < 500 then
    client = client + 1
  elseif status >= 500 and status < 600 then
    server = server + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local o, c, s, x = 0, 0, 0, 0
  for _, t in ipairs(thread_list) do
    o = o + (t:get("ok") or 0)
    c = c + (t:get("client") or 0)
    s = s + (t:get("server") or 0)
    x = x + (t:get("other") or 0)
  end
  io.write(string.format("status_2xx=%d status_4xx=%d status_5xx=%d status_other=%d\n", o, c, s, x))
end
