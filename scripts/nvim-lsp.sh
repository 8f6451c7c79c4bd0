#!/usr/bin/env bash
# End-to-end test of `mapvet server` with a real LSP client: headless Neovim
# (Debian's `neovim` package, 0.7 or later) runs scripts/nvim-lsp/init.lua
# on a copy of scripts/nvim-lsp/fixture/. It prints the diagnostics, hover
# and code actions it received and fails unless they are the expected ones.
#
# Usage: scripts/nvim-lsp.sh [MAPVET_BINARY]
# The binary is the argument, else $MAPVET, else the newer of
# target/release/mapvet and target/debug/mapvet ($CARGO_TARGET_DIR is
# honoured), else one built now with `cargo build --locked`.
# Neovim: `apt-get install -y neovim` if `nvim` is missing.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)

command -v nvim >/dev/null ||
    { echo "error: nvim not found (apt-get install -y neovim)" >&2; exit 2; }

bin=${1:-${MAPVET:-}}
if [[ -z $bin ]]; then
    target=${CARGO_TARGET_DIR:-$repo/target}
    for candidate in "$target/release/mapvet" "$target/debug/mapvet"; do
        if [[ -x $candidate && ( -z $bin || $candidate -nt $bin ) ]]; then
            bin=$candidate
        fi
    done
    if [[ -z $bin ]]; then
        echo "== building mapvet (cargo build --locked)"
        (cd "$repo" && cargo build --locked --quiet)
        bin=$target/debug/mapvet
    fi
fi
[[ -x $bin ]] || { echo "error: $bin is not an executable" >&2; exit 2; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -R "$here/nvim-lsp/fixture" "$tmp/fixture"

echo "== $(nvim --version | head -n 1), $("$bin" --version | head -n 1) ($bin)"
echo "== fixture: $(cd "$tmp/fixture" && echo *)"
# --clean: no user configuration or plugins; the log goes to the temp dir.
status=0
(cd "$tmp/fixture" &&
    MAPVET_BIN=$bin MAPVET_FIXTURE=$tmp/fixture XDG_STATE_HOME=$tmp/state \
    XDG_CACHE_HOME=$tmp/cache NO_COLOR=1 \
    timeout 120 nvim --headless --clean -u "$here/nvim-lsp/init.lua") || status=$?
if [[ $status -ne 0 ]]; then
    echo "FAIL: nvim exited with status $status" >&2
    for log in "$tmp"/state/nvim/lsp.log "$tmp"/cache/nvim/lsp.log; do
        [[ -s $log ]] && { echo "-- $log (last 40 lines)"; tail -n 40 "$log"; }
    done >&2
    exit 1
fi
