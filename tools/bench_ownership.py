#!/usr/bin/env python3
"""Benchmark the notebook start cost of the kubelet's volume ownership change (a script, not a test).

A share of 100,000 files (1,000 directories of 100 files, by default) as csi-driver-nfs leaves it
(root:root 0755, tests/dataplane/upstream.py) gets, at each notebook start, the kubelet's fsGroup
change reproduced from kubernetes pkg/volume/volume_linux.go: with fsGroupChangePolicy Always (the
default, and all ODH 1.x profiles can get) every start walks and re-owns every file; with
OnRootMismatch (what the collection sets on notebook pods) only the first one does. As root, the run
also shows a root-squashed export, where the kubelet's chown is refused, the root never matches and
even OnRootMismatch walks at every start.

Run with `make bench` (or `python tools/bench_ownership.py --files 100000 --starts 3`).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
UPSTREAM = os.path.join(REPO_ROOT, "tests", "dataplane", "upstream.py")
FS_GROUP = 1000680000


def build_share(root, files, per_directory):
    """The provisioner's directory, then ``files`` files written by a notebook (uid 1000680000, umask 022)."""
    run_upstream([[["csi_nfs_create_volume", {"path": root}]]])
    made = 0
    directory = None
    while made < files:
        if made % per_directory == 0:
            directory = os.path.join(root, "d%05d" % (made // per_directory))
            os.mkdir(directory, 0o755)
            os.chown(directory, FS_GROUP, 0)
        path = os.path.join(directory, "f%03d" % (made % per_directory))
        with open(path, "w") as handle:
            handle.write("x")
        os.chown(path, FS_GROUP, 0)
        made += 1


def run_upstream(groups, squashed=False):
    """upstream.py as root, or as a root-squashed kubelet (the anonymous uid and gid, no capabilities)."""
    python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
    argv = [python, "-I", "-S", UPSTREAM, json.dumps(groups)]
    if squashed:
        argv = ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups", "--"] + argv
    completed = subprocess.run(argv, capture_output=True, text=True, check=True)
    return json.loads(completed.stdout)


def notebook_starts(root, policy, starts, squashed=False):
    """Seconds and outcome of the kubelet's ownership change at each of ``starts`` notebook starts."""
    results = []
    for _start in range(starts):
        step = [["set_volume_ownership", {"root": root, "fs_group": FS_GROUP, "policy": policy}]]
        outcome = run_upstream([step], squashed)[0]
        results.append((outcome["seconds"], outcome))
    return results


def report(label, results):
    cells = ["%8.3fs %s" % (seconds, "walked" if outcome.get("walked") else "skipped") for seconds, outcome in results]
    print("%-42s %s" % (label, "  ".join(cells)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100000)
    parser.add_argument("--per-directory", type=int, default=100)
    parser.add_argument("--starts", type=int, default=3)
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("bench_ownership: needs root (it creates files owned by other uids and runs the kubelet as root)")
        return 0
    base = tempfile.mkdtemp(prefix="bench-ownership-")
    os.chmod(base, 0o755)
    try:
        print("Notebook start cost of the kubelet's ownership change, %d files (each column: one notebook start)" % args.files)
        for policy in ("Always", "OnRootMismatch"):
            root = os.path.join(base, policy)
            build_share(root, args.files, args.per_directory)
            report("fsGroupChangePolicy %s" % policy, notebook_starts(root, policy, args.starts))
        if shutil.which("setpriv"):
            root = os.path.join(base, "squashed")
            os.chown(base, 65534, 65534)
            build_share(root, args.files, args.per_directory)
            os.chown(root, 65534, 65534)  # what the squashed provisioner leaves
            report("OnRootMismatch, export with root_squash", notebook_starts(root, "OnRootMismatch", args.starts, squashed=True))
    finally:
        shutil.rmtree(base)
    return 0


if __name__ == "__main__":
    sys.exit(main())
