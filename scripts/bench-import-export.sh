#!/usr/bin/env bash
# Speed and peak memory of importing other tools' reports (`scan --findings`) and of writing
# SIEM exports, on generated large reports built from the corpus samples:
#   - a SARIF log with N CodeQL results (the corpus results repeated, lines renumbered),
#   - Nuclei JSON lines with N results (the secureCodeBox samples repeated),
# against the bundled example traffic (examples/traffic.jsonl). Usage: N=100000 $0
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=target/release/apispm
[ -x "$BIN" ] || cargo build --release -p apispm-cli
N=${N:-100000}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
F=crates/apispm-import/tests/fixtures
python3 - "$W" "$N" "$F" <<'PY'
import copy, json, sys
w, n, f = sys.argv[1], int(sys.argv[2]), sys.argv[3]
doc = json.load(open(f"{f}/defectdojo/sarif/codeQL-output.sarif"))
res = doc["runs"][0]["results"]
out = []
for i in range(n):
    r = copy.deepcopy(res[i % len(res)])
    r["locations"][0]["physicalLocation"]["region"]["startLine"] = 1 + i
    out.append(r)
doc["runs"][0]["results"] = out
json.dump(doc, open(f"{w}/big.sarif", "w"))
lines = [l for p in ("example-com-test.jsonl", "secureCodeBox-test.jsonl")
         for l in open(f"{f}/securecodebox/nuclei/{p}") if l.strip()]
with open(f"{w}/big.jsonl", "w") as o:
    for i in range(n):
        o.write(lines[i % len(lines)])
PY
run() { # label, args...
  local label=$1; shift
  local best=""
  for _ in 1 2 3; do
    /usr/bin/time -f "%e %M" -o "$W/t" "$BIN" "$@" >/dev/null
    read -r s kib < "$W/t"
    if [ -z "$best" ] || awk "BEGIN{exit !($s < ${best%% *})}"; then best="$s $kib"; fi
  done
  read -r s kib <<< "$best"
  printf '%-44s %8s s %8s MiB\n' "$label" "$s" "$((kib / 1024))"
}
ls -la "$W"/big.* | awk '{printf "%s %d MB\n", $NF, $5/1000000}'
LOGS=(-q --logs examples/traffic.jsonl)
run "scan (no findings)" scan "${LOGS[@]}" -f json -o "$W/r.json"
run "scan --findings big.sarif ($N results)" scan "${LOGS[@]}" --findings "$W/big.sarif" -f json -o "$W/r.json"
run "scan --findings big.jsonl ($N results)" scan "${LOGS[@]}" --findings "$W/big.jsonl" -f json -o "$W/r.json"
run "scan --findings both -f sarif" scan "${LOGS[@]}" --findings "$W/big.sarif" --findings "$W/big.jsonl" -f sarif -o "$W/r.sarif"
run "export elastic --out (both)" export elastic "${LOGS[@]}" --findings "$W/big.sarif" --findings "$W/big.jsonl" --out "$W/bulk.ndjson"
run "export splunk-hec --out (both)" export splunk-hec "${LOGS[@]}" --findings "$W/big.sarif" --findings "$W/big.jsonl" --out "$W/hec.json"
