-- One browser login per iteration, three requests on the peer:
--   1. GET /auth/login                       302 to the authorize page, sets the login cookie(s)
--   2. GET /auth/callback?code=…&state=…     the peer exchanges the code and calls /me upstream;
--                                            302 with the session cookie
--   3. GET /auth/session                     200 {"authenticated":true,…}
-- The authorize page itself (the IdP's work) is skipped: the upstream approves any code.
-- wrk's Lua has no per-connection state, so bench/run gives every thread one connection
-- (-t N -c N) and the steps run in order on it. Each iteration starts with an empty cookie jar.
package.path = os.getenv("BENCH_WRK_DIR") .. "/?.lua;" .. package.path
local report = require("report")

local threads = {}
function setup(thread) table.insert(threads, thread) end

local step, jar, state

function init(args)
  step, jar, state = 1, {}, nil
  logins, failed_logins, unexpected = 0, 0, 0
end

local function header(headers, name)
  for key, value in pairs(headers) do
    if key:lower() == name then return value end
  end
  return nil
end

local function cookie_header()
  local pairs_ = {}
  for name, value in pairs(jar) do table.insert(pairs_, name .. "=" .. value) end
  return table.concat(pairs_, "; ")
end

function request()
  if step == 1 then
    jar, state = {}, nil
    return wrk.format("GET", "/auth/login?return_to=/app", { ["Accept"] = "text/html" })
  elseif step == 2 then
    return wrk.format("GET", "/auth/callback?code=bench-code&state=" .. state,
      { ["Cookie"] = cookie_header(), ["Accept"] = "text/html" })
  else
    return wrk.format("GET", "/auth/session", { ["Cookie"] = cookie_header(), ["Accept"] = "application/json" })
  end
end

local function fail()
  failed_logins = failed_logins + 1
  step = 1
end

function response(status, headers, body)
  -- wrk keeps one value per header name; each of these answers sets one cookie.
  local set_cookie = header(headers, "set-cookie")
  if set_cookie then
    local name, value = set_cookie:match("^%s*([^=;]+)=([^;]*)")
    if name then jar[name] = value end
  end
  if step == 1 then
    local location = header(headers, "location") or ""
    state = location:match("[?&]state=([^&]+)")
    if status ~= 302 or not state then unexpected = unexpected + 1; return fail() end
    step = 2
  elseif step == 2 then
    if status ~= 302 then unexpected = unexpected + 1; return fail() end
    step = 3
  else
    if status ~= 200 or not body:find('"authenticated":true', 1, true) then unexpected = unexpected + 1; return fail() end
    logins = logins + 1
    step = 1
  end
end

function done(summary, latency, requests)
  report.print(threads, summary, latency, { "logins", "failed_logins", "unexpected" })
end
