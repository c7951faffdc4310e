#!/usr/bin/env python3
"""Every public item of a crate and the paths it can be named by; flags items with more than one.

    cargo +nightly rustdoc -p hft-cache-core --all-features --lib -- \
        -Z unstable-options --output-format json
    python3 scripts/public_paths.py target/doc/hft_cache_core.json

Walks the rustdoc JSON from the crate root through public modules and public re-exports
(`pub use`) of this crate's items, and prints each item reachable by two or more paths. Items
marked `#[doc(hidden)]` (the derives' `__private` support) and foreign re-exports (`reqwest::Url`)
are left out. Exits 1 when an item has more than one path.
"""
import json
import sys
from collections import defaultdict


def main():
    doc = json.load(open(sys.argv[1]))
    index = doc["index"]
    paths = defaultdict(set)

    def hidden(item):
        return any("hidden" in str(a) for a in item.get("attrs", []))

    def visit(module_id, prefix, seen):
        module = index[str(module_id)]
        for child_id in module["inner"]["module"]["items"]:
            child = index.get(str(child_id))
            if child is None or child["visibility"] != "public" or hidden(child):
                continue
            inner = child["inner"]
            if "use" in inner:
                use = inner["use"]
                target = use["id"]
                if target is None or str(target) not in index:
                    continue  # a foreign item
                target_item = index[str(target)]
                if hidden(target_item):
                    continue
                if use["is_glob"]:
                    visit(target, prefix, seen)
                    continue
                name = use["name"]
                record(target, target_item, f"{prefix}::{name}", seen)
            else:
                record(child_id, child, f"{prefix}::{child['name']}", seen)

    def record(item_id, item, path, seen):
        paths[item_id].add(path)
        if "module" in item["inner"] and item_id not in seen:
            visit(item_id, path, seen | {item_id})

    visit(doc["root"], "crate", {doc["root"]})
    dups = {i: p for i, p in paths.items() if len(p) > 1}
    for item_id, item_paths in sorted(dups.items(), key=lambda kv: sorted(kv[1])):
        print("  ".join(sorted(item_paths)))
    print(f"{len(paths)} public items, {len(dups)} with more than one path")
    return 1 if dups else 0


if __name__ == "__main__":
    sys.exit(main())
