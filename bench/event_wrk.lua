-- wrk script: agent notes, with the demo agent token, spread over the cases
-- named in CASES (ids separated by spaces): bench/threads.sh's events run.
local ids, n = {}, 0
for id in (os.getenv("CASES") or ""):gmatch("%S+") do ids[#ids + 1] = id end
function request()
  n = n + 1
  return wrk.format("POST", "/v1/cases/" .. ids[n % #ids + 1] .. "/events",
    { ["Authorization"] = "Bearer demo-agent-token", ["Content-Type"] = "application/json" },
    '{"type":"agent.note","data":{"note":"Called the carrier about the parcel: no news yet."}}')
end
