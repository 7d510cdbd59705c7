#!/usr/bin/env bash
# HTTP ingestion throughput of `apispm serve` on loopback: Kong http-log batches from the
# project's load generator (and from wrk when it is installed), then records stored == records
# acknowledged, checked against the store's own totals (/metrics apispm_store_records).
#
#   scripts/load-ingest.sh [SECONDS] [BATCH] [CONNECTIONS]
#
# Prints one JSON line per run and a summary. Figures go to docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -f "$HOME/.cargo/env" ]] && source "$HOME/.cargo/env"

SECS=${1:-20}
BATCH=${2:-100}
CONNS=${3:-4}
PORT=${PORT:-18931}
DATA=${DATA:-crates/apispm-cli/tests/fixtures/kong-consistent-3k.jsonl}

# APISPM_BIN / LOADGEN name prebuilt binaries; otherwise both are built (release).
BIN=${APISPM_BIN:-target/release/apispm}
LOADGEN_SET=${LOADGEN:-}
LOADGEN=${LOADGEN:-target/release/examples/loadgen}
[[ -n "${APISPM_BIN:-}" ]] || cargo build --release -q -p apispm-cli
[[ -n "${LOADGEN_SET:-}" ]] || cargo build --release -q -p apispm-server --example loadgen

WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
  [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
export APISPM_TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')

metric() { # NAME -> value from /metrics
  curl -sf -H "Authorization: Bearer $APISPM_TOKEN" "http://127.0.0.1:$PORT/metrics" |
    awk -v n="$1" '$1 == n { print $2 }'
}

start_server() {
  rm -f "$WORK"/load.db*
  "$BIN" serve --db "$WORK/load.db" --listen "127.0.0.1:$PORT" --snapshot-interval off \
    2>"$WORK/serve.log" &
  SERVER_PID=$!
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && return 0
    sleep 0.1
  done
  echo "server did not start:"; cat "$WORK/serve.log"; exit 1
}

stop_server() {
  kill -TERM "$SERVER_PID"
  wait "$SERVER_PID"
  SERVER_PID=
}

run_loadgen() { # BATCH CONNS SECS
  start_server
  local out
  out=$("$LOADGEN" --url "http://127.0.0.1:$PORT" --file "$DATA" --batch "$1" \
    --connections "$2" --duration "$3")
  local acked stored commits sum
  acked=$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["acked_records"])')
  stored=$(metric apispm_store_records)
  commits=$(metric apispm_ingest_commit_seconds_count)
  sum=$(metric apispm_ingest_commit_seconds_sum)
  stop_server
  echo "$out"
  python3 - "$out" "$stored" "$commits" "$sum" <<'EOF'
import json, sys
r = json.loads(sys.argv[1]); stored = int(float(sys.argv[2]))
commits = int(float(sys.argv[3])); csum = float(sys.argv[4])
ok = "OK" if stored == r["acked_records"] else "MISMATCH"
print(f"  batch {r['batch']:>4} x {r['connections']} connections: {r['records_per_s']:,.0f} records/s "
      f"({r['requests_per_s']:,.0f} requests/s), latency p50 {r['latency_ms']['p50']} ms "
      f"p99 {r['latency_ms']['p99']} ms; group commits {commits} (mean {1000*csum/max(commits,1):.1f} ms, "
      f"{r['acked_requests']/max(commits,1):.1f} requests each); stored {stored:,} == acknowledged "
      f"{r['acked_records']:,}: {ok}")
if stored != r["acked_records"]:
    sys.exit(1)
EOF
}

echo "== apispm serve ingestion, loopback, $(nproc) cores, ${SECS}s per run"
run_loadgen "$BATCH" "$CONNS" "$SECS"
run_loadgen 1 "$CONNS" "$SECS"

if command -v wrk >/dev/null; then
  echo "== wrk (C client, less client CPU), batch $BATCH"
  start_server
  python3 - "$DATA" "$BATCH" "$WORK/body.json" <<'EOF'
import sys
lines = [l for l in open(sys.argv[1]) if l.strip()][: int(sys.argv[2])]
open(sys.argv[3], "w").write("[" + ",".join(l.strip() for l in lines) + "]")
EOF
  BODY="$WORK/body.json" wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -s scripts/wrk-kong.lua \
    "http://127.0.0.1:$PORT/api/v1/ingest/kong" >"$WORK/wrk.txt"
  stored=$(metric apispm_store_records)
  stop_server
  python3 - "$WORK/wrk.txt" "$stored" "$BATCH" "$SECS" <<'EOF'
import re, sys
t = open(sys.argv[1]).read(); stored = int(float(sys.argv[2])); batch = int(sys.argv[3])
reqs = int(re.search(r"(\d+) requests in", t).group(1))
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
non2xx = int(non2xx.group(1)) if non2xx else 0
secs = float(re.search(r"requests in ([\d.]+)s", t).group(1))
lat = dict(re.findall(r"\s+(50|99)%\s+([\d.]+\w+)", t))
acked = (reqs - non2xx) * batch
print(f"  wrk batch {batch}: {acked/secs:,.0f} records/s, latency p50 {lat.get('50')} p99 {lat.get('99')}; "
      f"stored {stored:,} vs {acked:,} acknowledged (wrk counts only completed requests; "
      f"requests cut at the end of the run may be stored too)")
EOF
fi
