#!/usr/bin/env bash
# Runs every nondeterminism program under fixtures/<rule>/nondet/<case>/ and
# checks that its output really depends on Go's map iteration order: each
# program is built once, then its binary is run up to NONDET_RUNS times
# (default 20), stopping as soon as two distinct outputs have been seen.
# A program passes when it carries a `// want` comment, every run exits 0,
# and at least two distinct outputs appear.
# Prints one line per program and exits non-zero if any program fails.
set -euo pipefail
cd "$(dirname "$0")/../fixtures"
export GOFLAGS=-mod=mod

runs="${NONDET_RUNS:-20}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

shopt -s nullglob
programs=(*/nondet/*/main.go)
if [ "${#programs[@]}" -eq 0 ]; then
	echo "FAIL no nondeterminism programs found under fixtures/*/nondet/" >&2
	exit 1
fi

failed=0
for main in "${programs[@]}"; do
	dir="$(dirname "$main")"
	if ! grep -q '// want "' "$main"; then
		echo "FAIL $dir (no // want comment)"
		failed=$((failed + 1))
		continue
	fi
	bin="$tmp/$(echo "$dir" | tr '/' '_')"
	if ! go build -o "$bin" "./$dir" >"$tmp/build.log" 2>&1; then
		echo "FAIL $dir (build failed)"
		sed 's/^/       /' "$tmp/build.log"
		failed=$((failed + 1))
		continue
	fi
	declare -A seen=()
	distinct=0
	ran=0
	status=0
	for ((i = 1; i <= runs; i++)); do
		out="$tmp/out"
		status=0
		"$bin" >"$out" 2>&1 || status=$?
		ran=$i
		if [ "$status" -ne 0 ]; then
			break
		fi
		sum="$(sha256sum "$out" | cut -d' ' -f1)"
		if [ -z "${seen[$sum]+x}" ]; then
			seen[$sum]=1
			distinct=$((distinct + 1))
		fi
		if [ "$distinct" -ge 2 ]; then
			break
		fi
	done
	unset seen
	if [ "$status" -ne 0 ]; then
		echo "FAIL $dir (run $ran exited with status $status)"
		tail -n 5 "$tmp/out" | sed 's/^/       /'
		failed=$((failed + 1))
	elif [ "$distinct" -lt 2 ]; then
		echo "FAIL $dir (same output in all $ran runs)"
		failed=$((failed + 1))
	else
		echo "ok   $dir ($distinct distinct outputs within $ran runs)"
	fi
done

if [ "$failed" -ne 0 ]; then
	echo "nondeterminism fixtures: $failed of ${#programs[@]} failed"
	exit 1
fi
echo "nondeterminism fixtures: all ${#programs[@]} programs vary between runs"
