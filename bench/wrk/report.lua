-- Shared by bench/wrk/*.lua: prints wrk's figures as one machine-readable line for bench/run.
local report = {}

local percentiles = { 50, 75, 90, 95, 99, 99.9, 99.99 }

-- `extra` maps names to numbers summed over the threads' globals of the same name.
function report.print(threads, summary, latency, extra_names)
  local e = summary.errors
  local parts = {
    string.format('"requests":%d', summary.requests),
    string.format('"duration_us":%d', summary.duration),
    string.format('"bytes":%d', summary.bytes),
    string.format('"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d,"status_ge_400":%d',
      e.connect, e.read, e.write, e.timeout, e.status),
    string.format('"latency_mean_us":%.1f,"latency_max_us":%d', latency.mean, latency.max),
  }
  local p = {}
  for _, q in ipairs(percentiles) do
    table.insert(p, string.format('"%s":%d', tostring(q), latency:percentile(q)))
  end
  table.insert(parts, '"latency_us":{' .. table.concat(p, ",") .. '}')
  for _, name in ipairs(extra_names) do
    local total = 0
    for _, thread in ipairs(threads) do total = total + (thread:get(name) or 0) end
    table.insert(parts, string.format('"%s":%d', name, total))
  end
  io.write("BENCH_RESULT {" .. table.concat(parts, ",") .. "}\n")
end

return report
