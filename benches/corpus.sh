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

# One run: user+system CPU seconds, max RSS (KiB), wall seconds.
once() {
  /usr/bin/time -o "$tmp" -f "%U %S %M %e" "$@" >/dev/null 2>&1 || true
  read -r u s m e < <(tail -n1 "$tmp")
  echo "$(echo "$u + $s" | bc) $m $e"
}

# The smallest and the median of numbers on stdin.
stats() { sort -n | awk '{v[NR]=$1} END {printf "%s %s\n", v[1], v[int((NR+1)/2)]}'; }

for d in "${dirs[@]}"; do
  echo "== $d"
  "$bin" check --stats --format json --output /dev/null --include-generated "$d" 2>&1 | grep '^mapvet stats' || true
  # The three commands take turns, so that a slow spell of the shared
  # machine falls on all of them. Noise only ever adds time: the ratios
  # are taken on the fastest run of each (the medians are shown too).
  full=() base=() w1=() w2=() rss=0 base_rss=0
  for _ in $(seq "$runs"); do
    read -r c m e <<<"$(once "$bin" check -j1 --include-generated --format json --output /dev/null "$d")"
    full+=("$c"); w1+=("$e"); (( m > rss )) && rss=$m
    read -r c m e <<<"$(once "$bin" check -j1 --parse-only --include-generated --format json --output /dev/null "$d")"
    base+=("$c"); (( m > base_rss )) && base_rss=$m
    read -r c m e <<<"$(once "$bin" check -j2 --include-generated --format json --output /dev/null "$d")"
    w2+=("$e"); (( m > rss )) && rss=$m
  done
  read -r full_min full_med <<<"$(printf '%s\n' "${full[@]}" | stats)"
  read -r base_min base_med <<<"$(printf '%s\n' "${base[@]}" | stats)"
  read -r w1_min w1_med <<<"$(printf '%s\n' "${w1[@]}" | stats)"
  read -r w2_min w2_med <<<"$(printf '%s\n' "${w2[@]}" | stats)"
  printf 'cpu (-j1, fastest of %d): check %.2fs, parse-only %.2fs, ratio %.2f (target <= 1.3); medians %.2fs / %.2fs = %.2f\n' \
    "$runs" "$full_min" "$base_min" "$(echo "$full_min / $base_min" | bc -l)" \
    "$full_med" "$base_med" "$(echo "$full_med / $base_med" | bc -l)"
  printf 'wall (fastest): -j1 %.2fs, -j2 %.2fs, speed-up %.2f (target >= 1.8); medians %.2fs / %.2fs = %.2f\n' \
    "$w1_min" "$w2_min" "$(echo "$w1_min / $w2_min" | bc -l)" \
    "$w1_med" "$w2_med" "$(echo "$w1_med / $w2_med" | bc -l)"
  printf 'peak RSS: check %d MiB, parse-only %d MiB (target < 300 MiB)\n' $((rss / 1024)) $((base_rss / 1024))
done
