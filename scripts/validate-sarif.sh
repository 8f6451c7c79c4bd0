#!/usr/bin/env bash
# Validates mapvet's SARIF with Microsoft's SARIF multitool (npm package
# @microsoft/sarif-multitool), with GitHub's and the SARIF spec's rules
# (`--rule-kind "Gh;Sarif"`). The multitool exits 0 even when it finds
# problems, so this reads its output file and fails on any result.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --release --quiet
target/release/mapvet check --format sarif --sarif-category mapvet --output "$work/mapvet.sarif" \
  tests/data/output fixtures || [ $? -eq 1 ]
(cd "$work" && npm install --silent --no-audit --no-fund @microsoft/sarif-multitool >/dev/null 2>&1)
tool=$(find "$work/node_modules/@microsoft" -path '*sarif-multitool-linux/Sarif.Multitool' | head -n1)
"$tool" validate --rule-kind "Gh;Sarif" --output "$work/validation.sarif" "$work/mapvet.sarif" >/dev/null
python3 - "$work/validation.sarif" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["runs"]
results = [r for run in runs for r in run.get("results", [])]
for r in results:
    print(r.get("ruleId"), r.get("level", "warning"), json.dumps(r["message"]))
print(f"sarif-multitool (Gh;Sarif): {len(results)} result(s)")
sys.exit(1 if results else 0)
PY
