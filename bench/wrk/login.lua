-- One browser login per iteration, three requests on the peer:
--   1. GET /auth/login                       302 to the authorize page, sets the login cookie(s)
--   2. GET /auth/callback?code=…&state=…     the peer exchanges the code and calls /me upstream;
--                                            302 with the session cookie
--   3. GET /auth/session                     200 {"authenticated":true,…}
-- The authorize page itself (the IdP's work) is skipped: the upstream approves any code.
-- wrk's Lua has no per-connection state, so bench/run gives every thread one connection
-- (-t N -c N) and the steps run in order on it. Each iteration starts with an empty cookie jar,
-- except with BENCH_LOGIN_HOLD=1 (bench/run sets it for intercom-gateway): wrk hands response()
-- one value per header name, and the gateway's callback sets two cookies, the session and then the
-- clearing of its login-binding cookie (when no other login of that browser waits), so the session
-- cookie would be lost. There each connection first starts one login it never finishes (a request
-- not counted as a login) and starts every iteration with that login's binding cookie only: each
-- callback then has another login waiting, keeps the binding and sets just the session cookie.
-- After 5,000 logins it holds a fresh one: the gateway counts the logins a binding starts
-- (bench/peers/gateway/gateway.toml.in raises that bound to 10,000).
package.path = os.getenv("BENCH_WRK_DIR") .. "/?.lua;" .. package.path
local report = require("report")

local threads = {}
function setup(thread) table.insert(threads, thread) end

local hold = os.getenv("BENCH_LOGIN_HOLD") == "1"
local logins_per_hold = 5000
-- step 0: the held login (BENCH_LOGIN_HOLD); held: the cookies every iteration starts with;
-- started: the logins started with them.
local step, jar, state, held, started

function init(args)
  step, jar, state, held, started = hold and 0 or 1, {}, nil, {}, 0
  logins, failed_logins, unexpected = 0, 0, 0
end

local function copy(cookies)
  local out = {}
  for name, value in pairs(cookies) do out[name] = value end
  return out
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
  if step == 1 and hold and started >= logins_per_hold then step = 0 end
  if step == 0 then
    jar = {}
    return wrk.format("GET", "/auth/login?return_to=/app", { ["Accept"] = "text/html" })
  elseif step == 1 then
    jar, state, started = copy(held), nil, started + 1
    local cookie = cookie_header()
    return wrk.format("GET", "/auth/login?return_to=/app",
      { ["Cookie"] = cookie ~= "" and cookie or nil, ["Accept"] = "text/html" })
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
  -- wrk keeps one value per header name; each of these answers sets one cookie (see the top).
  local set_cookie = header(headers, "set-cookie")
  if set_cookie then
    local name, value = set_cookie:match("^%s*([^=;]+)=([^;]*)")
    if name then jar[name] = value end
  end
  if step == 0 then
    if status ~= 302 or not set_cookie then unexpected = unexpected + 1; failed_logins = failed_logins + 1; return end
    held, step, started = copy(jar), 1, 0
  elseif step == 1 then
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
