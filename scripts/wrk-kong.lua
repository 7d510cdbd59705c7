-- wrk script for scripts/load-ingest.sh: POST one Kong http-log batch (a JSON array) with the
-- bearer token. BODY names the file holding the batch; APISPM_TOKEN is the token.
local f = assert(io.open(os.getenv("BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("APISPM_TOKEN")
