#!/usr/bin/env python3
"""Checks that the modules of a Rust crate depend on each other without a cycle.

    python3 scripts/module_cycles.py crates/coffer-core [--tests] [--graph]
    cargo modules dependencies -p coffer-core --lib --no-externs --no-sysroot \
        | python3 scripts/module_cycles.py --dot -

Reads every file module under src/ (a `#[cfg(test)]` module, in its own file or inline, is
left out unless --tests is given), finds every path that names something of the crate
(`crate::a::b`, `super::x`, `self::y`, and a path starting with a child module's name, in
`use` declarations and in code alike, brace groups expanded; comments and literals skipped)
and resolves it to the deepest module it goes through: that is one dependency of the module
the path is written in. `mod x;` itself is ownership, not a dependency. A path through an item
the crate root re-exports (`crate::Service`) is a dependency on the root, so using the root's
re-exports inside the crate shows up as a cycle with every module the root re-exports from.

Two graphs are checked: the modules themselves, and the top-level modules (`access`,
`secrets`, ...) with each submodule folded into its top-level module. Every cycle found is
printed with the lines that make it; the exit code is 1 when there is one.

Method calls are not paths, so a call `self.x()` of a method defined in another module is no
dependency here; the types the caller names (`use super::part::Secrets`) are.

With --dot, the graph is read instead from the output of cargo-modules (rust-analyzer's own
name resolution, every item folded into its module, a method into its type's module) and
checked the same way: a second opinion. cargo-modules loads the whole workspace, and so runs
`cargo check --workspace` for the build scripts: in this workspace that builds DuckDB unless
coffer-core is copied into a workspace of its own (with coffer-model, coffer-crypto,
coffer-store and coffer-store-sqlite) first.
"""

import os
import re
import sys
from collections import defaultdict

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def strip(text):
    """The code of `text` with comments, strings and char literals blanked (lines kept)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            i = j
            continue
        if text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append("\n" * text.count("\n", i, j))
            i = j
            continue
        m = re.compile(r'b?r(#*)"').match(text, i)
        if m and (i == 0 or not re.match(r"\w", text[i - 1])):
            end = '"' + m.group(1)
            j = text.find(end, m.end())
            j = n if j < 0 else j + len(end)
            out.append('""' + "\n" * text.count("\n", i, j))
            i = j
            continue
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append('""' + "\n" * text.count("\n", i, j))
            i = j + 1
            continue
        m = re.compile(r"'(\\.[^']*|[^\\'\n])'").match(text, i)
        if c == "'" and m:
            out.append("' '")
            i = m.end()
            continue
        out.append(c)
        i += 1
    return "".join(out)


def matching_brace(code, open_at):
    depth = 0
    for j in range(open_at, len(code)):
        if code[j] == "{":
            depth += 1
        elif code[j] == "}":
            depth -= 1
            if depth == 0:
                return j
    return len(code)


class Crate:
    def __init__(self, root, tests):
        self.src = os.path.join(root, "src")
        self.tests = tests
        self.children = defaultdict(set)  # module -> names of its child modules
        self.code = {}  # module -> [(line, code)] written directly in it
        root_file = os.path.join(self.src, "lib.rs")
        if not os.path.exists(root_file):
            root_file = os.path.join(self.src, "main.rs")
        self.load(("crate",), root_file)

    def load(self, module, path):
        with open(path, encoding="utf-8") as f:
            code = strip(f.read())
        self.parse(module, path, code, 0)

    def parse(self, module, path, code, line0):
        base = os.path.dirname(path)
        if os.path.basename(path) not in ("lib.rs", "main.rs", "mod.rs"):
            base = os.path.join(base, module[-1])
        pieces, pos = [], 0
        decl = re.compile(r"((?:#\[[^\]]*\]\s*)*)(?:pub(?:\([^)]*\))?\s+)?mod\s+(" + IDENT + r")\s*([;{])")
        for m in decl.finditer(code):
            if m.start() < pos:
                continue
            attrs, name, kind = m.group(1), m.group(2), m.group(3)
            is_test = "cfg(test)" in attrs.replace(" ", "")
            line = line0 + code.count("\n", 0, m.start())
            pieces.append((pos, m.start()))
            if kind == "{":
                end = matching_brace(code, m.end() - 1)
                if not is_test or self.tests:
                    self.children[module].add(name)
                    inner = code[m.end() : end]
                    self.parse(module + (name,), path, inner, line + code.count("\n", m.start(), m.end()))
                pos = end + 1
            else:
                pos = m.end()
                if is_test and not self.tests:
                    continue
                self.children[module].add(name)
                for candidate in (os.path.join(base, name + ".rs"), os.path.join(base, name, "mod.rs")):
                    if os.path.exists(candidate):
                        self.load(module + (name,), candidate)
                        break
        pieces.append((pos, len(code)))
        own = []
        for a, b in pieces:
            own.append((line0 + code.count("\n", 0, a), code[a:b]))
        self.code.setdefault(module, []).extend((path, line, text) for line, text in own)

    def resolve(self, module, segments):
        """The deepest module of the crate that `segments` (from `module`) goes through."""
        first = segments[0]
        if first == "crate":
            at, rest = ("crate",), segments[1:]
        elif first in ("super", "self"):
            at, rest = module, segments
            while rest and rest[0] in ("super", "self"):
                if rest[0] == "super":
                    at = at[:-1] if len(at) > 1 else at
                rest = rest[1:]
        elif first in self.children[module]:
            at, rest = module, segments
        else:
            return None
        for s in rest:
            if s in self.children[at]:
                at = at + (s,)
            else:
                break
        return at


def paths_in(text):
    """Every path of `text` that starts with crate, super, self or an identifier, with `::`,
    and where it starts."""
    start = re.compile(r"(?<![\w:])(" + IDENT + r")\s*::")
    for m in start.finditer(text):
        for segs in expand(text, m.start(), []):
            yield segs, m.start()


def expand(text, i, prefix):
    """The paths of the (use) tree at text[i:], prefixed: brace groups expanded."""
    segs = list(prefix)
    ident = re.compile(r"\s*(" + IDENT + r")\s*")
    while True:
        m = ident.match(text, i)
        if not m:
            break
        segs.append(m.group(1))
        i = m.end()
        if text.startswith("::", i):
            i += 2
            k = i
            while k < len(text) and text[k].isspace():
                k += 1
            if k < len(text) and text[k] == "{":
                end = matching_brace(text, k)
                depth, item_start = 0, k + 1
                for j in range(k + 1, end + 1):
                    ch = text[j]
                    if ch == "{":
                        depth += 1
                    elif ch == "}" and depth > 0:
                        depth -= 1
                    elif (ch == "," and depth == 0) or j == end:
                        item = text[item_start:j]
                        if item.strip() and item.strip() not in ("*", "self"):
                            yield from expand(item, 0, segs)
                        elif item.strip():
                            yield list(segs)
                        item_start = j + 1
                return
            continue
        break
    if len(segs) > len(prefix):
        yield segs


def dependencies(crate):
    edges = defaultdict(list)  # (from, to) -> [where]
    for module, pieces in crate.code.items():
        for path, line0, text in pieces:
            for segs, offset in paths_in(text):
                target = crate.resolve(module, segs)
                if target is None or target == module:
                    continue
                line = line0 + text.count("\n", 0, offset) + 1
                edges[(module, target)].append(f"{os.path.relpath(path)}:{line}: {'::'.join(segs)}")
    return edges


def sccs(nodes, edges):
    graph = defaultdict(set)
    for a, b in edges:
        graph[a].add(b)
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
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
            out.append(comp)

    sys.setrecursionlimit(10000)
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return [c for c in out if len(c) > 1]


def name(module):
    return "::".join(module)


def report(title, nodes, edges):
    cycles = sccs(nodes, edges)
    print(f"{title}: {len(nodes)} modules, {len(edges)} dependencies, ", end="")
    if not cycles:
        print("no cycle")
        return 0
    print(f"{len(cycles)} cycle(s)")
    for comp in cycles:
        members = set(comp)
        print("  cycle between " + ", ".join(sorted(name(m) for m in comp)) + ":")
        for (a, b), where in sorted(edges.items()):
            if a in members and b in members:
                print(f"    {name(a)} -> {name(b)}")
                for w in where[:3]:
                    print(f"        {w}")
    return 1


def from_dot(path):
    """Module dependencies from the Graphviz output of `cargo modules dependencies`."""
    text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()
    kinds, uses = {}, []
    for line in text.splitlines():
        m = re.match(r'\s*"([^"]+)" \[label="[^"]*"[^\]]*\]; // "(\w+)" node', line)
        if m:
            kinds[m.group(1)] = m.group(2)
            continue
        m = re.match(r'\s*"([^"]+)" -> "([^"]+)" \[label="uses"', line)
        if m:
            uses.append((m.group(1), m.group(2)))
    mods = {n for n, k in kinds.items() if k in ("mod", "crate")}

    def module(n):
        while n not in mods and "::" in n:
            n = n.rsplit("::", 1)[0]
        return tuple(["crate"] + n.split("::")[1:])

    edges = defaultdict(list)
    for a, b in uses:
        ma, mb = module(a), module(b)
        if ma != mb:
            edges[(ma, mb)].append(f"{a} -> {b}")
    return {module(m) for m in mods}, edges


def main():
    if "--dot" in sys.argv:
        i = sys.argv.index("--dot")
        nodes, edges = from_dot(sys.argv[i + 1] if i + 1 < len(sys.argv) else "-")
        return check(nodes, edges)
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        print(__doc__)
        return 2
    crate = Crate(args[0], "--tests" in sys.argv)
    return check(set(crate.code), dependencies(crate))


def check(nodes, edges):
    status = report("modules", nodes, edges)

    def top(m):
        return m[:2]

    folded = defaultdict(list)
    for (a, b), where in edges.items():
        if len(a) > 1 and len(b) > 1 and top(a) != top(b):
            folded[(top(a), top(b))].extend(where)
    status |= report("top-level modules", {top(m) for m in nodes if len(m) > 1}, folded)
    if "--graph" in sys.argv:
        for (a, b) in sorted(folded):
            print(f"  {name(a)} -> {name(b)}")
    return status


if __name__ == "__main__":
    sys.exit(main())
