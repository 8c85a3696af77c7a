#!/usr/bin/env python3
"""Benchmark lmod-sync: full publish vs unchanged resync vs resync after a small change.

Generates a deterministic software tree (default 10,000 files: mostly small
text/Python files, some larger binaries, one Lua modulefile per package),
then times three runs of roles/lmod_tree/files/lmod-sync as a child process:

  1. first sync into an empty target (everything is copied)
  2. resync of the unchanged source (must be a no-op)
  3. resync after rewriting --change-fraction of the files (new content, same
     size, new mtime): only those are copied, the rest hard-linked

Bytes written are reported two ways: what lmod-sync says it wrote (copied
file data plus lmodrc.lua, manifest and spider cache), and what the kernel
accounted to the child processes (getrusage(RUSAGE_CHILDREN).ru_oublock,
i.e. /proc/<pid>/io write_bytes of lmod-sync and the Lmod cache tool, in
512-byte blocks).  The kernel figure is 0 on tmpfs, which has no block layer.

Usage: .venv/bin/python tools/bench_lmod_sync.py [--files N] [--dir DIR]
"""

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(REPO_ROOT, "roles", "lmod_tree", "files", "lmod-sync")
FILES_PER_PACKAGE = 50


def file_size(rng):
    """Mostly small files (sources, headers, .py), a few large (.so, binaries)."""
    if rng.random() < 0.02:
        return rng.randint(50000, 400000)
    return int(min(rng.lognormvariate(7.0, 1.0), 40000))  # median ~1 KiB


def generate_tree(root, n_files, prefix, seed=42):
    """Write n_files files (modulefiles included); return their relative paths."""
    rng = random.Random(seed)
    paths = []
    n_packages = max(1, n_files // FILES_PER_PACKAGE)
    for p in range(n_packages):
        name, version = "pkg%03d" % p, "%d.%d" % (rng.randint(1, 9), rng.randint(0, 20))
        modulefile = os.path.join("modulefiles", name, version + ".lua")
        install = os.path.join(prefix, "software", name, version)
        write(root, modulefile, ('help([[%s %s]])\nwhatis("Version: %s")\n'
                                 'setenv("EBROOT%s", "%s")\nprepend_path("PATH", "%s/bin")\n'
                                 % (name, version, version, name.upper(), install, install)))
        paths.append(modulefile)
        for i in range(FILES_PER_PACKAGE - 1):
            if len(paths) >= n_files:
                break
            sub = ("bin", "lib", "lib/python3.12/site-packages/%s" % name, "include", "share/doc")
            rel = os.path.join("software", name, version, sub[i % len(sub)], "f%04d" % i)
            write(root, rel, None, size=file_size(rng), rng=rng, exe=(i % 5 == 0))
            paths.append(rel)
    return paths


def write(root, rel, text, size=0, rng=None, exe=False):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(text.encode() if text is not None else rng.getrandbits(8 * size).to_bytes(
            size, "little") if size else b"")
    os.chmod(path, 0o755 if exe else 0o644)


def change_files(root, paths, fraction, seed=7):
    """Rewrite a fraction of the non-modulefile files: same size, new bytes, new mtime."""
    rng = random.Random(seed)
    candidates = [p for p in paths if not p.startswith("modulefiles/")]
    chosen = rng.sample(candidates, max(1, int(len(paths) * fraction)))
    for rel in chosen:
        path = os.path.join(root, rel)
        size = os.path.getsize(path)
        with open(path, "wb") as fh:
            fh.write(rng.getrandbits(8 * size).to_bytes(size, "little") if size else b"")
        st = os.stat(path)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10 ** 9))
    return chosen


def run_sync(source, target, extra):
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_oublock
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-I", "-S", SCRIPT, "--source", source,
                           "--target", target, "--json"] + extra,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    wall = time.monotonic() - started
    if proc.returncode != 0:
        sys.exit("lmod-sync failed (exit %d):\n%s" % (proc.returncode, proc.stderr))
    blocks = resource.getrusage(resource.RUSAGE_CHILDREN).ru_oublock - before
    return dict(json.loads(proc.stdout), wall=wall, kernel_bytes=blocks * 512)


def human(n):
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return ("%.1f %s" % (n, unit)) if unit != "B" else "%d B" % n
        n /= 1024.0


def report(rows, total_bytes, n_files):
    print("\nTree: %d files, %s of file data\n" % (n_files, human(total_bytes)))
    head = ("run", "wall s", "copied", "linked", "bytes copied", "bytes written", "kernel writes")
    fmt = "%-22s %8s %8s %8s %14s %14s %14s"
    print(fmt % head)
    print(fmt % tuple("-" * len(h) for h in head))
    for label, r in rows:
        print(fmt % (label, "%.3f" % r["wall"], r["files_copied"], r["files_linked"],
                     human(r["bytes_copied"]), human(r["bytes_written"]),
                     human(r["kernel_bytes"])))
    full = rows[0][1]
    print("\nRelative to the full sync:")
    for label, r in rows[1:]:
        print("  %-20s time %5.1f%%   bytes written %6.2f%%   kernel writes %6.2f%%"
              % (label, 100.0 * r["wall"] / full["wall"],
                 100.0 * r["bytes_written"] / max(1, full["bytes_written"]),
                 100.0 * r["kernel_bytes"] / max(1, full["kernel_bytes"])))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=10000)
    parser.add_argument("--change-fraction", type=float, default=0.01)
    parser.add_argument("--dir", help="work directory (default: a new temporary one)")
    parser.add_argument("--keep-tree", action="store_true", help="do not delete the work dir")
    parser.add_argument("--update-cache-cmd", help="passed through to lmod-sync")
    args = parser.parse_args()

    work = args.dir or tempfile.mkdtemp(prefix="bench-lmod-sync-")
    source, target = os.path.join(work, "src"), os.path.join(work, "apps")
    os.makedirs(target, exist_ok=True)
    extra = ["--update-cache-cmd", args.update_cache_cmd] if args.update_cache_cmd else []
    try:
        print("generating %d files in %s ..." % (args.files, source), file=sys.stderr)
        paths = generate_tree(source, args.files, os.path.join(target, "current"))
        total = sum(os.path.getsize(os.path.join(source, p)) for p in paths)
        os.sync()  # do not bill the generator's dirty pages to the first run
        rows = [("full sync", run_sync(source, target, extra)),
                ("unchanged resync", run_sync(source, target, extra))]
        changed = change_files(source, paths, args.change_fraction)
        os.sync()
        rows.append(("%.0f%% changed (%d)" % (100 * args.change_fraction, len(changed)),
                     run_sync(source, target, extra)))
        assert rows[1][1]["created"] is False and rows[2][1]["files_copied"] == len(changed)
        report(rows, total, len(paths))
    finally:
        if not args.keep_tree:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
