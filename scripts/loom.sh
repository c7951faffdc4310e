#!/usr/bin/env bash
# The loom models of the lock-free core: the stream cache's slot (a Dekker-style reader/writer
# handshake over unsafe cells) and the static cache's served-snapshot swap, each run on every
# interleaving of a few threads up to LOOM_MAX_PREEMPTIONS preemptions (default 2).
#
# Under `--cfg hft_loom`, `hft_cache_core::sync` re-exports loom's atomics, cells, Arc, Mutex,
# fences and spin hints instead of std's. The build lives in its own target directory, so that
# the cfg does not invalidate the normal build.
set -euo pipefail
cd "$(dirname "$0")/.."
export RUSTFLAGS="${RUSTFLAGS:-} --cfg hft_loom"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}/loom
export LOOM_MAX_PREEMPTIONS=${LOOM_MAX_PREEMPTIONS:-2}
# The models are the crate's own unit tests named `loom_*` (they reach private types);
# `test-util` gives them the manual clock.
cargo test -p hft-cache-core --release --features test-util --lib loom_ -- --test-threads=2 "$@"
