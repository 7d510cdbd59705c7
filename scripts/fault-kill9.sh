#!/usr/bin/env bash
# kill -9 during HTTP ingestion, then restart: nothing acknowledged is lost, nothing is counted
# twice. Each round: the load generator posts numbered Kong batches with Idempotency-Keys, the
# server is killed with SIGKILL mid-stream, restarted on the same database, and then
#   1. stored records >= records acknowledged before the kill (committed means durable),
#   2. stored - acknowledged covers only requests that were in flight (committed, no answer yet),
#   3. after the client re-sends every request it attempted (same keys, as a retrying gateway
#      would), stored == attempted x batch exactly: nothing twice, nothing lost,
#   4. the database is readable: a snapshot is taken over everything.
# Then malformed, oversized and wrong-token requests against the restarted server.
#
#   scripts/fault-kill9.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -f "$HOME/.cargo/env" ]] && source "$HOME/.cargo/env"

ROUNDS=${1:-3}
PORT=${PORT:-18932}
BATCH=50
DATA=crates/apispm-cli/tests/fixtures/kong-consistent-3k.jsonl

# APISPM_BIN / LOADGEN name prebuilt binaries; otherwise both are built (release).
BIN=${APISPM_BIN:-target/release/apispm}
LOADGEN_SET=${LOADGEN:-}
LOADGEN=${LOADGEN:-target/release/examples/loadgen}
[[ -n "${APISPM_BIN:-}" ]] || cargo build --release -q -p apispm-cli
[[ -n "${LOADGEN_SET:-}" ]] || cargo build --release -q -p apispm-server --example loadgen

WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
  [[ -n "$SERVER_PID" ]] && kill -9 "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
export APISPM_TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
DB="$WORK/fault.db"

start_server() {
  "$BIN" serve --db "$DB" --listen "127.0.0.1:$PORT" --snapshot-interval off --max-body 1MiB \
    2>>"$WORK/serve.log" &
  SERVER_PID=$!
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && return 0
    sleep 0.1
  done
  echo "server did not start:"; cat "$WORK/serve.log"; exit 1
}

stored() {
  curl -sf -H "Authorization: Bearer $APISPM_TOKEN" "http://127.0.0.1:$PORT/metrics" |
    awk '$1 == "apispm_store_records" { print $2 }'
}

field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }

expected_total=0
for round in $(seq "$ROUNDS"); do
  start_server
  before=$(stored)
  # Far more requests than fit before the kill; the client stops at the first broken connection.
  "$LOADGEN" --url "http://127.0.0.1:$PORT" --file "$DATA" --batch $BATCH --connections 4 \
    --requests 1000000 --keys "round$round" >"$WORK/phase1.json" &
  LG=$!
  sleep "1.$((RANDOM % 9))"
  kill -9 "$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
  wait "$LG" || true
  p1=$(cat "$WORK/phase1.json")
  acked=$(field "$p1" acked_records)
  attempted=$(field "$p1" attempted_requests)
  inflight=$(python3 -c "import json,sys; print(len(json.loads(sys.argv[1])['unacked']))" "$p1")

  start_server
  after=$(stored)
  gained=$(( ${after%.*} - ${before%.*} ))
  echo "round $round: killed after $attempted requests; acknowledged $acked records, stored $gained (in doubt: $inflight requests = $((inflight * BATCH)) records)"
  if (( gained < acked )); then echo "FAIL: acknowledged records were lost"; exit 1; fi
  if (( gained > acked + inflight * BATCH )); then echo "FAIL: more stored than was sent"; exit 1; fi
  if (( gained % BATCH != 0 )); then echo "FAIL: a batch was stored in part"; exit 1; fi

  # The gateway retries everything it sent, with the same keys.
  p2=$("$LOADGEN" --url "http://127.0.0.1:$PORT" --file "$DATA" --batch $BATCH --connections 4 \
    --requests "$attempted" --keys "round$round")
  final=$(stored)
  expected_total=$(( expected_total + attempted * BATCH ))
  echo "round $round: after re-sending all $attempted requests: stored $((${final%.*})) total, expected $expected_total"
  if (( ${final%.*} != expected_total )); then echo "FAIL: double-counted or lost"; exit 1; fi
  snap=$(curl -sf -X POST -H "Authorization: Bearer $APISPM_TOKEN" "http://127.0.0.1:$PORT/api/v1/snapshots")
  echo "round $round: snapshot $(field "$snap" id) over $(field "$snap" endpoints) endpoints: database readable"
  kill -TERM "$SERVER_PID"; wait "$SERVER_PID"; SERVER_PID=
done

echo "== bad requests against a running server"
start_server
code() { curl -s -o "$WORK/body" -w '%{http_code}' "$@"; }
c=$(code -X POST -H "Authorization: Bearer $APISPM_TOKEN" --data-binary '{not json' "http://127.0.0.1:$PORT/api/v1/ingest/kong")
echo "malformed body: $c $(cat "$WORK/body")"; [[ $c == 400 ]]
head -c 2000000 /dev/zero | tr '\0' ' ' >"$WORK/big"
c=$(code -X POST -H "Authorization: Bearer $APISPM_TOKEN" --data-binary @"$WORK/big" "http://127.0.0.1:$PORT/api/v1/ingest/kong")
echo "2 MB body (limit 1 MiB): $c $(cat "$WORK/body")"; [[ $c == 413 ]]
c=$(code -X POST -H "Authorization: Bearer wrong-token-wrong-token" --data-binary @"$DATA" "http://127.0.0.1:$PORT/api/v1/ingest/kong")
echo "wrong token: $c $(cat "$WORK/body")"; [[ $c == 401 ]]
head -c 65536 /dev/urandom >"$WORK/random"
c=$(code -X POST -H "Authorization: Bearer $APISPM_TOKEN" --data-binary @"$WORK/random" "http://127.0.0.1:$PORT/api/v1/ingest/auto")
echo "64 KiB of random bytes: $c $(head -c 200 "$WORK/body")"; [[ $c == 400 ]]
curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && echo "server still healthy"
echo "fault-kill9: OK"
