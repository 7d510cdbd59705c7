#!/usr/bin/env bash
# Side-by-side benchmark: the seed's Python pipeline against `apispm scan` on the same
# synthetic seed-format records, whole-process wall time (best of RUNS), plus peak memory of
# apispm at two log sizes to show it does not grow with the log. Then the gateway run: the
# same generator's Kong file-log records (KONG_RECORDS, concrete URLs, templates inferred),
# compared by records per second with the seed pipeline on the seed-format file.
#
#   scripts/bench-vs-seed.sh [RECORDS=200000] [RUNS=3] [KONG_RECORDS=1000000]
#
# Needs python3 and the shared tools (SHARED=../shared by default). Writes to bench-out/.
# APISPM_BIN=path measures a prebuilt binary; otherwise the release build is made (in
# CARGO_TARGET_DIR when set). On a shared machine wall times vary with the load: compare
# binaries with scripts/bench-instructions.sh, and time them when the machine is quiet.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200000}
RUNS=${2:-3}
KN=${3:-1000000}
SHARED=${SHARED:-../shared}
OUT=bench-out
mkdir -p "$OUT"
if [[ -n ${APISPM_BIN:-} ]]; then
  BIN=$APISPM_BIN
else
  cargo build --release -q -p apispm-cli
  BIN=${CARGO_TARGET_DIR:-target}/release/apispm
fi

gen() { # gen N DIR
  [[ -s $2/seed.jsonl ]] || python3 "$SHARED/tools/gen_traffic.py" "$2" "$1" 31 --consistent >/dev/null
}
best() { # best wall seconds and peak RSS (KiB) over RUNS runs of a command
  local b=999999 rss=0 t r
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" -o "$OUT/time" "$@" >/dev/null 2>"$OUT/stderr" || { cat "$OUT/stderr"; exit 1; }
    read -r t r <"$OUT/time"
    b=$(python3 -c "print(min($b, $t))"); rss=$r
  done
  echo "$b $rss"
}

gen "$N" "$OUT/n"
gen $((N / 2)) "$OUT/half"
gen $((N * 2)) "$OUT/double"
echo "records: $N ($(du -h "$OUT/n/seed.jsonl" | cut -f1)), runs: best of $RUNS, cores: $(nproc)"
read -r py _ < <(RUNS=1 best python3 "$SHARED/tools/seed_reference.py" "$OUT/n/seed.jsonl")
read -r rs rss < <(best "$BIN" scan --quiet --logs "$OUT/n/seed.jsonl" --log-format seed --format json -o "$OUT/report.json")
read -r rs1 _ < <(best "$BIN" scan --quiet --threads 1 --logs "$OUT/n/seed.jsonl" --log-format seed --format json -o "$OUT/report1.json")
read -r _ m_half < <(best "$BIN" scan --quiet --logs "$OUT/half/seed.jsonl" --log-format seed --format json -o "$OUT/r-half.json")
read -r _ m_double < <(best "$BIN" scan --quiet --logs "$OUT/double/seed.jsonl" --log-format seed --format json -o "$OUT/r-double.json")
python3 - "$py" "$rs" "$rs1" "$rss" "$m_half" "$m_double" "$N" <<'PY'
import sys
py, rs, rs1, rss, mh, md, n = (float(x) for x in sys.argv[1:])
print(f"seed pipeline (python)   {py:8.2f} s   {n/py:12,.0f} records/s")
print(f"apispm scan, 1 thread    {rs1:8.3f} s   {n/rs1:12,.0f} records/s")
print(f"apispm scan, all cores   {rs:8.3f} s   {n/rs:12,.0f} records/s   peak RSS {rss/1024:.0f} MiB")
print(f"speed-up vs seed: {py/rs:.1f}x (target >= 20x); cores speed-up {rs1/rs:.2f}x")
print(f"peak RSS at {n/2:,.0f} records {mh/1024:.0f} MiB, at {n*2:,.0f} records {md/1024:.0f} MiB: ratio {md/mh:.2f} (target <= 1.5)")
PY

gen "$KN" "$OUT/kong"
echo "kong records: $KN ($(du -h "$OUT/kong/kong.jsonl" | cut -f1))"
read -r kr krss < <(best "$BIN" scan --quiet --logs "$OUT/kong/kong.jsonl" --format json -o "$OUT/kong-report.json")
python3 - "$py" "$N" "$kr" "$KN" "$krss" <<'PY'
import sys
py, n, kr, kn, krss = (float(x) for x in sys.argv[1:])
seed_rate, kong_rate = n / py, kn / kr
print(f"apispm scan, kong format {kr:8.3f} s   {kong_rate:12,.0f} records/s   peak RSS {krss/1024:.0f} MiB")
print(f"kong records/s vs the seed pipeline's records/s: {kong_rate/seed_rate:.1f}x (target >= 25x)")
PY
