"""Flavour odh_notebooks of the jupyterhub role against the API emulator (tools/k8s_emulator).

The Notebook CRD is installed in the emulator, with the share claims and a few notebooks as
the ODH dashboard creates them; then ansible-playbook runs roles/jupyterhub/tasks/odh_notebooks.yml
through the whole role: check mode, converge, rerun, revocation, restart_running and render mode (which reads nothing);
and notebooks in Data Science Projects, which get static volumes and claims of their audience's shares.
"""

import copy
from pathlib import Path

import pytest
from kubernetes import config, dynamic

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import manifests
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import parse_spec
from tests.support.notebook_crd import install_notebook_crd
from tests.support.playbooks import ansible_env, run_role

REPO_ROOT = Path(__file__).resolve().parents[3]
VENV_BIN = REPO_ROOT / ".venv" / "bin"
NAMESPACE = "rhods-notebooks"

pytestmark = pytest.mark.skipif(not (VENV_BIN / "ansible-playbook").exists(), reason="needs make venv")

SPEC = {
    "namespace": NAMESPACE,
    "tiers": {
        "public": {"readers": ["*"], "writers": ["data-stewards"], "gid": 40001},
        "private": {"readers": ["analysts"], "writers": ["team-a"], "gid": 40002},
        "secret": {"readers": [], "writers": ["cleared"], "gid": 40003, "restricted": True},
    },
    "shares": [
        {"name": "census", "tier": "public", "size": "1Gi"},
        {"name": "projects", "tier": "private", "size": "1Gi", "mount_path": "/opt/app-root/src/projects"},
        {"name": "hr-records", "tier": "secret", "size": "1Gi", "writers": ["hr"]},
    ],
    "users": {"alice": ["team-a", "analysts"], "bob": ["analysts"], "carol": ["hr"]},
    "jupyterhub": {"flavor": "odh_notebooks"},
}


def notebook(user, stopped, namespace=NAMESPACE):
    """A Jupyter-tile notebook as the dashboard creates it: user PVC, /dev/shm, the ODH sidecar."""
    name = "jupyter-nb-" + user
    pvc = "jupyterhub-nb-%s-pvc" % user
    annotations = {"opendatahub.io/username": user, "opendatahub.io/user": user, "notebooks.opendatahub.io/inject-auth": "true"}
    if stopped:
        annotations["kubeflow-resource-stopped"] = "2026-01-02T03:04:05Z"
    return {
        "apiVersion": "kubeflow.org/v1",
        "kind": "Notebook",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app": name, "opendatahub.io/dashboard": "true"}, "annotations": annotations},
        "spec": {
            "template": {
                "spec": {
                    "enableServiceLinks": False,
                    "containers": [
                        {
                            "name": name,
                            "image": "quay.io/modh/odh-minimal-notebook-container:v3",
                            "env": [{"name": "NOTEBOOK_ARGS", "value": "--ServerApp.port=8888"}],
                            "volumeMounts": [{"name": pvc, "mountPath": "/opt/app-root/src"}, {"name": "shm", "mountPath": "/dev/shm"}],
                        },
                        {"name": "kube-rbac-proxy", "image": "quay.io/brancz/kube-rbac-proxy:v0.19.0", "args": ["--upstream=http://127.0.0.1:8888/"]},
                    ],
                    "volumes": [
                        {"name": pvc, "persistentVolumeClaim": {"claimName": pvc}},
                        {"name": "shm", "emptyDir": {"medium": "Memory"}},
                    ],
                }
            }
        },
    }


def claim(name):
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": "1Gi"}}},
    }


@pytest.fixture
def cluster(k8s_emulator):
    client = dynamic.DynamicClient(config.new_client_from_config(config_file=k8s_emulator.kubeconfig))
    install_notebook_crd(client)
    client.resources.get(api_version="v1", kind="Namespace").create(body={"metadata": {"name": NAMESPACE}})
    claims = client.resources.get(api_version="v1", kind="PersistentVolumeClaim")
    for name in ["census", "projects", "hr-records"] + ["jupyterhub-nb-%s-pvc" % user for user in ("alice", "bob", "carol")]:
        claims.create(body=claim(name))
    client.resources.invalidate_cache() if hasattr(client.resources, "invalidate_cache") else None
    notebooks = client.resources.get(api_version="kubeflow.org/v1", kind="Notebook")
    for user, stopped in (("alice", True), ("bob", False), ("carol", True)):
        notebooks.create(body=notebook(user, stopped))
    k8s_emulator.reset_audit()
    return notebooks


def live(notebooks, user, namespace=NAMESPACE):
    return notebooks.get(name="jupyter-nb-" + user, namespace=namespace).to_dict()


def pod(notebook_object):
    return notebook_object["spec"]["template"]["spec"]


def share_volumes(notebook_object):
    return dict(
        (volume["name"], volume["persistentVolumeClaim"].get("readOnly", False))
        for volume in pod(notebook_object)["volumes"]
        if volume["name"].startswith("shared-")
    )


def share_mounts(notebook_object):
    return dict(
        (mount["name"], mount.get("readOnly", False))
        for mount in pod(notebook_object)["containers"][0]["volumeMounts"]
        if mount["name"].startswith("shared-")
    )


def run(k8s_emulator, tmp_path, spec, *options):
    completed = run_role(tmp_path, "jupyterhub", {"shared_resources": spec}, *options, env=ansible_env(k8s_emulator.env(), ANSIBLE_NOCOLOR="1"))
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout


def patched_notebooks(k8s_emulator):
    return sorted(event["objectRef"]["name"] for event in k8s_emulator.writes() if event["objectRef"]["resource"] == "notebooks")


def test_converge_rerun_revoke_and_restart(k8s_emulator, cluster, tmp_path):
    before = dict((user, live(cluster, user)) for user in ("alice", "bob", "carol"))

    # Check mode reads only.
    run(k8s_emulator, tmp_path, SPEC, "--check")
    assert k8s_emulator.writes() == []

    # Converge: the stopped notebooks get their shares, the running one is left for later.
    output = run(k8s_emulator, tmp_path, SPEC)
    assert patched_notebooks(k8s_emulator) == ["jupyter-nb-alice", "jupyter-nb-carol"]
    assert "1 running notebook(s) need new mounts" in output and "rhods-notebooks/jupyter-nb-bob" in output
    alice, carol = live(cluster, "alice"), live(cluster, "carol")
    assert share_volumes(alice) == share_mounts(alice) == {"shared-census": True, "shared-projects": False}
    assert share_volumes(carol) == share_mounts(carol) == {"shared-census": True, "shared-hr-records": False}
    assert pod(alice)["securityContext"]["supplementalGroups"] == [40001, 40002]
    assert pod(carol)["securityContext"]["supplementalGroups"] == [40001, 40003]
    # The notebook settings (docs/permissions.md): the kubelet walks a share once; team files group-writable.
    assert pod(alice)["securityContext"]["fsGroupChangePolicy"] == "OnRootMismatch"
    assert {"name": "NB_UMASK", "value": "0002"} in pod(alice)["containers"][0]["env"]
    # The user's PVC, /dev/shm and the sidecar are untouched and in place, and so is the metadata, but
    # for the record of the variables the collection sets and of the access map the patch was computed with.
    assert pod(alice)["volumes"][:2] == pod(before["alice"])["volumes"]
    assert pod(alice)["containers"][0]["volumeMounts"][:2] == pod(before["alice"])["containers"][0]["volumeMounts"]
    assert pod(alice)["containers"][1] == pod(before["alice"])["containers"][1]
    annotations = dict(alice["metadata"]["annotations"])
    assert len(annotations.pop("shared-resources.odh-rwx.io/access-map")) == 16
    assert annotations == dict(before["alice"]["metadata"]["annotations"], **{"shared-resources.odh-rwx.io/managed-env": "NB_UMASK"})
    assert live(cluster, "bob") == before["bob"]

    # Rerun: zero writes.
    k8s_emulator.reset_audit()
    run(k8s_emulator, tmp_path, SPEC)
    assert k8s_emulator.writes() == []

    # Revocation: carol leaves hr; only her notebook changes, and loses only that share and gid.
    k8s_emulator.reset_audit()
    revoked = copy.deepcopy(SPEC)
    revoked["users"]["carol"] = []
    run(k8s_emulator, tmp_path, revoked)
    assert patched_notebooks(k8s_emulator) == ["jupyter-nb-carol"]
    carol = live(cluster, "carol")
    assert share_volumes(carol) == share_mounts(carol) == {"shared-census": True}
    assert pod(carol)["securityContext"]["supplementalGroups"] == [40001]
    assert share_volumes(live(cluster, "alice")) == {"shared-census": True, "shared-projects": False}

    # The running notebook is still left alone, until restart_running says otherwise.
    assert live(cluster, "bob") == before["bob"]
    k8s_emulator.reset_audit()
    restart = dict(revoked, jupyterhub={"flavor": "odh_notebooks", "restart_running": True})
    run(k8s_emulator, tmp_path, restart)
    assert patched_notebooks(k8s_emulator) == ["jupyter-nb-bob"]
    assert share_volumes(live(cluster, "bob")) == {"shared-census": True, "shared-projects": True}

    k8s_emulator.reset_audit()
    run(k8s_emulator, tmp_path, restart)
    assert k8s_emulator.writes() == []


def test_render_mode_reads_nothing_and_leaves_the_patches_out(k8s_emulator, cluster, tmp_path):
    """Notebook patches follow the live Notebooks: render mode, which contacts no cluster, leaves them out."""
    render_dir = tmp_path / "rendered"
    run(k8s_emulator, tmp_path, SPEC, "-e", "shared_resources_render_dir=%s" % render_dir)
    assert k8s_emulator.audit_events() == []
    assert not render_dir.exists() or not any(render_dir.iterdir())


# --- Data Science Projects: notebook namespaces besides the share namespace ----------------------

PROJECTS = ("team-a", "lab")
PROJECTS_SPEC = dict(
    SPEC,
    storage_class={"name": "shared-rwx", "backend": "nfs_csi", "parameters": {"server": "nfs.example.com", "share": "/exports/odh"},
                   "mount_options": ["nfsvers=4.1"]},
    jupyterhub={
        "flavor": "odh_notebooks",
        "notebook_namespaces": [NAMESPACE, {"name": "team-a", "groups": ["team-a", "analysts"]}, "lab"],
    },
)


@pytest.fixture
def projects(k8s_emulator):
    """The share claims as shared_pvcs leaves them (labelled, provisioned by csi-driver-nfs) and notebooks in two projects."""
    client = dynamic.DynamicClient(config.new_client_from_config(config_file=k8s_emulator.kubeconfig))
    install_notebook_crd(client)
    # The class as rwx_storageclass creates it: the static volumes copy its parameters and mount options.
    (storage_class,) = manifests.storage_class_objects(parse_spec(PROJECTS_SPEC))
    client.resources.get(api_version="storage.k8s.io/v1", kind="StorageClass").create(body=storage_class)
    for namespace in (NAMESPACE,) + PROJECTS:
        client.resources.get(api_version="v1", kind="Namespace").create(body={"metadata": {"name": namespace}})
    claims = client.resources.get(api_version="v1", kind="PersistentVolumeClaim")
    for body in manifests.shared_volume_objects(parse_spec(PROJECTS_SPEC)):
        if body["kind"] == "PersistentVolumeClaim":
            claims.create(body=body)
    for namespace, user in (("team-a", "alice"), ("team-a", "carol"), ("lab", "bob")):
        claims.create(body=dict(claim("jupyterhub-nb-%s-pvc" % user), metadata={"name": "jupyterhub-nb-%s-pvc" % user, "namespace": namespace}))
    notebooks = client.resources.get(api_version="kubeflow.org/v1", kind="Notebook")
    for namespace, user in (("team-a", "alice"), ("team-a", "carol"), ("lab", "bob")):
        notebooks.create(body=notebook(user, True, namespace))
    k8s_emulator.reset_audit()
    return client


def static_objects(client):
    selector = "app.kubernetes.io/component=notebook-volume"
    volumes = client.resources.get(api_version="v1", kind="PersistentVolume").get(label_selector=selector).to_dict()["items"]
    claims = client.resources.get(api_version="v1", kind="PersistentVolumeClaim").get(label_selector=selector).to_dict()["items"]
    return dict((item["metadata"]["name"], item) for item in volumes), dict(
        ("%s/%s" % (item["metadata"]["namespace"], item["metadata"]["name"]), item) for item in claims)


def share_volumes_in(client, user, namespace):
    notebooks = client.resources.get(api_version="kubeflow.org/v1", kind="Notebook")
    return share_volumes(live(notebooks, user, namespace))


def test_project_namespaces_get_static_claims_and_notebooks_their_capped_shares(k8s_emulator, projects, tmp_path):
    run(k8s_emulator, tmp_path, PROJECTS_SPEC, "--check")
    assert k8s_emulator.writes() == []

    run(k8s_emulator, tmp_path, PROJECTS_SPEC)
    volumes, claims = static_objects(projects)
    # each project gets the shares its whole audience may read; hr-records reaches neither
    assert sorted(volumes) == ["lab.census", "team-a.census", "team-a.projects"]
    assert sorted(claims) == ["lab/census", "team-a/census", "team-a/projects"]
    assert all(item["status"]["phase"] == "Bound" for item in list(volumes.values()) + list(claims.values()))
    source = projects.resources.get(api_version="v1", kind="PersistentVolume").get(
        name=projects.resources.get(api_version="v1", kind="PersistentVolumeClaim").get(name="projects", namespace=NAMESPACE).spec.volumeName
    ).to_dict()
    static = volumes["team-a.projects"]["spec"]
    assert static["csi"]["volumeAttributes"] == source["spec"]["csi"]["volumeAttributes"]
    assert static["csi"]["volumeHandle"] != source["spec"]["csi"]["volumeHandle"]
    assert static["persistentVolumeReclaimPolicy"] == "Retain"
    # analysts in team-a's audience only read projects: the volume itself is mounted read-only
    assert static["mountOptions"] == ["nfsvers=4.1", "ro"] and volumes["team-a.census"]["spec"]["mountOptions"] == ["nfsvers=4.1", "ro"]
    assert claims["team-a/projects"]["spec"]["storageClassName"] == "" and claims["team-a/projects"]["spec"]["volumeName"] == "team-a.projects"
    # notebooks: the owner's access capped by the namespace
    assert share_volumes_in(projects, "alice", "team-a") == {"shared-census": True, "shared-projects": True}
    assert share_volumes_in(projects, "carol", "team-a") == {"shared-census": True}
    assert share_volumes_in(projects, "bob", "lab") == {"shared-census": True}

    k8s_emulator.reset_audit()
    run(k8s_emulator, tmp_path, PROJECTS_SPEC)
    assert k8s_emulator.writes() == []

    # team-a narrows to its writers: projects becomes read-write there, in place; lab is dropped:
    # bob's notebook loses the share, then lab's claim and volume go
    k8s_emulator.reset_audit()
    narrowed = dict(PROJECTS_SPEC, jupyterhub={"flavor": "odh_notebooks", "notebook_namespaces": [NAMESPACE, {"name": "team-a", "groups": ["team-a"]}]})
    run(k8s_emulator, tmp_path, narrowed)
    volumes, claims = static_objects(projects)
    assert sorted(volumes) == ["team-a.census", "team-a.projects"] and sorted(claims) == ["team-a/census", "team-a/projects"]
    assert volumes["team-a.projects"]["spec"]["mountOptions"] == ["nfsvers=4.1"]
    assert share_volumes_in(projects, "alice", "team-a") == {"shared-census": True, "shared-projects": False}
    assert share_volumes_in(projects, "bob", "lab") == {}
    writes = [(event["verb"], event["objectRef"]["resource"], event["objectRef"].get("namespace"), event["objectRef"]["name"])
              for event in k8s_emulator.writes()]
    deletes = [write for write in writes if write[0] == "delete"]
    assert deletes == [("delete", "persistentvolumeclaims", "lab", "census"), ("delete", "persistentvolumes", None, "lab.census")]
    assert writes.index(("patch", "notebooks", "lab", "jupyter-nb-bob")) < writes.index(deletes[0])
    # the share's own data volume is untouched
    assert projects.resources.get(api_version="v1", kind="PersistentVolumeClaim").get(name="census", namespace=NAMESPACE).status.phase == "Bound"

    k8s_emulator.reset_audit()
    run(k8s_emulator, tmp_path, narrowed)
    assert k8s_emulator.writes() == []

    # no other namespaces at all: every static volume goes, the shares stay
    k8s_emulator.reset_audit()
    run(k8s_emulator, tmp_path, dict(PROJECTS_SPEC, jupyterhub={"flavor": "odh_notebooks"}))
    assert static_objects(projects) == ({}, {})
    assert share_volumes_in(projects, "alice", "team-a") == {}
