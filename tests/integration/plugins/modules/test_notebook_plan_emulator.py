"""notebook_plan against the API emulator: one process reads every notebook namespace, namespaced, and only reads."""

import json

import pytest
from ansible.module_utils.testing import patch_module_args
from kubernetes import config, dynamic

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import admission, manifests
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import notebooks as nb
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import parse_spec
from ansible_collections.odh_rwx.shared_resources.plugins.modules import notebook_plan
from tests.support import odh_dashboard as dashboard
from tests.support.upstream import upstream_path
from tests.unit.conftest import EXAMPLE_SPEC

NAMESPACE = "rhods-notebooks"
PROJECTS = ("team-a", "lab")
SPEC = dict(
    EXAMPLE_SPEC,
    storage_class={"name": "shared-rwx", "backend": "nfs_csi", "parameters": {"server": "nfs.example.com", "share": "/exports/odh"}},
    jupyterhub={"flavor": "odh_notebooks", "notebook_namespaces": [NAMESPACE, {"name": "team-a", "groups": ["team-a"]}, "lab"]},
)


@pytest.fixture
def cluster(k8s_emulator):
    import yaml

    client = dynamic.DynamicClient(config.new_client_from_config(config_file=k8s_emulator.kubeconfig))
    with open(upstream_path("kubeflow/kubeflow.org_notebooks.yaml")) as handle:
        client.resources.get(api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition").create(body=yaml.safe_load(handle))
    client.resources.get(api_version="storage.k8s.io/v1", kind="StorageClass").create(body={
        "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "shared-rwx"}, "provisioner": "nfs.csi.k8s.io",
        "parameters": {"server": "nfs.example.com", "share": "/exports/odh"}})
    for namespace in (NAMESPACE,) + PROJECTS:
        client.resources.get(api_version="v1", kind="Namespace").create(body={"metadata": {"name": namespace}})
    for body in manifests.shared_volume_objects(parse_spec(SPEC)):
        if body["kind"] == "PersistentVolumeClaim":
            client.resources.get(api_version="v1", kind="PersistentVolumeClaim").create(body=body)
    notebooks = client.resources.get(api_version="kubeflow.org/v1", kind="Notebook")
    stopped = dashboard.jupyter_tile_notebook("alice", NAMESPACE)
    stopped["metadata"]["annotations"][dashboard.STOP_ANNOTATION] = dashboard.STOP_TIME
    notebooks.create(body=stopped)
    notebooks.create(body=dashboard.workbench("forecast", "team-a", "bob"))
    k8s_emulator.reset_audit()
    return client


def run_module(capsys, **args):
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exited:
            notebook_plan.main()
    return exited.value.code, json.loads(capsys.readouterr().out)


def test_one_process_reads_each_namespace_and_plans_everything(capsys, k8s_emulator, cluster):
    code, result = run_module(capsys, kubeconfig=k8s_emulator.kubeconfig, spec=SPEC)
    assert code == 0, result
    assert result["changed"] is False
    lists = sorted(event["requestURI"].split("?")[0] for event in k8s_emulator.audit_events() if event["verb"] == "list")
    assert lists == [
        "/api/v1/namespaces/lab/persistentvolumeclaims",
        "/api/v1/namespaces/rhods-notebooks/persistentvolumeclaims",
        "/api/v1/namespaces/team-a/persistentvolumeclaims",
        "/api/v1/persistentvolumes",
        "/apis/kubeflow.org/v1/namespaces/lab/notebooks",
        "/apis/kubeflow.org/v1/namespaces/rhods-notebooks/notebooks",
        "/apis/kubeflow.org/v1/namespaces/team-a/notebooks",
    ]
    assert set(event["verb"] for event in k8s_emulator.audit_events()) <= {"get", "list"}
    # the static volumes and claims of both projects, each volume before its claim
    assert [(item["kind"], item["metadata"]["name"]) for item in result["apply"]] == [
        ("PersistentVolume", "lab.census"), ("PersistentVolumeClaim", "census"),
        ("PersistentVolume", "team-a.census"), ("PersistentVolumeClaim", "census"),
        ("PersistentVolume", "team-a.projects"), ("PersistentVolumeClaim", "projects")]
    assert result["available"] == {"lab": ["census"], "team-a": ["census", "projects"]}
    # the stopped notebook is patched, recording the access map; the running one waits
    assert [patch["metadata"]["name"] for patch in result["patch"]] == ["jupyter-nb-alice"]
    assert result["patch"][0]["metadata"]["annotations"][nb.ACCESS_MAP_ANNOTATION] == result["access_map"]
    assert result["deferred"] == ["team-a/forecast"] and result["delete"] == [] and result["retired"] == []
    assert [message for message in result["later"] if "team-a/forecast" in message] == [
        nb.left_for_later(deferred=["team-a/forecast"])[0]]
    expected = admission.access_map(SPEC, SPEC["users"], result["available"])
    assert result["access_map"] == admission.access_map_digest(expected)


def test_users_and_restart_running_arguments(capsys, k8s_emulator, cluster):
    code, result = run_module(capsys, kubeconfig=k8s_emulator.kubeconfig, spec=SPEC, users={"bob": ["team-a"]}, restart_running=True)
    assert code == 0, result
    assert sorted(patch["metadata"]["name"] for patch in result["patch"]) == ["forecast", "jupyter-nb-alice"]
    forecast = next(patch for patch in result["patch"] if patch["metadata"]["name"] == "forecast")
    claims = [volume["persistentVolumeClaim"] for volume in forecast["spec"]["template"]["spec"]["volumes"] if volume["name"].startswith("shared-")]
    assert claims == [{"claimName": "census", "readOnly": True}, {"claimName": "projects", "readOnly": False}]


def test_without_the_notebook_crd_it_says_what_is_missing(capsys, k8s_emulator):
    spec = dict(SPEC, jupyterhub={"flavor": "odh_notebooks"})
    code, result = run_module(capsys, kubeconfig=k8s_emulator.kubeconfig, spec=spec)
    assert code == 1 and "serves no kind Notebook in kubeflow.org/v1 (is Open Data Hub or OpenShift AI installed?)" in result["msg"]


@pytest.mark.parametrize("spec, message", [
    (dict(SPEC, shares=[{"name": "census", "tier": "publik", "size": "1Gi"}]), "shares[0] (census).tier: unknown tier 'publik'"),
    (dict(SPEC, jupyterhub={"flavor": "odh_jsp"}), "spec.jupyterhub.flavor: must be odh_notebooks"),
])
def test_a_bad_spec_fails_before_any_read(capsys, k8s_emulator, spec, message):
    code, result = run_module(capsys, kubeconfig=k8s_emulator.kubeconfig, spec=spec)
    assert code == 1 and message in result["msg"]
    assert k8s_emulator.audit_events() == []


def test_applied_static_objects_are_not_planned_again(capsys, k8s_emulator, cluster):
    from ansible_collections.kubernetes.core.plugins.modules import k8s

    code, first = run_module(capsys, kubeconfig=k8s_emulator.kubeconfig, spec=SPEC)
    with patch_module_args(dict(kubeconfig=k8s_emulator.kubeconfig, apply=True, definition=first["apply"])):
        with pytest.raises(SystemExit):
            k8s.main()
    capsys.readouterr()
    code, second = run_module(capsys, kubeconfig=k8s_emulator.kubeconfig, spec=SPEC)
    assert code == 0 and second["apply"] == [] and second["available"] == first["available"]
    # a share whose audience may now write it: only its volume changes (its mount options)
    writable = json.loads(json.dumps(SPEC))
    writable["jupyterhub"]["notebook_namespaces"][1]["groups"] = ["team-a"]
    writable["tiers"]["private"]["writers"] = ["team-a"]
    writable["tiers"]["public"]["writers"] = ["*"]
    code, third = run_module(capsys, kubeconfig=k8s_emulator.kubeconfig, spec=writable)
    assert [(item["kind"], item["metadata"]["name"]) for item in third["apply"]] == [
        ("PersistentVolume", "lab.census"), ("PersistentVolume", "team-a.census")]
