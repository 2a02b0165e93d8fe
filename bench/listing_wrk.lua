-- wrk script for bench/listing.sh: GET /v1/cases with a filter no stored
-- case matches, so every call scans as far as its budget lets it.
function request()
  return wrk.format("GET", "/v1/cases?status=rejected&limit=500",
    { ["Authorization"] = "Bearer demo-read-token" })
end
