#!/usr/bin/env bash
# Validates action.yml against GitHub's action metadata schema and audits it
# with zizmor (both from PyPI, installed into a throwaway virtualenv).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$(mktemp -d)
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
"$venv/bin/pip" install -q check-jsonschema zizmor
"$venv/bin/check-jsonschema" --builtin-schema vendor.github-actions action.yml
"$venv/bin/zizmor" --offline action.yml
