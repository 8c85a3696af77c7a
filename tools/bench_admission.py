#!/usr/bin/env python3
"""Benchmark the Notebook admission webhook's server (a script, not a test).

The organisation of bench_site.py (50 shares, 2,000 users in 200 groups by default) with 20 Data
Science Projects, as its access map; the server runs as its pods run it: the code ConfigMap the
collection builds, projected into a directory, on the system Python with -I -S, over HTTPS (a pair
from the emulator's service CA, verified for the Service's name). Reviews are shaped like the
dashboard's writes (tests/support/odh_dashboard.py): new workbenches, the edit that dropped the
shares, stops of notebooks already right, and a running notebook's unrelated update; owners are
random users. Clients keep their connections alive, as the API server does. For one client and for
several at once: reviews per second and latency per review (p50, p99, max), measured by the client
(TLS and HTTP included); and the time of the decision alone, in process.

Run with `make bench`.
"""

import argparse
import http.client
import json
import os
import random
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [REPO_ROOT, os.path.join(REPO_ROOT, ".collections")]

from bench_notebooks import with_projects  # noqa: E402
from bench_site import organisation  # noqa: E402

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import admission, admission_objects  # noqa: E402
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import notebooks as nb  # noqa: E402
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import parse_spec  # noqa: E402
from tests.support import odh_dashboard as dashboard  # noqa: E402
from tools.k8s_emulator.service_ca import ServiceCA  # noqa: E402

SERVER_HOST = "notebook-admission.bench.svc"
P99_GOAL_MS = 20.0


def read_module_utils(name):
    with open(os.path.join(REPO_ROOT, "plugins", "module_utils", name + ".py")) as handle:
        return handle.read()


def pod_layout(workdir, spec_data):
    """The server's files as its pod has them, and its access map; returns (server path, access map path, rules)."""
    with open(os.path.join(REPO_ROOT, "roles", "jupyterhub", "files", "notebook-admission")) as handle:
        files = admission_objects.code_files(handle.read(), read_module_utils)
    spec = parse_spec(spec_data)
    text = admission.access_map_text(admission.access_map(spec_data, spec_data["users"]))
    result = admission_objects.admission_objects(spec, files, text)
    code_map = next(item for item in result["objects"] if item["metadata"]["name"] == admission_objects.CODE_CONFIG_MAP)
    deployment = next(item for item in result["objects"] if item["kind"] == "Deployment")
    volume = next(item for item in deployment["spec"]["template"]["spec"]["volumes"] if item["name"] == "code")
    for item in volume["configMap"]["items"]:
        path = os.path.join(workdir, "code", item["path"])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as handle:
            handle.write(code_map["data"][item["key"]])
    config = os.path.join(workdir, "config.json")
    with open(config, "w") as handle:
        handle.write(text)
    server = os.path.join(workdir, "code", os.path.relpath(deployment["spec"]["template"]["spec"]["containers"][0]["command"][1],
                                                         admission_objects.CODE_DIR))
    return server, config, admission.rules_from_access_map(json.loads(text))


def reviews(rules, spec_data, count, seed):
    """``count`` AdmissionReviews in the dashboard's shapes, for random owners in random notebook namespaces."""
    rnd = random.Random(seed)
    users = sorted(spec_data["users"])
    namespaces = [entry if isinstance(entry, str) else entry["name"] for entry in spec_data["jupyterhub"]["notebook_namespaces"]]
    made = []
    for number in range(count):
        user, namespace, kind = rnd.choice(users), rnd.choice(namespaces), number % 4
        fresh = dashboard.workbench("wb-%d" % number, namespace, user)
        if kind == 0:  # a new workbench
            made.append(dashboard.admission_review("CREATE", fresh))
            continue
        outcome, desired = rules.desired(fresh)
        stored = nb.apply_merge_patch(fresh, desired) if outcome == rules.CHANGED else fresh
        if kind == 1:  # the dashboard's edit, which drops the shares
            made.append(dashboard.admission_review("UPDATE", nb.apply_merge_patch(stored, dashboard.edit_merge_patch(stored)), stored))
        elif kind == 2:  # a stop of a notebook already right
            stopped = json.loads(json.dumps(stored))
            stopped["metadata"]["annotations"][dashboard.STOP_ANNOTATION] = dashboard.STOP_TIME
            made.append(dashboard.admission_review("UPDATE", stopped, stored))
        else:  # the culler touching a running notebook that lacks its shares
            touched = json.loads(json.dumps(fresh))
            touched["metadata"]["annotations"]["notebooks.kubeflow.org/last-activity"] = "2026-11-30T10:05:00Z"
            made.append(dashboard.admission_review("UPDATE", touched, fresh))
    return [json.dumps(review).encode() for review in made]


class Connection(http.client.HTTPSConnection):
    """Keep-alive HTTPS to 127.0.0.1, verified for the Service's name as the API server verifies it."""

    def __init__(self, port, context):
        http.client.HTTPSConnection.__init__(self, "127.0.0.1", port, context=context, timeout=30)

    def connect(self):
        http.client.HTTPConnection.connect(self)
        self.sock = self._context.wrap_socket(self.sock, server_hostname=SERVER_HOST)


def load(port, context, bodies, clients):
    """Send ``bodies`` from ``clients`` threads; returns (latencies in seconds, wall time, outcomes by count)."""
    latencies, patched, lock = [], [0], threading.Lock()
    chunks = [bodies[index::clients] for index in range(clients)]

    def client(chunk):
        connection = Connection(port, context)
        mine, with_patch = [], 0
        for body in chunk:
            started = time.perf_counter()
            connection.request("POST", "/mutate-notebooks", body=body, headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            answer = json.loads(response.read())
            mine.append(time.perf_counter() - started)
            if response.status != 200 or not answer["response"]["allowed"]:
                raise RuntimeError("unexpected answer: %s %s" % (response.status, answer))
            with_patch += "patch" in answer["response"]
        connection.close()
        with lock:
            latencies.extend(mine)
            patched[0] += with_patch

    threads = [threading.Thread(target=client, args=(chunk,)) for chunk in chunks]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - started, patched[0]


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def row(name, latencies, wall, patched):
    return "| %s | %d | %d | %.0f | %.2f | %.2f | %.2f |" % (
        name, len(latencies), patched, len(latencies) / wall, percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000,
        max(latencies) * 1000)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shares", type=int, default=50)
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--groups", type=int, default=200)
    parser.add_argument("--projects", type=int, default=20)
    parser.add_argument("--reviews", type=int, default=4000)
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients of the second run")
    parser.add_argument("--python", default="/usr/bin/python3", help="the interpreter the server runs on")
    parser.add_argument("--seed", type=int, default=2026)
    options = parser.parse_args()

    spec_data = with_projects(organisation(options.shares, options.users, options.groups, options.seed), options.projects, options.seed)
    spec_data["jupyterhub"]["admission"] = {"enabled": True}
    workdir = tempfile.mkdtemp(prefix="bench-admission-")
    process = None
    try:
        server, config, rules = pod_layout(workdir, spec_data)
        authority = ServiceCA()
        certificate, key, _ = authority.serving_pair("notebook-admission", "bench")
        for name, text in (("tls.crt", certificate), ("tls.key", key)):
            with open(os.path.join(workdir, name), "w") as handle:
                handle.write(text)
        bodies = reviews(rules, spec_data, options.reviews, options.seed)
        decided = []
        for body in bodies:
            request = admission.review_request(json.loads(body))
            started = time.perf_counter()
            admission.decide(rules, request)
            decided.append(time.perf_counter() - started)

        process = subprocess.Popen(
            [options.python, "-I", "-S", server, "--port", "0", "--address", "127.0.0.1", "--tls-cert", os.path.join(workdir, "tls.crt"),
             "--tls-key", os.path.join(workdir, "tls.key"), "--config", config],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        port = None
        while port is None:
            entry = json.loads(process.stderr.readline() or "{}")
            if not entry:
                raise RuntimeError("the server did not start")
            port = entry.get("port") if entry.get("msg") == "serving" else None
        # Its log (info: a line per patch, as in production) is read on, so a full pipe never blocks it.
        threading.Thread(target=process.stderr.read, daemon=True).start()
        context = ssl.create_default_context(cadata=authority.bundle())
        load(port, context, bodies[:200], 1)  # warm up
        single = load(port, context, bodies, 1)
        concurrent = load(port, context, bodies, options.clients)
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)

    print("admission webhook benchmark: %d shares, %d users in %d groups, %d project namespaces, access map %d bytes, Python %s"
          % (options.shares, options.users, options.groups, options.projects, os.path.getsize(config) if os.path.exists(config) else
             len(admission.access_map_text(admission.access_map(spec_data, spec_data["users"]))),
             subprocess.run([options.python, "-c", "import sys; print(sys.version.split()[0])"], capture_output=True, text=True).stdout.strip()))
    print("| run | reviews | with a patch | reviews/s | p50 (ms) | p99 (ms) | max (ms) |")
    print("|---|---|---|---|---|---|---|")
    print(row("HTTPS, 1 client", *single))
    print(row("HTTPS, %d clients" % options.clients, *concurrent))
    print("| decision alone, in process | %d | - | %.0f | %.2f | %.2f | %.2f |" % (
        len(decided), len(decided) / sum(decided), percentile(decided, 0.5) * 1000, percentile(decided, 0.99) * 1000, max(decided) * 1000))
    goals = [("p99 per review under %.0f ms with one client (%.2f ms)" % (P99_GOAL_MS, percentile(single[0], 0.99) * 1000),
              percentile(single[0], 0.99) * 1000 < P99_GOAL_MS)]
    for name, met in goals:
        print("%-70s %s" % (name, "met" if met else "NOT MET"))
    return 0 if all(met for _, met in goals) else 1


if __name__ == "__main__":
    sys.exit(main())
