#!/usr/bin/env bash
# Speed benchmark: mapvet beside its own parse-only baseline (walk, read and
# parse the same files on the same threads), in one run, as ratios; -j
# scaling; peak RSS. Ratios, not absolute times: the machine is shared.
#
#   benches/corpus.sh [DIR...]     default: the real corpus
#                                  (../shared/corpus/install.sh --list)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/mapvet
if [ $# -gt 0 ]; then dirs=("$@"); else mapfile -t dirs < <(../shared/corpus/install.sh --list); fi
runs=${RUNS:-3}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

# Median user+system CPU seconds and max RSS of a command, over $runs runs.
measure() {
  local cpu=() rss=0 out
  for _ in $(seq "$runs"); do
    /usr/bin/time -o "$tmp" -f "%U %S %M %e" "$@" >/dev/null 2>&1 || true
    read -r u s m e < <(tail -n1 "$tmp")
    cpu+=("$(echo "$u + $s" | bc)")
    [ "$m" -gt "$rss" ] && rss=$m
    wall=$e
  done
  median=$(printf '%s\n' "${cpu[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
  echo "$median $rss $wall"
}

for d in "${dirs[@]}"; do
  echo "== $d"
  "$bin" check --stats --format json --output /dev/null --include-generated "$d" 2>&1 | grep '^mapvet stats' || true
  read -r full rss _ <<<"$(measure "$bin" check -j1 --include-generated --format json --output /dev/null "$d")"
  read -r base base_rss _ <<<"$(measure "$bin" check -j1 --parse-only --include-generated --format json --output /dev/null "$d")"
  read -r _ _ w1 <<<"$(measure "$bin" check -j1 --include-generated --format json --output /dev/null "$d")"
  read -r _ _ w2 <<<"$(measure "$bin" check -j2 --include-generated --format json --output /dev/null "$d")"
  printf 'cpu: check %.2fs, parse-only %.2fs, ratio %.2f (target <= 1.3)\n' "$full" "$base" "$(echo "$full / $base" | bc -l)"
  printf 'wall: -j1 %.2fs, -j2 %.2fs, speed-up %.2f (target >= 1.8)\n' "$w1" "$w2" "$(echo "$w1 / $w2" | bc -l)"
  printf 'peak RSS: check %d MiB, parse-only %d MiB (target < 300 MiB)\n' $((rss / 1024)) $((base_rss / 1024))
done
