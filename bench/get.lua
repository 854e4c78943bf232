-- wrk script: GET the path wrk was given, counting 2xx answers, and print the same
-- BAKERY_RESULT line as sale.lua. Used to measure the HTTP stack with no database work.
local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
end

function init(args)
  created = 0
  other = 0
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    created = created + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local c, o = 0, 0
  for _, thread in ipairs(threads) do
    c = c + thread:get("created")
    o = o + thread:get("other")
  end
  io.write(string.format(
    'BAKERY_RESULT {"requests":%d,"duration_us":%d,"created":%d,"conflicts":0,"other":%d,' ..
    '"socket_errors":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, c, o,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean))
end
