#!/usr/bin/env bash
# The posture database's own figures: `apispm ingest` of generated Kong records into a fresh
# SQLite database (read, bucket, merge, commit), the snapshot that follows, a re-ingest of the
# same file (recognised, nothing counted), and the database's size.
#
#   scripts/bench-ingest.sh [RECORDS=1000000]
#
# Needs python3 and the shared tools (SHARED=../shared by default). Writes to bench-out/.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
SHARED=${SHARED:-../shared}
OUT=bench-out/ingest
mkdir -p "$OUT"
cargo build --release -q
BIN=$PWD/target/release/apispm
[[ -s $OUT/kong.jsonl && $(wc -l <"$OUT/kong.jsonl") -eq $N ]] || {
  python3 "$SHARED/tools/gen_traffic.py" "$OUT/gen" "$N" 31 --consistent >/dev/null
  cp "$OUT/gen/kong.jsonl" "$OUT/kong.jsonl"
}
rm -f "$OUT"/bench.db*
timed() { /usr/bin/time -f "%e s, peak RSS %M KiB" "$@" 2>&1 >/dev/null | tail -1; }
echo "records: $N ($(du -h "$OUT/kong.jsonl" | cut -f1)), cores: $(nproc)"
echo -n "scan (no database)          "; timed "$BIN" scan -q --logs "$OUT/kong.jsonl" -f json -o /dev/null
echo -n "ingest, merge only          "; timed "$BIN" ingest -q --db "$OUT/bench.db" --logs "$OUT/kong.jsonl" --no-snapshot
echo -n "snapshot (7d window)        "; timed "$BIN" ingest -q --db "$OUT/bench.db" --logs "$OUT/kong.jsonl" -f json
echo -n "re-ingest (recognised)      "; timed "$BIN" ingest -q --db "$OUT/bench.db" --logs "$OUT/kong.jsonl" --no-snapshot
echo "database: $(du -h "$OUT/bench.db" | cut -f1), records stored: $("$BIN" report --db "$OUT/bench.db" -f json | python3 -c 'import json,sys; print(json.load(sys.stdin)["ingest"]["records"])')"
