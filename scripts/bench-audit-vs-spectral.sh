#!/usr/bin/env bash
# Times `apispm audit` against Spectral's CLI with the OWASP ruleset on the same OpenAPI
# document (default: Stripe's spec3.json from the shared corpus), both writing JSON to a file.
# Spectral and the ruleset are installed from npm into a scratch folder; apispm is built in
# release mode. Prints every run, the medians, the ratio and both tools' finding counts.
#
#   scripts/bench-audit-vs-spectral.sh [SPEC]
#   SPECTRAL_RUNS=3 APISPM_RUNS=10 SPECTRAL_DIR=/tmp/spectral CARGO_TARGET_DIR=/work/target-audit
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SPEC=${1:-$ROOT/../shared/corpus/stripe-openapi/spec3.json}
SPECTRAL_RUNS=${SPECTRAL_RUNS:-3}
APISPM_RUNS=${APISPM_RUNS:-10}
SPECTRAL_DIR=${SPECTRAL_DIR:-/tmp/spectral}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/work/target-audit}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

[ -f "$SPEC" ] || { echo "no such document: $SPEC" >&2; exit 2; }

if [ ! -x "$SPECTRAL_DIR/node_modules/.bin/spectral" ] ||
   [ ! -d "$SPECTRAL_DIR/node_modules/@stoplight/spectral-owasp-ruleset" ]; then
    echo "installing @stoplight/spectral-cli and @stoplight/spectral-owasp-ruleset into $SPECTRAL_DIR" >&2
    mkdir -p "$SPECTRAL_DIR"
    (cd "$SPECTRAL_DIR" && { [ -f package.json ] || npm init -y >/dev/null; } &&
        npm install --no-audit --no-fund @stoplight/spectral-cli @stoplight/spectral-owasp-ruleset >&2)
fi
printf 'extends: ["@stoplight/spectral-owasp-ruleset"]\n' > "$SPECTRAL_DIR/.spectral.yaml"
SPECTRAL="$SPECTRAL_DIR/node_modules/.bin/spectral"

(cd "$ROOT" && cargo build --release -q -p apispm-cli)
APISPM="$CARGO_TARGET_DIR/release/apispm"

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

echo "document: $SPEC ($(wc -c < "$SPEC") bytes)"
echo "spectral-cli $("$SPECTRAL" --version), spectral-owasp-ruleset $(node -p "require('$SPECTRAL_DIR/node_modules/@stoplight/spectral-owasp-ruleset/package.json').version"), node $(node --version)"
echo "apispm: $("$APISPM" --version)"

: > "$OUT/spectral.times"
for i in $(seq "$SPECTRAL_RUNS"); do
    t0=$(now)
    # Spectral exits 1 when it reports errors, which is the point here.
    "$SPECTRAL" lint -q -r "$SPECTRAL_DIR/.spectral.yaml" -f json -o "$OUT/spectral.json" "$SPEC" || true
    t1=$(now)
    echo "$t1 - $t0" | bc -l | tee -a "$OUT/spectral.times" | sed "s/^/spectral run $i: /;s/$/ s/"
done

: > "$OUT/apispm.times"
for i in $(seq "$APISPM_RUNS"); do
    t0=$(now)
    "$APISPM" audit "$SPEC" --format json -o "$OUT/apispm.json"
    t1=$(now)
    echo "$t1 - $t0" | bc -l | tee -a "$OUT/apispm.times" | sed "s/^/apispm run $i: /;s/$/ s/"
done

S=$(median < "$OUT/spectral.times")
A=$(median < "$OUT/apispm.times")
SN=$(python3 -c "import json; print(sum(1 for r in json.load(open('$OUT/spectral.json')) if r['code'].startswith('owasp:')))")
AN=$(python3 -c "import json; d=json.load(open('$OUT/apispm.json')); print(sum(1 for f in d['findings'] if f['rule'].startswith('owasp:')), d['summary']['findings'])")
printf 'spectral median: %.3f s (%s owasp results)\n' "$S" "$SN"
printf 'apispm   median: %.3f s (%s owasp findings of %s in all)\n' "$A" ${AN}
printf 'ratio: %.1fx\n' "$(echo "$S / $A" | bc -l)"
