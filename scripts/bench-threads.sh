#!/usr/bin/env bash
# Parallel ingestion on one machine: `apispm ingest` of one large Kong log with --threads 1
# and --threads 2 (wall time, best of RUNS, into a fresh SQLite database each run), the same
# for `scan`, and a check that both thread counts store the same state: the reports of a
# snapshot taken after each are compared (minus nothing: they must be byte-identical JSON
# once parsed).
#
#   scripts/bench-threads.sh [RECORDS=400000] [RUNS=3]
#
# Needs python3 and the shared generator (SHARED=../shared). Writes to bench-out/threads/.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-400000}
RUNS=${2:-3}
SHARED=${SHARED:-../shared}
OUT=bench-out/threads
mkdir -p "$OUT"
[[ -x target/release/apispm && -z "${REBUILD:-}" ]] || cargo build --release -q -p apispm-cli
BIN=target/release/apispm
LOG="$OUT/kong-$N/kong.jsonl"
[[ -s $LOG ]] || python3 "$SHARED/tools/gen_traffic.py" "$OUT/kong-$N" "$N" 41 >/dev/null

best() { # best wall seconds over RUNS runs of a command (a fresh database each run)
  local b=999999 t
  for _ in $(seq "$RUNS"); do
    rm -f "$OUT"/run.db*
    /usr/bin/time -f "%e" -o "$OUT/time" "$@" >/dev/null 2>"$OUT/stderr" || { cat "$OUT/stderr"; exit 1; }
    t=$(cat "$OUT/time")
    b=$(python3 -c "print(min($b, $t))")
  done
  echo "$b"
}

echo "log: $N Kong records ($(du -h "$LOG" | cut -f1)), cores: $(nproc), load: $(cut -d' ' -f1-3 /proc/loadavg), best of $RUNS"
i1=$(best "$BIN" ingest --db "$OUT/run.db" --logs "$LOG" --log-format kong --no-snapshot -q -j 1)
i2=$(best "$BIN" ingest --db "$OUT/run.db" --logs "$LOG" --log-format kong --no-snapshot -q -j 2)
s1=$(best "$BIN" scan --logs "$LOG" --log-format kong --format json -o "$OUT/scan.json" -q -j 1)
s2=$(best "$BIN" scan --logs "$LOG" --log-format kong --format json -o "$OUT/scan.json" -q -j 2)

# Same state: ingest with each thread count, snapshot, compare the reports.
for j in 1 2; do
  rm -f "$OUT/j$j.db"*
  "$BIN" ingest --db "$OUT/j$j.db" --logs "$LOG" --log-format kong -q -j "$j" >/dev/null
  "$BIN" report --db "$OUT/j$j.db" --format json -o "$OUT/j$j.json"
done
python3 - "$N" "$i1" "$i2" "$s1" "$s2" "$OUT/j1.json" "$OUT/j2.json" <<'PY'
import json, sys
n, i1, i2, s1, s2 = (float(x) for x in sys.argv[1:6])
a, b = (json.load(open(p)) for p in sys.argv[6:8])
for r in (a, b):
    r["ingest"].pop("batches", None)
print(f"ingest -j1  {i1:7.2f} s  {n/i1:10,.0f} records/s")
print(f"ingest -j2  {i2:7.2f} s  {n/i2:10,.0f} records/s   speed-up {i1/i2:.2f}x")
print(f"scan   -j1  {s1:7.2f} s  {n/s1:10,.0f} records/s")
print(f"scan   -j2  {s2:7.2f} s  {n/s2:10,.0f} records/s   speed-up {s1/s2:.2f}x")
same = a == b
print(f"reports of -j1 and -j2 snapshots identical: {same} ({a['total_apis']} endpoints, {a['ingest']['records']} records)")
sys.exit(0 if same else 1)
PY
