#!/usr/bin/env bash
# The policy core alone: a crate that uses the derives, both caches, the monitor and the gate
# with `default-features = false` (tests/lean-core) must build, pass its test, and pull at most
# 40 packages, none of them a network stack.
set -euo pipefail
cd "$(dirname "$0")/.."
manifest=tests/lean-core/Cargo.toml
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}/lean-core
cargo test -q --manifest-path "$manifest" 2>&1 | grep -E '^test result' | head -1
packages=$(cargo tree -q --manifest-path "$manifest" -e normal --prefix none | sed 's/ (\*)//; s/ (proc-macro)//' | sort -u)
count=$(printf '%s\n' "$packages" | wc -l)
echo "lean core: $count packages (limit 40), the crate itself included"
forbidden=$(printf '%s\n' "$packages" | grep -E '^(reqwest|rustls|tungstenite|tokio-tungstenite|hmac|axum|hyper) ' || true)
if [ -n "$forbidden" ]; then
  echo "lean core pulls a network stack:" >&2
  printf '%s\n' "$forbidden" >&2
  exit 1
fi
if [ "$count" -gt 40 ]; then
  printf '%s\n' "$packages" >&2
  exit 1
fi
