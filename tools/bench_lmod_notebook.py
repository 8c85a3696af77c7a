#!/usr/bin/env python3
"""Benchmark the LMod tree as a notebook uses it: `module avail` with and without the spider
cache lmod-sync publishes, and a Jupyter kernel that starts with two modules.

Generates a tree of --modulefiles Lua modulefiles (--versions per package), publishes it with
roles/lmod_tree/files/lmod-sync --kernels (real Lmod: update_lmod_system_cache_files), then:

  1. `module -t avail` (Lmod's own bash command, as a terminal runs it) with the notebook
     environment: MODULEPATH and LMOD_RC through <target>/current, so Lmod reads the release's
     spider cache; then the same with LMOD_IGNORE_CACHE=1, so Lmod walks every modulefile
     directory instead (what a tree without a cache costs); the same for `module -t spider`,
     which without a cache evaluates every modulefile;
  2. a kernel start, timed as JupyterLab waits for it (jupyter_client start_kernel until the
     kernel answers kernel_info): the published kernel that loads two modules, against
     ipykernel's plain Python kernel from the same interpreter.

Each figure is the median of --repeat runs on a warm page cache. Needs Lmod
(apt-get install lmod), jupyter_client and ipykernel (the project virtualenv).

Usage: .venv/bin/python tools/bench_lmod_notebook.py [--modulefiles N] [--repeat N] [--dir DIR]
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(REPO_ROOT, "roles", "lmod_tree", "files", "lmod-sync")
LMOD_PREFIX = os.environ.get("LMOD_PKG", "/usr/share/lmod/lmod")
KERNEL_MODULES = ["pkg0000", "pkg0001"]


def generate_tree(root, n_modulefiles, versions, prefix):
    """n_modulefiles Lua modulefiles: packages of `versions` versions each, EasyBuild-like."""
    for index in range(n_modulefiles):
        name, version = "pkg%04d" % (index // versions), "%d.%d" % (1 + index % versions, index % 7)
        install = os.path.join(prefix, "software", name, version)
        path = os.path.join(root, "modulefiles", name, version + ".lua")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as handle:
            handle.write(
                'help([[%s %s: a generated package]])\nwhatis("Name: %s")\nwhatis("Version: %s")\n'
                'whatis("Description: benchmark package")\nlocal root = "%s"\n'
                'setenv("EBROOT%s", root)\nprepend_path("PATH", pathJoin(root, "bin"))\n'
                'prepend_path("LD_LIBRARY_PATH", pathJoin(root, "lib"))\n'
                % (name, version, name, version, install, name.upper())
            )


def publish(source, target, kernels_file):
    command = [sys.executable, SCRIPT, "--source", source, "--target", target, "--kernels", kernels_file,
               "--update-cache-cmd", os.path.join(LMOD_PREFIX, "libexec", "update_lmod_system_cache_files"), "--json"]
    started = time.monotonic()
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.exit("lmod-sync failed:\n" + proc.stderr)
    return time.monotonic() - started


def notebook_env(target, home, **extra):
    current = os.path.join(target, "current")
    env = {
        "PATH": os.path.dirname(sys.executable) + ":/usr/bin:/bin",
        "HOME": home,
        "LANG": "C.UTF-8",
        "LMOD_CMD": os.path.join(LMOD_PREFIX, "libexec", "lmod"),
        "BASH_ENV": os.path.join(LMOD_PREFIX, "init", "bash"),
        "MODULEPATH": os.path.join(current, "modulefiles"),
        "LMOD_RC": os.path.join(current, "lmodrc.lua"),
        "LMOD_CACHED_LOADS": "yes",
        "JUPYTER_PATH": os.path.join(current, "share", "jupyter"),
    }
    env.update(extra)
    return env


def time_module(command, env, repeat):
    """Median seconds of `module -t COMMAND`, and the number of modules it listed."""
    times, listed = [], 0
    for _attempt in range(repeat):
        started = time.monotonic()
        proc = subprocess.run(["bash", "-c", "module -t " + command], env=env, capture_output=True, text=True, check=False)
        times.append(time.monotonic() - started)
        if proc.returncode != 0:
            sys.exit("module %s failed:\n%s" % (command, proc.stderr))
        listed = len([line for line in proc.stderr.splitlines() if line and not line.endswith((":", "/"))])
    return statistics.median(times), listed


def time_kernel(kernel_name, env, repeat):
    """Median seconds from start_kernel until the kernel answers kernel_info."""
    import jupyter_client

    saved = dict(os.environ)
    os.environ["JUPYTER_PATH"], os.environ["HOME"] = env["JUPYTER_PATH"], env["HOME"]
    times = []
    try:
        for _attempt in range(repeat):
            manager = jupyter_client.KernelManager(kernel_name=kernel_name)
            started = time.monotonic()
            manager.start_kernel(env=env, stderr=subprocess.DEVNULL)
            client = manager.client()
            client.start_channels()
            try:
                client.wait_for_ready(timeout=120)
                times.append(time.monotonic() - started)
            finally:
                client.stop_channels()
                manager.shutdown_kernel(now=True)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modulefiles", type=int, default=2000)
    parser.add_argument("--versions", type=int, default=5, help="versions per package (default 5)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--dir", help="work directory (default: a temporary one, removed)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not os.path.exists(os.path.join(LMOD_PREFIX, "libexec", "update_lmod_system_cache_files")):
        sys.exit("Lmod is not installed under %s (apt-get install lmod, or set LMOD_PKG)" % LMOD_PREFIX)

    work = args.dir or tempfile.mkdtemp(prefix="bench-lmod-notebook-")
    try:
        source, target, home = (os.path.join(work, name) for name in ("src", "apps", "home"))
        for path in (target, home):
            os.makedirs(path)
        generate_tree(source, args.modulefiles, args.versions, os.path.join(target, "current"))
        kernels_file = os.path.join(work, "kernels.json")
        with open(kernels_file, "w") as handle:
            json.dump([{"name": "two-modules", "display_name": "Python 3 (two modules)", "modules": KERNEL_MODULES}], handle)
        sync_seconds = publish(source, target, kernels_file)

        cached, listed = time_module("avail", notebook_env(target, home), args.repeat)
        walked, listed_walked = time_module("avail", notebook_env(target, home, LMOD_IGNORE_CACHE="1"), args.repeat)
        assert listed == listed_walked == args.modulefiles, (listed, listed_walked)
        spider_cached = time_module("spider", notebook_env(target, home), args.repeat)[0]
        spider_walked = time_module("spider", notebook_env(target, home, LMOD_IGNORE_CACHE="1"), args.repeat)[0]
        with_modules = time_kernel("two-modules", notebook_env(target, home), args.repeat)
        plain = time_kernel("python3", notebook_env(target, home), args.repeat)
        results = {
            "modulefiles": args.modulefiles,
            "publish_seconds": round(sync_seconds, 3),
            "avail_with_cache_seconds": round(cached, 3),
            "avail_without_cache_seconds": round(walked, 3),
            "spider_with_cache_seconds": round(spider_cached, 3),
            "spider_without_cache_seconds": round(spider_walked, 3),
            "kernel_two_modules_seconds": round(with_modules, 3),
            "kernel_plain_seconds": round(plain, 3),
            "repeat": args.repeat,
        }
    finally:
        if not args.dir:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print("LMod in the notebook: %d modulefiles, published in %.2f s (spider cache included); median of %d runs\n"
          % (args.modulefiles, results["publish_seconds"], args.repeat))
    print("| measure | seconds |\n| --- | --- |")
    print("| `module -t avail`, spider cache of the release | %.3f |" % results["avail_with_cache_seconds"])
    print("| `module -t avail`, no cache (`LMOD_IGNORE_CACHE=1`) | %.3f |" % results["avail_without_cache_seconds"])
    print("| `module -t spider`, spider cache of the release | %.3f |" % results["spider_with_cache_seconds"])
    print("| `module -t spider`, no cache (`LMOD_IGNORE_CACHE=1`) | %.3f |" % results["spider_without_cache_seconds"])
    print("| kernel start to `kernel_info` reply, two modules (%s) | %.3f |" % (" ".join(KERNEL_MODULES), results["kernel_two_modules_seconds"]))
    print("| kernel start to `kernel_info` reply, ipykernel's plain `python3` | %.3f |" % results["kernel_plain_seconds"])


if __name__ == "__main__":
    main()
