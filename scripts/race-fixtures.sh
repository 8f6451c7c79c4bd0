#!/usr/bin/env bash
# Runs every race program under fixtures/<rule>/race/<case>/ with
# `go run -race` and checks that it shows its race: the output must contain
# "WARNING: DATA RACE" (race detector) or "concurrent map" (the runtime's
# "fatal error: concurrent map writes" / "concurrent map read and map write"),
# and a stack in the report must point at one of the program's `// want`
# lines, so the race shown is the flagged write's.
# Prints one line per program and exits non-zero if any program fails.
#
# Environment: RACE_TIMEOUT (seconds per program, default 180, build included).
set -euo pipefail
cd "$(dirname "$0")/../fixtures"
export GOFLAGS=-mod=mod

timeout_s="${RACE_TIMEOUT:-180}"
tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT

shopt -s nullglob
programs=(*/race/*/main.go)
if [ "${#programs[@]}" -eq 0 ]; then
	echo "FAIL no race programs found under fixtures/*/race/" >&2
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
	# The race report must point at one of the flagged lines.
	want_lines="$(grep -n '// want "' "$main" | cut -d: -f1 | paste -sd '|' -)"
	status=0
	# A program that shows its race exits non-zero (66 from the race
	# detector, 2 from a fatal error), so the status alone proves nothing.
	timeout "$timeout_s" go run -race "./$dir" >"$tmp" 2>&1 || status=$?
	if [ "$status" -eq 124 ]; then
		echo "FAIL $dir (timed out after ${timeout_s}s)"
		failed=$((failed + 1))
	elif ! grep -qE 'WARNING: DATA RACE|concurrent map' "$tmp"; then
		echo "FAIL $dir (no race shown, exit status $status)"
		tail -n 5 "$tmp" | sed 's/^/       /'
		failed=$((failed + 1))
	elif ! grep -qE "$dir/main\.go:($want_lines)( |\$)" "$tmp"; then
		echo "FAIL $dir (a race is shown, but at none of the // want lines $want_lines)"
		failed=$((failed + 1))
	else
		how="$(grep -oE 'WARNING: DATA RACE|fatal error: concurrent map[a-z ]*' "$tmp" | sort | uniq -c | sed 's/^ *//' | paste -sd ',' - | sed 's/,/, /g')"
		echo "ok   $dir ($how)"
	fi
done

if [ "$failed" -ne 0 ]; then
	echo "race fixtures: $failed of ${#programs[@]} failed"
	exit 1
fi
echo "race fixtures: all ${#programs[@]} programs show their race"
