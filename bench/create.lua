-- create.lua: wrk script for bench/run. Every request creates one opportunity
-- (POST /api/v1/opportunities) as the rep whose API token is in the
-- environment variable BENCH_TOKEN. Non-201 answers are counted by wrk as
-- "Non-2xx or 3xx responses" only for 4xx/5xx, so done() also reports them.
wrk.method = "POST"
wrk.path = "/api/v1/opportunities"
wrk.body = '{"name":"bench deal","amount":123456,"close_date":"2027-01-31"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("BENCH_TOKEN") or "")

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  created, other = 0, 0
end

function response(status, headers, body)
  if status == 201 then created = created + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local c, o = 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created")
    o = o + t:get("other")
  end
  io.write(string.format("created: %d, other answers: %d\n", c, o))
end
