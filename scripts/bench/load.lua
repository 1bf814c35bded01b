-- wrk script used by scripts/bench.py. Arguments (after `--`):
--   MODE FILE RUN [PATH]
-- MODE: transfer (donate 1 coin to another user at random, a unique Idempotency-Key each),
--       get (GET PATH) or post (POST PATH, no body). In PATH "{order}" becomes the caller's order
--       id and "{aid}" a pgbench account at random (1..1,000,000, scale 10; the stack probe).
-- FILE: one caller per line: "ACCESS_TOKEN USER_ID ORDER_ID". Each request picks one at random.
-- Prints one line "BENCH {json}" with requests, duration, p50/p99 and non-2xx counts.

local threads = {}
local next_tid = 0

function setup(thread)
   next_tid = next_tid + 1
   thread:set("tid", next_tid)
   table.insert(threads, thread)
end

local callers = {}
local mode, run, path
local counter = 0
non2xx = 0

function init(args)
   mode, run, path = args[1], args[3], args[4]
   for line in io.lines(args[2]) do
      local token, user, order = line:match("^(%S+) (%S+) (%S+)")
      if token then
         table.insert(callers, { token = token, user = user, order = order })
      end
   end
   math.randomseed(os.time() * 1000 + tid)
end

function request()
   local me = callers[math.random(#callers)]
   local headers = { ["authorization"] = "Bearer " .. me.token }
   if mode == "transfer" then
      local to = me
      while to == me do
         to = callers[math.random(#callers)]
      end
      counter = counter + 1
      headers["content-type"] = "application/json"
      headers["idempotency-key"] = run .. "-" .. tid .. "-" .. counter
      local body = '{"to_user_id":"' .. to.user .. '","asset":"coin","amount":1}'
      return wrk.format("POST", "/api/v1/transfers", headers, body)
   end
   local target = path:gsub("{order}", me.order):gsub("{aid}", tostring(math.random(1000000)))
   return wrk.format(mode == "post" and "POST" or "GET", target, headers)
end

function response(status, headers, body)
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
   end
end

function done(summary, latency, requests)
   local bad = 0
   for _, t in ipairs(threads) do
      bad = bad + (t:get("non2xx") or 0)
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,"non2xx":%d,"socket_errors":%d}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
      bad, e.connect + e.read + e.write + e.timeout))
end
