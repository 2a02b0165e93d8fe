-- wrk script for bench/listing.sh's "case:N" reads: GET /v1/cases/$CASE_ID
-- (the long case), or with the argument "note", agent notes posted to it
-- (how the case gets its events).
local id = os.getenv("CASE_ID")
local note = false
function init(args) note = args[1] == "note" end
function request()
  if note then
    return wrk.format("POST", "/v1/cases/" .. id .. "/events",
      { ["Authorization"] = "Bearer demo-agent-token", ["Content-Type"] = "application/json" },
      '{"type":"agent.note","data":{"note":"called the customer back about the parcel"}}')
  end
  return wrk.format("GET", "/v1/cases/" .. id, { ["Authorization"] = "Bearer demo-read-token" })
end
