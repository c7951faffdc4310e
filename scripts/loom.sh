#!/usr/bin/env bash
# The loom models of the lock-free core: the stream cache's slot (a Dekker-style reader/writer
# handshake over unsafe cells) and the static cache's served-snapshot swap, each run on every
# interleaving of two or three threads: four models exhaustively, the two largest with at most
# LOOM_MAX_PREEMPTIONS preemptions (default 4; 5 takes about three times as long).
#
# Under `--cfg hft_loom`, `hft_cache_core::sync` re-exports loom's atomics, cells, Arc, Mutex,
# fences and spin hints instead of std's. The build lives in its own target directory, so that
# the cfg does not invalidate the normal build.
set -euo pipefail
cd "$(dirname "$0")/.."
export RUSTFLAGS="${RUSTFLAGS:-} --cfg hft_loom"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}/loom
export LOOM_MAX_PREEMPTIONS=${LOOM_MAX_PREEMPTIONS:-4}
# The models are the crate's own unit tests named `loom_*` (they reach private types);
# `test-util` gives them the manual clock. Only the policy core is built (no default features,
# and under `hft_loom` none of the heavy dev-dependencies): a fresh build takes a minute or two,
# which lets CI run the models on every change. Extra arguments go to the test harness
# (`--nocapture` shows how many interleavings each model explored); the crate's other tests
# cannot run under loom, so keep any name filter to `loom_*` tests.
cargo test -p hft-cache-core --release --no-default-features --features test-util --lib loom_ -- --test-threads=2 "$@"
