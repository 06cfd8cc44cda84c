-- GET of the URL's path on keep-alive connections. Headers from the environment, each sent only
-- when set and not empty: Cookie from BENCH_COOKIE (a logged-in session; empty for
-- nginx-static-token), Authorization from BENCH_AUTHORIZATION and Intercom-Workspace-Id from
-- BENCH_WORKSPACE (a service on the gateway's internal listener). Any answer other than 2xx is an error.
package.path = os.getenv("BENCH_WRK_DIR") .. "/?.lua;" .. package.path
local report = require("report")

local function header_from_env(name, variable)
  local value = os.getenv(variable) or ""
  if value ~= "" then wrk.headers[name] = value end
end
header_from_env("Cookie", "BENCH_COOKIE")
header_from_env("Authorization", "BENCH_AUTHORIZATION")
header_from_env("Intercom-Workspace-Id", "BENCH_WORKSPACE")
wrk.headers["Accept"] = "application/json"

local threads = {}
function setup(thread) table.insert(threads, thread) end

function init(args) non2xx = 0 end

function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end

function done(summary, latency, requests) report.print(threads, summary, latency, { "non2xx" }) end
