-- The request of one bench/intake/run.sh measurement, from the environment:
--   INTAKE_METHOD (GET, POST), INTAKE_BODY (JSON text, optional), INTAKE_TOKEN (bearer,
--   optional), INTAKE_KEYS=1 for a distinct Idempotency-Key on every request, INTAKE_RUN (the
--   keys' prefix, distinct per measurement, visible ASCII without spaces as keys must be).
-- done() prints one JSON line of figures (latencies in microseconds) for run.sh's table.

local method = os.getenv("INTAKE_METHOD") or "GET"
local body = os.getenv("INTAKE_BODY") or ""
local token = os.getenv("INTAKE_TOKEN") or ""
local keyed = os.getenv("INTAKE_KEYS") == "1"
local run = os.getenv("INTAKE_RUN") or "run"

wrk.method = method
if body ~= "" then
   wrk.body = body
   wrk.headers["Content-Type"] = "application/json"
end
if token ~= "" then
   wrk.headers["Authorization"] = "Bearer " .. token
end

local threads = 0
function setup(thread)
   threads = threads + 1
   thread:set("thread_number", threads)
end

if keyed then
   local sent = 0
   function request()
      sent = sent + 1
      local headers = {}
      for name, value in pairs(wrk.headers) do
         headers[name] = value
      end
      headers["Idempotency-Key"] = string.format("%s-%d-%d", run, thread_number, sent)
      return wrk.format(nil, nil, headers, nil)
   end
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      '{"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,' ..
      '"non_2xx":%d,"socket_errors":%d}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency.max, e.status, e.connect + e.read + e.write + e.timeout))
end
