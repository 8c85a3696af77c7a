#!/usr/bin/env python3
"""Benchmark the site rollout on the local Kubernetes API emulator (a script, not a test).

A large organisation (50 shares, 2,000 users in 200 groups by default) is rolled out with
playbooks/site.yml, then rolled out again; the same objects are then applied by a baseline
that runs one kubernetes.core.k8s task per object, twice. For each run: wall time, module
runs, API requests, discovery requests and writes, read from the emulator's audit log.

Run with `make bench`.
"""

import argparse
import glob
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

import yaml

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WRITE_VERBS = ("create", "update", "patch", "delete", "deletecollection")
# Tasks that run on the controller without a module of their own.
NOT_MODULE_RUNS = (
    "ansible.builtin.set_fact",
    "ansible.builtin.debug",
    "ansible.builtin.assert",
    "ansible.builtin.fail",
    "ansible.builtin.include_tasks",
    "ansible.builtin.include_role",
    "ansible.builtin.meta",
    "set_fact",
    "debug",
    "assert",
    "fail",
)
BASELINE_PLAYBOOK = """
- name: Baseline - one kubernetes.core.k8s task per object
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Apply one object
      kubernetes.core.k8s:
        state: present
        apply: true
        definition: "{{ lookup('ansible.builtin.file', item) | from_yaml }}"
      loop: >-
        {{ files | select('search', '/namespace_') | list
           + files | reject('search', '/(namespace|job|cronjob)_') | list
           + files | select('search', '/(job|cronjob)_') | list }}
      vars:
        files: "{{ query('ansible.builtin.fileglob', objects_dir ~ '/*.yaml') | sort }}"
"""


def organisation(shares, users, groups, seed):
    rnd = random.Random(seed)
    group_names = ["group-%03d" % number for number in range(groups)]
    tiers = {
        "public": {"readers": ["*"], "writers": group_names[:5], "gid": 40001},
        "private": {"readers": group_names[5:100], "writers": group_names[100:150], "gid": 40002},
        "secret": {"readers": [], "writers": group_names[150:160], "gid": 40003, "restricted": True},
    }
    share_list = []
    for number in range(shares):
        tier = ("public", "private", "private", "secret")[number % 4]
        share = {"name": "share-%02d" % number, "tier": tier, "size": "%dGi" % rnd.randint(10, 500)}
        if tier != "public":
            share["readers"] = rnd.sample(group_names, 2)
            share["writers"] = rnd.sample(group_names, 2)
            share["gid"] = 41000 + number
        share_list.append(share)
    members = dict(("user-%04d" % number, rnd.sample(group_names, rnd.randint(1, 3))) for number in range(users))
    return {
        "namespace": "bench",
        "create_namespace": True,
        "storage_class": {"name": "bench-rwx", "backend": "nfs_csi", "parameters": {"server": "nfs.bench", "share": "/bench"}},
        "tiers": tiers,
        "shares": share_list,
        "users": members,
    }


class Emulator(object):
    def __init__(self, workdir):
        self.workdir = workdir
        self.kubeconfig = os.path.join(workdir, "kubeconfig")
        self.audit_log = os.path.join(workdir, "audit.log")
        self.process = None

    def __enter__(self):
        command = [os.path.join(REPO_ROOT, "tools", "k8s-emulator"), "--port", "0", "--kubeconfig", self.kubeconfig,
                   "--audit-log", self.audit_log]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while not os.path.exists(self.kubeconfig):
            if time.time() > deadline or self.process.poll() is not None:
                raise RuntimeError("the emulator did not start")
            time.sleep(0.1)
        return self

    def __exit__(self, *exc_info):
        self.process.terminate()
        self.process.wait(timeout=30)

    def events(self):
        with open(self.audit_log) as handle:
            return [json.loads(line) for line in handle if line.strip()]

    def reset(self):
        open(self.audit_log, "w").close()


def module_runs(outcome):
    runs = 0
    for play in outcome["plays"]:
        for task in play["tasks"]:
            for result in task["hosts"].values():
                if result.get("skipped") or result.get("action") in NOT_MODULE_RUNS:
                    continue
                runs += len(result["results"]) if "results" in result else 1
    return runs


def failures(stdout):
    try:
        outcome = json.loads(stdout)
    except ValueError:
        return stdout[-2000:]
    messages = []
    for play in outcome["plays"]:
        for task in play["tasks"]:
            for result in task["hosts"].values():
                for item in result.get("results", [result]):
                    if item.get("failed"):
                        messages.append("%s: %s" % (task["task"]["name"], item.get("msg")))
    return "\n".join(messages[:5]) + "\n"


def run_playbook(emulator, playbook, extra_vars, env):
    emulator.reset()
    command = ["ansible-playbook", "-i", "localhost,", "-c", "local", playbook,
               "-e", "ansible_python_interpreter=" + sys.executable]
    for extra in extra_vars:
        command += ["-e", extra]
    start = time.perf_counter()
    completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if completed.returncode != 0:
        raise RuntimeError("%s failed:\n%s%s" % (playbook, failures(completed.stdout), completed.stderr[-2000:]))
    events = emulator.events()
    return {
        "wall": elapsed,
        "module_runs": module_runs(json.loads(completed.stdout)),
        "requests": len(events),
        "discovery": sum(1 for event in events if not event.get("objectRef")),
        "lists": sum(1 for event in events if event["verb"] == "list"),
        "writes": sum(1 for event in events if event["verb"] in WRITE_VERBS and not event["dryRun"]),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shares", type=int, default=50)
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--groups", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2026)
    options = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="bench-site-")
    try:
        vars_file = os.path.join(workdir, "vars.yml")
        with open(vars_file, "w") as handle:
            yaml.safe_dump({"shared_resources": organisation(options.shares, options.users, options.groups, options.seed)}, handle)
        baseline = os.path.join(workdir, "baseline.yml")
        with open(baseline, "w") as handle:
            handle.write(BASELINE_PLAYBOOK)
        rendered = os.path.join(workdir, "rendered")
        site = os.path.join(REPO_ROOT, "playbooks", "site.yml")
        env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO_ROOT, ".collections"))

        with Emulator(os.path.join(workdir)) as emulator:
            env["K8S_AUTH_KUBECONFIG"] = emulator.kubeconfig
            rows = [
                ("site.yml, first rollout", run_playbook(emulator, site, ["@" + vars_file], env)),
                ("site.yml, rerun", run_playbook(emulator, site, ["@" + vars_file], env)),
            ]
            run_playbook(emulator, site, ["@" + vars_file, "shared_resources_render_dir=" + rendered], env)
            objects = len(glob.glob(os.path.join(rendered, "*.yaml")))
        baseline_cluster = os.path.join(workdir, "baseline-cluster")
        os.makedirs(baseline_cluster)
        with Emulator(baseline_cluster) as emulator:
            env["K8S_AUTH_KUBECONFIG"] = emulator.kubeconfig
            rows.append(("baseline, one task per object", run_playbook(emulator, baseline, ["objects_dir=" + rendered], env)))
            rows.append(("baseline, rerun", run_playbook(emulator, baseline, ["objects_dir=" + rendered], env)))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print("site rollout benchmark: %d shares, %d users in %d groups, %d objects"
          % (options.shares, options.users, options.groups, objects))
    print("| run | wall (s) | module runs | API requests | of which discovery | of which lists | writes |")
    print("|---|---|---|---|---|---|---|")
    for name, row in rows:
        print("| %s | %.1f | %d | %d | %d | %d | %d |"
              % (name, row["wall"], row["module_runs"], row["requests"], row["discovery"], row["lists"], row["writes"]))
    rerun, baseline_rerun = rows[1][1], rows[3][1]
    goals = [
        ("rerun sends zero writes", rerun["writes"] == 0),
        ("rerun requests within objects + discovery (%d <= %d + %d)" % (rerun["requests"], objects, rerun["discovery"]),
         rerun["requests"] <= objects + rerun["discovery"]),
        ("rerun at least 5x faster than the baseline rerun (%.1fx)" % (baseline_rerun["wall"] / rerun["wall"]),
         baseline_rerun["wall"] >= 5 * rerun["wall"]),
    ]
    for name, met in goals:
        print("%-70s %s" % (name, "met" if met else "NOT MET"))
    return 0 if all(met for _, met in goals) else 1


if __name__ == "__main__":
    sys.exit(main())
