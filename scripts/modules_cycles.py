#!/usr/bin/env python3
"""Cycles between modules in cargo-modules' dependency graph, at a chosen depth.

    cargo install cargo-modules@0.27.0 --locked     # the last release that builds on Rust 1.95
    cargo modules dependencies -p hft-cache-core --lib --all-features \
        --no-externs --no-sysroot > /tmp/modules.dot
    python3 scripts/modules_cycles.py /tmp/modules.dot 1   # top-level modules

cargo-modules resolves every path the way rustc does and attributes an item's uses to the module
that defines it (a method to its type's module, wherever the `impl` block is), so it sees
dependencies that `scripts/module_graph.py`, which reads `crate::` paths, cannot. Each "uses"
edge is mapped to the modules of its two ends, cut at the given depth; the cycles printed are the
strongly connected components of that graph. (cargo-modules' own `--acyclic` works on items, so
any type with a constructor counts as a cycle there.)
"""
import collections
import re
import sys

dot=open(sys.argv[1]).read()
depth=int(sys.argv[2]) if len(sys.argv)>2 else 1
# node kinds
kinds={}
for m in re.finditer(r'^\s*"([^"]+)" \[label="([^"]*)"', dot, re.M):
    kinds[m.group(1)]=m.group(2)
mods={n for n,l in kinds.items() if re.search(r'\bmod\b|\bcrate\b', l.split("|")[0])}
def module_of(path, depth):
    parts=path.split("::")
    # walk down while prefixes are modules
    best=parts[0]
    for i in range(1,len(parts)+1):
        p="::".join(parts[:i])
        if p in mods: best=p
    segs=best.split("::")[1:1+depth]
    return "::".join(segs)
edges=collections.defaultdict(set)
for m in re.finditer(r'"([^"]+)" -> "([^"]+)" \[label="uses"', dot):
    a=module_of(m.group(1),depth); b=module_of(m.group(2),depth)
    if a and b and a!=b and not b.startswith(a+"::") and not a.startswith(b+"::"):
        edges[a].add(b)
nodes=set(edges)|{x for v in edges.values() for x in v}
# cycles via Tarjan SCC
idx={};low={};st=[];on=set();sccs=[];c=[0]
def sc(v):
    idx[v]=low[v]=c[0];c[0]+=1;st.append(v);on.add(v)
    for w in edges.get(v,()):
        if w not in idx: sc(w);low[v]=min(low[v],low[w])
        elif w in on: low[v]=min(low[v],idx[w])
    if low[v]==idx[v]:
        comp=[]
        while True:
            w=st.pop();on.discard(w);comp.append(w)
            if w==v:break
        if len(comp)>1: sccs.append(sorted(comp))
sys.setrecursionlimit(10000)
for v in sorted(nodes):
    if v not in idx: sc(v)
print(f"{len(nodes)} modules at depth {depth}, {sum(len(v) for v in edges.values())} use edges, {len(sccs)} cycles")
for s in sccs: print("cycle among:", ", ".join(s))
sys.exit(1 if sccs else 0)
