#!/usr/bin/env bash
# Runs the fuzz targets in fuzz/ (cargo-fuzz, libFuzzer) on the nightly toolchain, each for N
# seconds: `scripts/fuzz.sh [N] [target...]` (N defaults to $FUZZ_SECONDS, else 30; the targets
# to every target). Installs cargo-fuzz if it is missing.
#
# Each target starts from its committed seeds (fuzz/seeds/<target>) and keeps what it finds in
# fuzz/corpus/<target> (not committed). A crash leaves its input in fuzz/artifacts/<target>/;
# reproduce it with `cargo +nightly fuzz run <target> <that file>`. The script goes on with the
# other targets and fails at the end if any target failed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-${FUZZ_SECONDS:-30}}
if [ "$#" -gt 0 ]; then shift; fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo +nightly fuzz list)
fi
failed=()
for target in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$target"
  echo "== fuzz $target for ${seconds}s"
  if ! cargo +nightly fuzz run "$target" "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1; then
    failed+=("$target")
  fi
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz targets that failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, ${seconds}s each, no crash"
