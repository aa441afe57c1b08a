#!/usr/bin/env python3
"""Keeps the shared cargo target directory from filling the disk.

CI builds every fresh clone into the same CARGO_TARGET_DIR (kept warm between runs): each run
leaves its test executables under new hashes (a fresh clone's path is part of them) and grows
`debug/incremental`. Run before the build by scripts/test.sh:

  python3 scripts/prune_target.py TARGET_DIR [--min-free-gb N]

removes, in every `*/deps` directory, the executables of a test or binary target that newer
builds of the same name replaced (the two newest of each name are kept: a binary and its unit
tests share one; libraries are kept),
and, when less than N GB (default 25) stay free, the incremental caches too. Prints what it
freed.
"""
import os
import re
import shutil
import sys

HASHED = re.compile(r"^(?P<name>.+)-(?P<hash>[0-9a-f]{16})$")


def stale_executables(deps: str, keep: int = 2):
    """The executables in `deps` beyond the `keep` newest of each name (a binary and its unit
    tests share a name: two are current)."""
    by_name: dict[str, list[tuple[float, str]]] = {}
    for entry in os.scandir(deps):
        m = HASHED.match(entry.name)
        if not m or not entry.is_file(follow_symlinks=False) or not os.access(entry.path, os.X_OK):
            continue
        by_name.setdefault(m["name"], []).append((entry.stat().st_mtime, entry.path))
    stale = []
    for builds in by_name.values():
        builds.sort(reverse=True)
        stale.extend(path for _, path in builds[keep:])
    return stale


def free_gb(path: str) -> float:
    return shutil.disk_usage(path).free / 1e9


def main() -> int:
    args = sys.argv[1:]
    if not args:
        print(__doc__)
        return 2
    target = args[0]
    min_free = float(args[args.index("--min-free-gb") + 1]) if "--min-free-gb" in args else 25.0
    if not os.path.isdir(target):
        return 0
    freed = 0
    for root, dirs, _ in os.walk(target):
        if os.path.basename(root) == "deps":
            for path in stale_executables(root):
                freed += os.path.getsize(path)
                os.remove(path)
            dirs.clear()
        dirs[:] = [d for d in dirs if d not in ("incremental", "build", ".fingerprint")]
    if free_gb(target) < min_free:
        for profile in os.scandir(target):
            inc = os.path.join(profile.path, "incremental")
            if profile.is_dir() and os.path.isdir(inc):
                size = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(inc) for f in fs)
                shutil.rmtree(inc, ignore_errors=True)
                freed += size
    print(f"== target directory: {freed / 1e9:.1f} GB of stale build output removed, {free_gb(target):.1f} GB free")
    return 0


if __name__ == "__main__":
    sys.exit(main())
