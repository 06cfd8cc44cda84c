-- GET of the URL's path on keep-alive connections, with the Cookie header from BENCH_COOKIE
-- (a logged-in session; empty for nginx-static-token). Any answer other than 2xx is an error.
package.path = os.getenv("BENCH_WRK_DIR") .. "/?.lua;" .. package.path
local report = require("report")

local cookie = os.getenv("BENCH_COOKIE") or ""
if cookie ~= "" then wrk.headers["Cookie"] = cookie end
wrk.headers["Accept"] = "application/json"

local threads = {}
function setup(thread) table.insert(threads, thread) end

function init(args) non2xx = 0 end

function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end

function done(summary, latency, requests) report.print(threads, summary, latency, { "non2xx" }) end
