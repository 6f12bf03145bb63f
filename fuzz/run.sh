#!/usr/bin/env bash
# Runs the fuzz targets under a memory limit, so that a memory blow-up is a
# crash with a reproducer, not a slow machine:
#   -rss_limit_mb=2048    the process passing 2 GB of resident memory
#   -malloc_limit_mb=1024 one allocation over 1 GB
#
#   fuzz/run.sh                    every target, 60 s each
#   SECONDS_EACH=600 fuzz/run.sh loader yaml
#
# Needs the nightly toolchain and cargo-fuzz (installed when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
each=${SECONDS_EACH:-60}
rss=${RSS_LIMIT_MB:-2048}
malloc=${MALLOC_LIMIT_MB:-1024}
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo +nightly fuzz list)
fi
for t in "${targets[@]}"; do
  echo "== $t (${each}s, rss ≤ ${rss} MB, one allocation ≤ ${malloc} MB)"
  # new inputs go to fuzz/corpus/TARGET (ignored by git); seeds are read only
  dirs=("fuzz/corpus/$t")
  mkdir -p "fuzz/corpus/$t"
  [ -d "fuzz/seeds/$t" ] && dirs+=("fuzz/seeds/$t")
  cargo +nightly fuzz run "$t" "${dirs[@]}" -- \
    -max_total_time="$each" -rss_limit_mb="$rss" -malloc_limit_mb="$malloc" -print_final_stats=1
done
