-- wrk script: every request records a one-item sale. Settings come from the environment:
-- BAKERY_TOKEN (bearer token), BAKERY_PRODUCTS (comma-separated product ids, picked in turn),
-- BAKERY_QUANTITY (units per sale, default 1). With BAKERY_GET set, every request is instead
-- wrk's own GET of the URL it was given (headers from -H), counted and reported the same way.
-- BAKERY_EXTRA, when set, is JSON appended to every sale's body (the counter variant:
-- ',"till_session_id":1,"payments":[...]').
local token = os.getenv("BAKERY_TOKEN")
local extra = os.getenv("BAKERY_EXTRA") or ""
local quantity = os.getenv("BAKERY_QUANTITY") or "1"
local products = {}
for id in string.gmatch(os.getenv("BAKERY_PRODUCTS") or "1", "%d+") do
  products[#products + 1] = id
end

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", #threads)
  threads[#threads + 1] = thread
end

function init(args)
  created = 0
  other = 0
  conflicts = 0
  responses = 0
  counter = id or 0
end

function sale()
  counter = counter + 1
  local product = products[(counter % #products) + 1]
  local body = '{"items":[{"product_id":' .. product .. ',"quantity":"' .. quantity .. '"}]' ..
    extra .. '}'
  return wrk.format("POST", "/api/v1/sales", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }, body)
end

if not os.getenv("BAKERY_GET") then
  request = sale
end

function response(status, headers, body)
  responses = responses + 1
  if status >= 200 and status < 300 then
    created = created + 1
  elseif status == 409 then
    conflicts = conflicts + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local c, k, o = 0, 0, 0
  for _, thread in ipairs(threads) do
    c = c + thread:get("created")
    k = k + thread:get("conflicts")
    o = o + thread:get("other")
  end
  io.write(string.format(
    'BAKERY_RESULT {"requests":%d,"duration_us":%d,"created":%d,"conflicts":%d,"other":%d,' ..
    '"socket_errors":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, c, k, o,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean))
end
