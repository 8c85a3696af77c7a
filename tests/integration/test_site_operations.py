"""site.yml as operators run it, against the API emulator: a claim the collection did not create, what a rerun
shows, two runs at once. (Pruning in check mode: molecule/default's verify.)"""

import copy
import json
import os
import re
import subprocess
import sys

import yaml
from kubernetes import config, dynamic

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import manifests
from tests.support.playbooks import REPO_ROOT, ansible_env, run_playbook

SITE = os.path.join(REPO_ROOT, "playbooks", "site.yml")
INVENTORY = os.path.join(REPO_ROOT, "examples", "inventory")
NAMESPACE = "rhods-notebooks"
MAX_LINE = 1000


def example_spec():
    with open(os.path.join(INVENTORY, "group_vars", "all", "shared_resources.yml")) as handle:
        return yaml.safe_load(handle)["shared_resources"]


def site(env, tmp_path, spec=None, *args):
    """site.yml with the example inventory, and ``spec`` as extra vars when given."""
    extra = []
    if spec is not None:
        path = tmp_path / ("spec-%d.json" % len(list(tmp_path.glob("spec-*.json"))))
        path.write_text(json.dumps({"shared_resources": spec}))
        extra = ["-e", "@%s" % path]
    return run_playbook(SITE, *(extra + list(args)), env=env, inventory=INVENTORY)


def client_for(emulator):
    return dynamic.DynamicClient(config.new_client_from_config(config_file=emulator.kubeconfig))


def claims(client):
    return dict((item["metadata"]["name"], item) for item in client.resources.get(api_version="v1", kind="PersistentVolumeClaim")
                .get(namespace=NAMESPACE).to_dict()["items"])


def directory_jobs(client):
    selector = manifests.managed_selector(manifests.DIRECTORY_COMPONENT)
    items = client.resources.get(api_version="batch/v1", kind="Job").get(namespace=NAMESPACE, label_selector=selector).to_dict()["items"]
    return [item["metadata"]["labels"][manifests.SHARE_LABEL] for item in items]


def test_a_claim_the_collection_did_not_create_is_refused_before_any_write_then_adopted(k8s_emulator, tmp_path):
    client = client_for(k8s_emulator)
    client.resources.get(api_version="v1", kind="Namespace").create(body={"metadata": {"name": NAMESPACE}})
    foreign = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
               "metadata": {"name": "radiology-data", "namespace": NAMESPACE, "labels": {"owner": "radiology"}},
               "spec": {"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": "3Gi"}}}}
    foreign["metadata"]["annotations"] = {"kubectl.kubernetes.io/last-applied-configuration": json.dumps(foreign)}
    client.resources.get(api_version="v1", kind="PersistentVolumeClaim").create(body=foreign, namespace=NAMESPACE)
    before = claims(client)["radiology-data"]
    env = ansible_env(k8s_emulator.env())
    spec = example_spec()
    share = spec["shares"][1]  # reference-models: no directories of its own
    share["claim_name"] = "radiology-data"
    k8s_emulator.reset_audit()

    refused = site(env, tmp_path, spec)
    assert refused.returncode == 2
    assert ("PersistentVolumeClaim %s/radiology-data: exists, and the collection did not create it" % NAMESPACE) in refused.stdout
    assert "Set adopt: true on share '%s'" % share["name"] in refused.stdout
    assert k8s_emulator.writes() == [], "refused before the first write of the run (the StorageClass)"

    share["adopt"] = True
    adopted = site(env, tmp_path, spec, "--tags", "storage_class,shares")
    assert adopted.returncode == 0, adopted.stdout[-3000:]
    after = claims(client)["radiology-data"]
    assert after["spec"] == before["spec"]
    assert after["metadata"]["labels"]["owner"] == "radiology"
    assert after["metadata"]["labels"][manifests.SHARE_LABEL] == share["name"]
    assert after["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] == \
        before["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
    assert share["name"] not in directory_jobs(client) and spec["shares"][0]["name"] in directory_jobs(client)
    k8s_emulator.reset_audit()
    assert site(env, tmp_path, spec, "--tags", "storage_class,shares").returncode == 0
    assert k8s_emulator.writes() == []

    removed = copy.deepcopy(spec)
    removed["shares"].remove(share)
    pruned = site(env, tmp_path, removed, "--tags", "storage_class,shares", "-e", "shared_resources_prune=true")
    assert pruned.returncode == 0, pruned.stdout[-3000:]
    assert "radiology-data is no longer declared and is kept: adopted" in pruned.stderr  # a warning
    assert claims(client)["radiology-data"]["metadata"]["uid"] == before["metadata"]["uid"]


def task_outcomes(stdout):
    """(task name, outcome) of each task the default callback displayed."""
    outcomes = []
    for block in re.split(r"\n(?=TASK \[)", stdout):
        if block.startswith("TASK ["):
            first = block.split("\n", 2)[1:2]
            outcomes.append((block.split("]", 1)[0][6:], first[0].split(":", 1)[0] if first else ""))
    return outcomes


def test_a_rerun_shows_the_tasks_that_matter_and_no_line_is_overlong(k8s_emulator, tmp_path):
    env = ansible_env(k8s_emulator.env())
    check = site(env, tmp_path, None, "--check", "--diff")
    assert check.returncode == 0, check.stdout[-3000:]
    assert "+    #!/usr/bin/env python\n" in check.stdout, "the lmod-sync script shows as lines"
    assert max(len(line) for line in check.stdout.splitlines()) <= MAX_LINE
    assert site(env, tmp_path).returncode == 0

    k8s_emulator.reset_audit()
    rerun = site(env, tmp_path)
    assert rerun.returncode == 0
    assert k8s_emulator.writes() == []
    outcomes = task_outcomes(rerun.stdout)
    skipped = [name for name, outcome in outcomes if outcome == "skipping"]
    print("rerun: %d tasks displayed, %d skipped" % (len(outcomes), len(skipped)))
    assert len(skipped) * 4 <= len(outcomes), skipped
    assert max(len(line) for line in rerun.stdout.splitlines()) <= MAX_LINE


def test_two_runs_at_once_both_end_well(k8s_emulator, tmp_path):
    """An AWX schedule and a person: the first creates of each kind are held back, so that both runs plan them as new."""
    for resource in ("storageclasses", "namespaces", "persistentvolumeclaims", "jobs"):
        k8s_emulator.inject_fault(action="delay", seconds=3, verbs=["create"], resource=resource, times=2)
    env = ansible_env(k8s_emulator.env(), ANSIBLE_NOCOLOR="1")
    command = ["ansible-playbook", "-i", INVENTORY, SITE, "-e", "ansible_python_interpreter=" + sys.executable]
    runs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for who in ("schedule", "person")]
    outputs = [run.communicate()[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], "\n".join(output[-2000:] for output in outputs)
    conflicts = [event for event in k8s_emulator.audit_events() if event["responseStatus"]["code"] == 409]
    assert {event["objectRef"]["resource"] for event in conflicts} >= {"storageclasses", "namespaces", "persistentvolumeclaims", "jobs"}

    client = client_for(k8s_emulator)
    spec = example_spec()
    assert sorted(claims(client)) == sorted(share.get("claim_name", share["name"]) for share in spec["shares"])
    jobs = directory_jobs(client)
    assert sorted(jobs) == sorted(share["name"] for share in spec["shares"]), "one directory Job per share"
    sync_jobs = client.resources.get(api_version="batch/v1", kind="Job").get(
        namespace=NAMESPACE, label_selector=manifests.managed_selector("lmod-sync")).items
    assert len(sync_jobs) == 1

    k8s_emulator.reset_audit()
    assert site(env, tmp_path).returncode == 0
    assert k8s_emulator.writes() == []
