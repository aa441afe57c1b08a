-- Warm-ups (scripts/bench_serve.sh, bench_nodes.sh): counts every response that is not exactly 200.
local threads = {}
setup = function(thread) table.insert(threads, thread) end
init = function(args) not200 = 0 end
response = function(status, headers, body)
   if status ~= 200 then not200 = not200 + 1 end
end
done = function(summary, latency, requests)
   local n = 0
   for _, t in ipairs(threads) do n = n + t:get("not200") end
   local e = summary.errors
   io.write(string.format("CHECK requests=%d not200=%d connect=%d read=%d write=%d timeout=%d\n",
      summary.requests, n, e.connect, e.read, e.write, e.timeout))
end
