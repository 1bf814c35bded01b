#!/usr/bin/env python3
"""Module dependency graph of src/: prints `file -> files it uses` and fails on cycles.

An edge A -> B is any path in A that reaches B: `crate::…`, `super::…`, `self::…` or a child
module's name (`routes::configure` in a `mod.rs`), in `use` items and in code alike. A path
resolves to the deepest module file it names; `pub use` re-exports count as edges of the
re-exporting file. `mod x;` declarations and `#[cfg(test)]` modules do not count.

Usage: scripts/modgraph.py [--graph] [--domains] [--root src]
Exit status 1 when some files import each other in a circle.
"""

import argparse
import os
import re
import sys


def strip(text):
    """Removes comments, string and char literals, keeping line structure."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
        elif c == "r" and re.match(r'r#*"', text[i:i + 10]) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            hashes = re.match(r'r(#*)"', text[i:]).group(1)
            end = text.find('"' + hashes, i + 2 + len(hashes))
            i = n if end < 0 else end + 1 + len(hashes)
            out.append('""')
        elif c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            i += 1
            out.append('""')
        elif c == "'" and re.match(r"'(\\.|[^\\'])'", text[i:i + 4]):
            i = text.find("'", i + 1 + (text[i + 1] == "\\")) + 1
            out.append("' '")
        else:
            out.append(c)
            i += 1
    return "".join(out)


def drop_test_modules(code):
    """Cuts `#[cfg(test)] mod name { … }` blocks."""
    while True:
        m = re.search(r"#\[cfg\(test\)\]\s*(pub\s+)?mod\s+\w+\s*\{", code)
        if not m:
            return code
        depth, i = 1, m.end()
        while i < len(code) and depth:
            depth += {"{": 1, "}": -1}.get(code[i], 0)
            i += 1
        code = code[:m.start()] + code[i:]


def flatten_use(tree):
    """`a::{b, c::{d, e}}` -> ["a::b", "a::c::d", "a::c::e"]."""
    tree = re.sub(r"\s+", "", tree)
    m = re.match(r"^(.*?)\{(.*)\}$", tree)
    if not m:
        return [re.sub(r"as\w+$", "", tree)] if tree else []
    prefix, inner = m.group(1), m.group(2)
    parts, depth, cur = [], 0, ""
    for ch in inner:
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        depth += {"{": 1, "}": -1}.get(ch, 0)
        cur += ch
    parts.append(cur)
    return [p2 for p in parts if p for p2 in flatten_use(prefix + p)]


def module_of(path, root):
    rel = os.path.relpath(path, root)[:-3].split(os.sep)
    if rel[-1] in ("mod", "lib", "main"):
        rel = rel[:-1]
    return tuple(rel)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default="src")
    ap.add_argument("--graph", action="store_true", help="print every file's dependencies")
    ap.add_argument("--domains", action="store_true",
                    help="fold the domain cores into their top-level module (auth, orders, …) before "
                         "checking; routes files (the HTTP layer above every domain) are left out")
    args = ap.parse_args()
    files = {}
    for d, _, names in os.walk(args.root):
        for name in names:
            if name.endswith(".rs") and not (d == args.root and name == "main.rs"):
                p = os.path.join(d, name)
                files[module_of(p, args.root)] = os.path.relpath(p)
    deps = {f: set() for f in files.values()}
    for mod, f in files.items():
        code = drop_test_modules(strip(open(f, encoding="utf-8").read()))
        children = set(re.findall(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", code, re.M))
        if f.endswith(("mod.rs", "lib.rs")):
            here = mod
        else:
            here = mod  # a file module `a/b.rs` has children in `a/b/`
        paths = []
        for m in re.finditer(r"\buse\s+([^;]+);", code):
            paths += flatten_use(m.group(1))
        paths += [m.group(0) for m in re.finditer(r"(?<![\w:])(?:crate|super|self)(?:::\w+)+", code)]
        if children:
            alt = "|".join(sorted(children))
            paths += [m.group(0) for m in re.finditer(r"(?<![\w:])(?:%s)(?:::\w+)+" % alt, code)]
        for path in paths:
            segs = [s for s in path.split("::") if s]
            if not segs:
                continue
            if segs[0] == "crate":
                base, segs = (), segs[1:]
            elif segs[0] in ("super", "self"):
                base = here
                while segs and segs[0] in ("super", "self"):
                    if segs[0] == "super":
                        base = base[:-1]
                    segs = segs[1:]
            elif segs[0] in children:
                base = here
            else:
                continue
            target = base
            for s in segs:
                if base + (s,) in files:
                    base = base + (s,)
                    target = base
                else:
                    break
            if target in files and files[target] != f:
                deps[f].add(files[target])

    if args.domains:
        deps = fold(deps, args.root)
    if args.graph:
        for f in sorted(deps):
            print(f"{f} -> {', '.join(sorted(deps[f])) or '(nothing)'}")
    cycles = strongly_connected(deps)
    for c in cycles:
        print(f"cycle of {len(c)}: {' '.join(sorted(c))}", file=sys.stderr)
        for a in sorted(c):
            for b in sorted(deps[a] & set(c)):
                print(f"  {a} -> {b}", file=sys.stderr)
    print(f"{len(deps)} {'modules' if args.domains else 'files'}, {sum(map(len, deps.values()))} edges, {len(cycles)} cycles", file=sys.stderr)
    return 1 if cycles else 0


def fold(deps, root):
    """`src/orders/service.rs` -> `orders`; edges inside one module disappear."""
    def top(f):
        rel = os.path.relpath(f, root).split(os.sep)[0]
        return rel[:-3] if rel.endswith(".rs") else rel
    def core(f):
        return not (f.endswith(os.sep + "routes.rs") or (os.sep + "routes" + os.sep) in f)
    out = {}
    for a, bs in deps.items():
        if not core(a):
            continue
        out.setdefault(top(a), set()).update(top(b) for b in bs if core(b) and top(b) != top(a))
    return out


def strongly_connected(deps):
    """Tarjan's algorithm; returns components of more than one file."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in deps[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(comp)

    for v in sorted(deps):
        if v not in index:
            visit(v)
    return out


if __name__ == "__main__":
    sys.exit(main())
