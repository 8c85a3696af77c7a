#!/usr/bin/env python3
"""Benchmark the ODH 2.x notebook stage with Data Science Projects on the emulator (a script, not a test).

The organisation of bench_site.py (50 shares, 2,000 users in 200 groups by default) gets the
odh_notebooks flavour with project namespaces: half of them open to every user, half with one
to three audience groups. Each namespace holds stopped Jupyter-tile notebooks of random users.
site.yml rolls everything out, then runs again; then the jupyterhub stage alone reruns (as the
AWX schedule runs it), and runs after a revocation (every other user loses their groups, half of
the projects leave the list). The same organisation without projects is the baseline of the
jupyterhub stage's rerun: with the projects it must take at most 1.5 times as long. For each run:
wall time, module runs, API requests, lists, writes, and among the writes those of static volumes
and project claims, and the notebook patches.

Run with `make bench`.
"""

import argparse
import json
import os
import random
import shutil
import sys
import tempfile

import yaml
from kubernetes import config, dynamic

from bench_site import REPO_ROOT, WRITE_VERBS, Emulator, organisation, run_playbook

# The CRD molecule/default installs, reduced to what the emulator needs.
CRD_FILE = os.path.join(REPO_ROOT, "molecule", "default", "files", "notebook-crd.yml")


def notebook(user, namespace):
    name = "jupyter-nb-" + user
    return {
        "apiVersion": "kubeflow.org/v1",
        "kind": "Notebook",
        "metadata": {"name": name, "namespace": namespace,
                     "annotations": {"opendatahub.io/username": user, "kubeflow-resource-stopped": "2026-11-26T00:00:00Z"}},
        "spec": {"template": {"spec": {"containers": [{"name": name, "image": "quay.io/modh/odh-minimal-notebook-container:v3"}]}}},
    }


def with_projects(spec, projects, seed):
    rnd = random.Random(seed)
    spec = json.loads(json.dumps(spec))
    groups = sorted(set(group for members in spec["users"].values() for group in members))
    namespaces = [spec["namespace"]]
    for number in range(projects):
        name = "project-%02d" % number
        namespaces.append(name if number % 2 else {"name": name, "groups": rnd.sample(groups, rnd.randint(1, 3))})
    spec["jupyterhub"] = {"flavor": "odh_notebooks", "notebook_namespaces": namespaces}
    return spec


def prepare_cluster(kubeconfig, spec, notebooks_per_namespace, seed):
    rnd = random.Random(seed)
    client = dynamic.DynamicClient(config.new_client_from_config(config_file=kubeconfig))
    with open(CRD_FILE) as handle:
        crd = yaml.safe_load(handle)
    client.resources.get(api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition").create(body=crd)
    namespaces = client.resources.get(api_version="v1", kind="Namespace")
    notebooks = client.resources.get(api_version="kubeflow.org/v1", kind="Notebook")
    users = sorted(spec["users"])
    count = 0
    for entry in spec["jupyterhub"]["notebook_namespaces"]:
        name = entry if isinstance(entry, str) else entry["name"]
        namespaces.create(body={"metadata": {"name": name}})
        for user in rnd.sample(users, notebooks_per_namespace):
            notebooks.create(body=notebook(user, name))
            count += 1
    return count


def static_writes(events, share_namespace):
    """Writes of static volumes and of claims outside the share namespace: the project namespaces' objects."""
    return sum(1 for event in events if event["verb"] in WRITE_VERBS and not event["dryRun"] and (
        event["objectRef"].get("resource") == "persistentvolumes"
        or (event["objectRef"].get("resource") == "persistentvolumeclaims" and event["objectRef"].get("namespace") != share_namespace)))


def revoke(spec):
    """Every other user loses their groups, and the second half of the project namespaces leaves the list."""
    revoked = json.loads(json.dumps(spec))
    revoked["users"] = dict((user, [] if position % 2 else groups) for position, (user, groups) in enumerate(sorted(spec["users"].items())))
    namespaces = revoked["jupyterhub"]["notebook_namespaces"]
    revoked["jupyterhub"]["notebook_namespaces"] = namespaces[:1 + (len(namespaces) - 1) // 2]
    return revoked


def measure(spec, runs, notebooks_per_namespace, seed):
    """Run ``runs`` ((name, spec to use, tags)) on a fresh emulator holding the notebooks of ``spec``; their rows."""
    workdir = tempfile.mkdtemp(prefix="bench-notebooks-")
    site = os.path.join(REPO_ROOT, "playbooks", "site.yml")
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO_ROOT, ".collections"))
    rows = []
    try:
        with Emulator(workdir) as emulator:
            env["K8S_AUTH_KUBECONFIG"] = emulator.kubeconfig
            notebooks = prepare_cluster(emulator.kubeconfig, spec, notebooks_per_namespace, seed)
            for number, (name, run_spec, tags) in enumerate(runs):
                vars_file = os.path.join(workdir, "vars-%d.yml" % number)
                with open(vars_file, "w") as handle:
                    yaml.safe_dump({"shared_resources": run_spec}, handle)
                row = run_playbook(emulator, site, ["@" + vars_file], dict(env, ANSIBLE_RUN_TAGS=tags) if tags else env)
                events = emulator.events()
                row["static"] = static_writes(events, spec["namespace"])
                row["patches"] = sum(1 for event in events if event["verb"] == "patch" and event["objectRef"].get("resource") == "notebooks")
                rows.append((name, row))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return notebooks, rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shares", type=int, default=50)
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--groups", type=int, default=200)
    parser.add_argument("--projects", type=int, default=20)
    parser.add_argument("--notebooks", type=int, default=10, help="notebooks per namespace")
    parser.add_argument("--seed", type=int, default=2026)
    options = parser.parse_args()

    base = organisation(options.shares, options.users, options.groups, options.seed)
    spec = with_projects(base, options.projects, options.seed)
    revoked = revoke(spec)
    notebooks, rows = measure(spec, (
        ("site.yml, first rollout", spec, ""),
        ("site.yml, rerun", spec, ""),
        ("jupyterhub stage, rerun", spec, "jupyterhub"),
        ("jupyterhub stage after a revocation", revoked, "jupyterhub"),
        ("jupyterhub stage, rerun after the revocation", revoked, "jupyterhub"),
    ), options.notebooks, options.seed)
    without = with_projects(base, 0, options.seed)
    _, baseline = measure(without, (
        ("no projects: site.yml, first rollout", without, ""),
        ("no projects: jupyterhub stage, rerun", without, "jupyterhub"),
    ), options.notebooks, options.seed)
    rows.extend(baseline)

    print("notebook stage benchmark: %d shares, %d users in %d groups, %d project namespaces, %d notebooks"
          % (options.shares, options.users, options.groups, options.projects, notebooks))
    print("| run | wall (s) | module runs | API requests | of which lists | writes | static volumes and project claims | notebook patches |")
    print("|---|---|---|---|---|---|---|---|")
    for name, row in rows:
        print("| %s | %.1f | %d | %d | %d | %d | %d | %d |" % (
            name, row["wall"], row["module_runs"], row["requests"], row["lists"], row["writes"], row["static"], row["patches"]))
    by_name = dict(rows)
    stage, stage_without = by_name["jupyterhub stage, rerun"], by_name["no projects: jupyterhub stage, rerun"]
    ratio = stage["wall"] / stage_without["wall"]
    goals = [
        ("reruns send zero writes", all(by_name[name]["writes"] == 0 for name in (
            "site.yml, rerun", "jupyterhub stage, rerun", "jupyterhub stage, rerun after the revocation", "no projects: jupyterhub stage, rerun"))),
        ("jupyterhub stage rerun with %d projects within 1.5x the one without (%.2fx)" % (options.projects, ratio), ratio <= 1.5),
        # One more with projects: the plan of their static volumes and claims; none per namespace.
        ("module runs do not grow with the projects (%d with, %d without)" % (stage["module_runs"], stage_without["module_runs"]),
         stage["module_runs"] <= stage_without["module_runs"] + 1),
    ]
    for name, met in goals:
        print("%-70s %s" % (name, "met" if met else "NOT MET"))
    return 0 if all(met for _, met in goals) else 1


if __name__ == "__main__":
    sys.exit(main())
