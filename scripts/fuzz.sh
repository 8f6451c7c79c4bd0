#!/usr/bin/env bash
# Fuzz mapvet's whole pipeline (parse, model, rules, every printer) with
# cargo-fuzz / libFuzzer.
#
#   scripts/fuzz.sh [SECONDS] [JOBS]    # defaults: 60 seconds, 1 job
#
# Installs a nightly toolchain and cargo-fuzz if they are missing, seeds
# fuzz/corpus/pipeline from fixtures/ (and small files of $(go env GOROOT)
# when Go is installed) if the corpus is empty, then runs the `pipeline`
# target. Crashes, timeouts and OOMs land in fuzz/artifacts/pipeline/;
# reproduce one with `cargo +nightly fuzz run pipeline <file>` and shrink it
# with `cargo +nightly fuzz tmin pipeline <file>`. Exit status is libFuzzer's
# (non-zero when it found something).
set -euo pipefail

secs="${1:-60}"
jobs="${2:-1}"
root="$(cd "$(dirname "$0")/.." && pwd)"
fuzz="$root/fuzz"
corpus="$fuzz/corpus/pipeline"

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

mkdir -p "$corpus"
if [ -z "$(ls -A "$corpus")" ]; then
    echo "seeding $corpus" >&2
    find "$root/fixtures" -name '*.go' -print0 |
        while IFS= read -r -d '' f; do
            rel="${f#"$root/fixtures/"}"
            cp "$f" "$corpus/fx_${rel//\//_}"
        done
    # Cross-file cases: the files of one fixture package joined with NUL,
    # which the target splits into separate files.
    for d in $(find "$root/fixtures" -mindepth 1 -type d); do
        set -- "$d"/*.go
        [ -e "$1" ] && [ $# -ge 2 ] || continue
        name="multi_${d#"$root/fixtures/"}"
        { cat "$1"; printf '\0'; cat "$2"; } >"$corpus/${name//\//_}"
    done
    if command -v go >/dev/null 2>&1; then
        goroot="$(go env GOROOT)"
        find "$goroot/src/sort" "$goroot/src/sync" "$goroot/src/strings" \
            "$goroot/src/text/template" "$goroot/src/go/ast" \
            -maxdepth 1 -name '*.go' ! -name '*_test.go' -size -20k 2>/dev/null |
            head -n 40 | while read -r f; do
                rel="${f#"$goroot/src/"}"
                cp "$f" "$corpus/go_${rel//\//_}"
            done
    fi
fi

cd "$fuzz"
exec cargo +nightly fuzz run pipeline "$corpus" -- \
    -dict=pipeline.dict \
    -max_total_time="$secs" \
    -jobs="$jobs" -workers="$jobs" \
    -max_len=20000 \
    -timeout=10 \
    -print_final_stats=1
