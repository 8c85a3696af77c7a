"""A write failing in any stage of site.yml, then a rerun: the rollout converges, nothing lost or duplicated."""

import glob
import os

import pytest
import yaml
from kubernetes import config
from kubernetes.dynamic import DynamicClient

from tests.support.playbooks import ansible_env, run_playbook

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SITE = os.path.join(REPO_ROOT, "playbooks", "site.yml")
INVENTORY = os.path.join(REPO_ROOT, "examples", "inventory")
MANAGED = "app.kubernetes.io/managed-by=odh_rwx.shared_resources"

# (stage, the resource whose nth create fails, n): the LMod stage creates the first ConfigMap
# (lmod-sync), the JupyterHub stage the next ones (the profiles).
STAGE_WRITES = [
    ("storage_class", "storageclasses", 1),
    ("shares", "persistentvolumeclaims", 1),
    ("lmod", "configmaps", 1),
    ("jupyterhub", "configmaps", 2),
]


def run_site(env, *args):
    return run_playbook(SITE, *args, env=env, inventory=INVENTORY)


@pytest.fixture(scope="module")
def declared_objects(tmp_path_factory):
    """(kind, namespace, name) of every object the example declares, from a render (no cluster)."""
    rendered = str(tmp_path_factory.mktemp("rendered"))
    completed = run_site(ansible_env(), "-e", "shared_resources_render_dir=" + rendered)
    assert completed.returncode == 0, completed.stdout[-3000:]
    objects = []
    for path in glob.glob(os.path.join(rendered, "*.yaml")):
        with open(path) as handle:
            manifest = yaml.safe_load(handle)
        objects.append((manifest["kind"], manifest["metadata"].get("namespace"), manifest["metadata"]["name"]))
    return sorted(objects)


def live_objects(kubeconfig, kinds):
    client = DynamicClient(config.new_client_from_config(config_file=kubeconfig))
    found = []
    for api_version, kind in kinds:
        resource = client.resources.get(api_version=api_version, kind=kind)
        for item in resource.get(label_selector=MANAGED).to_dict()["items"]:
            found.append((kind, item["metadata"].get("namespace"), item["metadata"]["name"]))
    return sorted(found)


@pytest.mark.parametrize("stage, resource, nth", STAGE_WRITES, ids=["%s-%s" % case[:2] for case in STAGE_WRITES])
def test_failed_write_then_rerun_converges(k8s_emulator, declared_objects, stage, resource, nth):
    env = ansible_env(k8s_emulator.env())
    k8s_emulator.inject_fault(action="error", nth=nth, verbs=["create"], resource=resource)
    failed = run_site(env)
    assert failed.returncode == 2, failed.stdout[-3000:]
    assert "InternalError" in failed.stdout or "Internal error" in failed.stdout

    k8s_emulator.clear_faults()
    recovered = run_site(env)
    assert recovered.returncode == 0, recovered.stdout[-3000:]

    kinds = sorted(set((api_version_of(declared[0]), declared[0]) for declared in declared_objects))
    assert live_objects(k8s_emulator.kubeconfig, kinds) == declared_objects
    k8s_emulator.reset_audit()
    assert run_site(env).returncode == 0
    assert k8s_emulator.writes() == []


def api_version_of(kind):
    return {"StorageClass": "storage.k8s.io/v1", "Job": "batch/v1", "CronJob": "batch/v1"}.get(kind, "v1")
