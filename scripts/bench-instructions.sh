#!/usr/bin/env bash
# Instructions per record of `apispm scan` on the generator's Kong records, counted by
# callgrind (valgrind), with one worker thread. Unlike wall time this does not move with
# whatever else the machine is running, so it is the figure to compare builds by; it does not
# see cache misses or mispredicted branches, so confirm a change with timings too.
#
#   scripts/bench-instructions.sh [RECORDS=100000] [BINARY...]
#
# Without binaries, the release build is measured (built in CARGO_TARGET_DIR when set). The
# total includes the fixed cost of assessing and reporting the ~1,000 endpoints (about 1.4k
# instructions per record at 100k records, a tenth of that at 1M). Writes to bench-out/.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
shift || true
SHARED=${SHARED:-../shared}
OUT=bench-out
mkdir -p "$OUT"
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 2; }
if [[ $# -eq 0 ]]; then
  cargo build --release -q -p apispm-cli
  set -- "${CARGO_TARGET_DIR:-target}/release/apispm"
fi
DIR=$OUT/ins-$N
[[ -s $DIR/kong.jsonl ]] || python3 "$SHARED/tools/gen_traffic.py" "$DIR" "$N" 31 --consistent >/dev/null
for bin in "$@"; do
  valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.out" \
    "$bin" scan --quiet --threads 1 --logs "$DIR/kong.jsonl" --format json -o "$OUT/ins-report.json" \
    2>"$OUT/callgrind.log"
  total=$(grep -o 'Collected : [0-9]*' "$OUT/callgrind.log" | grep -o '[0-9]*$')
  python3 - "$bin" "$total" "$N" <<'PY'
import sys
b, t, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
print(f"{b}: {t:,} instructions, {t / n:,.0f} per record ({n:,} Kong records, one worker)")
PY
done
