-- wrk script for scripts/bench: replays the ready-made requests of one scenario (written by
-- examples/bench_seed.rs, so nothing is computed per request here) and prints one summary
-- line that scripts/bench parses.
--
-- Usage: wrk -s benches/wrk/requests.lua URL -- SCENARIO REQUESTS_FILE
-- Each line of REQUESTS_FILE: scenario, method, target, Authorization value or "-",
-- form body or "-", separated by tabs.

local threads_started = 0
local prepared = {}
local position = 1

-- Runs once per thread in the main state: number the threads.
function setup(thread)
  thread:set("thread_number", threads_started)
  threads_started = threads_started + 1
end

-- Runs in each thread's own state: load this scenario's requests.
function init(args)
  local scenario, file = args[1], args[2]
  local pattern = "^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)$"
  for line in io.lines(file) do
    local name, method, target, authorization, body = line:match(pattern)
    if name == scenario then
      local headers = {}
      if authorization ~= "-" then
        headers["Authorization"] = authorization
      end
      if body == "-" then
        body = nil
      else
        headers["Content-Type"] = "application/x-www-form-urlencoded"
      end
      prepared[#prepared + 1] = wrk.format(method, target, headers, body)
    end
  end
  if #prepared == 0 then
    error("no requests for scenario " .. tostring(scenario) .. " in " .. tostring(file))
  end
  -- Threads start apart so that they do not send the same credentials in step.
  position = (thread_number or 0) * 97 % #prepared + 1
end

function request()
  local r = prepared[position]
  position = position % #prepared + 1
  return r
end

-- Latencies are in microseconds; non2xx counts 4xx/5xx answers, socket_errors the rest.
function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format(
    "wrk-result requests=%d duration_us=%d non2xx=%d socket_errors=%d p50_us=%d p99_us=%d max_us=%d\n",
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
