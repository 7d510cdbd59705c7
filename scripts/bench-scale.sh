#!/usr/bin/env bash
# The scale-out benchmark behind docs/scaling.md. Runs the `bench_scale` example of
# apispm-stream (see its header) against the PostgreSQL at APISPM_TEST_POSTGRES (default
# postgres://postgres@127.0.0.1:5432/test; each run in a fresh schema, dropped after) and the
# NATS server at APISPM_TEST_NATS (default nats://127.0.0.1:4222):
#
#   1. per-worker throughput and where the time goes (parsing and keying vs the store), by
#      number of distinct endpoints (10^2, 10^4, 10^6; seed format, declared templates);
#   2. the same with 1, 2 and 4 workers writing one database (store contention), each worker
#      taking every W-th batch of all traffic or only its own services (a topic keyed by
#      service);
#   3. distinct concrete URLs over 1,000 templates (Kong format, templates learned): typed
#      integer ids vs untyped lowercase words;
#   4. batch size;
#   5. SQLite for comparison;
#   6. end to end through NATS JetStream with 1 and 2 workers.
#
#   scripts/bench-scale.sh [RECORDS=100000]
#
# Prints a table and writes every run as JSON to bench-out/scale.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
PG=${APISPM_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}
NATS=${APISPM_TEST_NATS:-nats://127.0.0.1:4222}
OUT=bench-out
mkdir -p "$OUT"
cargo build --release -q -p apispm-stream --example bench_scale
B=target/release/examples/bench_scale
: >"$OUT/scale.jsonl"
echo "records per run: $N; cores: $(nproc); load: $(cut -d' ' -f1-3 /proc/loadavg)"

run=0
fresh() { # a new schema: sets SCHEMA and URL
  run=$((run + 1))
  SCHEMA="apispm_bench_$$_$run"
  local sep='?'; [[ "$PG" == *\?* ]] && sep='&'
  URL="$PG${sep}schema=$SCHEMA"
}
drop() {
  psql -q "$PG" -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null 2>&1 || true
}
pipe() { # pipeline options…
  fresh
  "$B" pipeline --db "$URL" --records "$N" "$@" | tee -a "$OUT/scale.jsonl" >/dev/null
  drop
}

for e in 100 10000 1000000; do pipe --endpoints "$e" --batch 5000 --workers 1; done
for w in 2 4; do
  pipe --endpoints 10000 --batch 5000 --workers "$w" --partition batch
  pipe --endpoints 10000 --batch 5000 --workers "$w" --partition service
done
for u in 1000 100000 1000000; do
  pipe --urls "$u" --ids int --batch 5000 --workers 1
  pipe --urls "$u" --ids name --batch 5000 --workers 1
done
for b in 500 20000; do pipe --endpoints 10000 --batch "$b" --workers 1; done
rm -f "$OUT"/bench-sqlite.db*
"$B" pipeline --db "$OUT/bench-sqlite.db" --records "$N" --endpoints 10000 --batch 5000 --workers 1 \
  | sed 's/"mode":"pipeline"/"mode":"pipeline-sqlite"/' >>"$OUT/scale.jsonl"
rm -f "$OUT"/bench-sqlite.db*
for w in 1 2; do
  fresh
  "$B" nats --db "$URL" --nats "$NATS" --records "$N" --batch 1000 --workers "$w" >>"$OUT/scale.jsonl"
  drop
done

python3 - "$OUT/scale.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print(f"{'run':<46} {'workers':>7} {'records/s':>10} {'/worker':>9} {'parse+key /s':>13} {'store /s':>9} {'store %':>7} {'rows/batch':>10} {'keys':>8}")
for r in rows:
    if r["mode"] == "nats":
        name = f"NATS e2e, batch {r['batch']}"
        print(f"{name:<46} {r['workers']:>7} {r['records_per_s']:>10,.0f} {r['per_worker_records_per_s']:>9,.0f}")
        continue
    if r["format"] == "seed":
        name = f"{r['endpoints']:,} endpoints, batch {r['batch']}"
    else:
        name = f"{r['urls']:,} URLs ({r['ids']} ids), batch {r['batch']}"
    if r["mode"] == "pipeline-sqlite":
        name = "SQLite: " + name
    if r["workers"] > 1:
        name += f", by {r['partition']}"
    print(f"{name:<46} {r['workers']:>7} {r['records_per_s']:>10,.0f} {r['per_worker_records_per_s']:>9,.0f}"
          f" {r['build_records_per_s_per_worker']:>13,.0f} {r['store_records_per_s_per_worker']:>9,.0f}"
          f" {100*r['store_share']:>6.0f}% {r['rows_per_batch']:>10,.0f} {r['stored_keys']:>8,}")
PY
