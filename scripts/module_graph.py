#!/usr/bin/env python3
"""Module graph of a crate's `src/`: which top-level module imports which, and the cycles.

    python3 scripts/module_graph.py hft-cache-core/src

An edge `a -> b` means a file of module `a` names `crate::b::...` (in a `use` or a path). Imports
through the crate root (`use crate::{Fresh, ...}` naming re-exports) are listed separately: the
issue's rule is to import from the defining module. Exits 1 when there is a cycle between
top-level modules or an import through the root.
"""
import os
import re
import sys


def top_module(root, path):
    rel = os.path.relpath(path, root)
    first = rel.split(os.sep)[0]
    return first[:-3] if first.endswith(".rs") else first


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "src"
    modules = set()
    for entry in os.listdir(root):
        if entry.endswith(".rs") and entry not in ("lib.rs", "main.rs"):
            modules.add(entry[:-3])
        elif os.path.isdir(os.path.join(root, entry)):
            modules.add(entry)
    edges, via_root = {}, []
    for dirpath, _, files in os.walk(root):
        for name in files:
            if not name.endswith(".rs"):
                continue
            path = os.path.join(dirpath, name)
            if os.path.relpath(path, root) == "lib.rs":
                continue
            src = open(path, encoding="utf-8").read()
            src = re.sub(r"//[^\n]*", "", src)
            me = top_module(root, path)
            for target in re.findall(r"\bcrate::(\w+)", src):
                if target in modules:
                    if target != me:
                        edges.setdefault(me, set()).add(target)
                else:
                    via_root.append((os.path.relpath(path, root), target))
            for group in re.findall(r"\buse crate::\{([^}]*)\}", src):
                for item in re.split(r"[,\s]+", group):
                    head = item.split("::")[0]
                    if head and head not in modules and head != "self":
                        via_root.append((os.path.relpath(path, root), head))
    cycles = set()

    def visit(node, stack):
        for nxt in sorted(edges.get(node, ())):
            if nxt in stack:
                cycle = stack[stack.index(nxt):] + [nxt]
                cycles.add(" -> ".join(cycle))
            elif len(stack) < len(modules):
                visit(nxt, stack + [nxt])

    for m in sorted(modules):
        visit(m, [m])
    for m in sorted(edges):
        print(f"{m} -> {', '.join(sorted(edges[m]))}")
    print(f"\n{len(modules)} modules, {sum(len(v) for v in edges.values())} edges")
    if not cycles:
        # Floors: a module with no imports is on floor 0, any other one floor above the highest
        # module it imports; with no cycle every import points down.
        floor = {}

        def floor_of(m):
            if m not in floor:
                floor[m] = 1 + max((floor_of(n) for n in edges.get(m, ())), default=-1)
            return floor[m]

        for m in modules:
            floor_of(m)
        for f in range(max(floor.values()) + 1):
            print(f"floor {f}: {', '.join(sorted(m for m in modules if floor[m] == f))}")
    for c in sorted(cycles):
        print(f"cycle: {c}")
    for path, name in sorted(set(via_root)):
        print(f"through the crate root: {path} imports crate::{name}")
    return 1 if cycles or via_root else 0


if __name__ == "__main__":
    sys.exit(main())
