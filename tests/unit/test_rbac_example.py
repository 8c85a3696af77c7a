"""examples/rbac/automation.yml grants what the roles read and write, and no wildcard."""

import glob

import pytest
import yaml

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import jupyterhub, lmod, manifests
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.access import ShareAccess
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.notebook_claims import static_claim_manifest, static_volume_manifest
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import parse_spec
from tests.support.schema import schema_errors

RBAC = "examples/rbac/automation.yml"
# kind -> (API group, resource, cluster-scoped)
RESOURCES = {
    "StorageClass": ("storage.k8s.io", "storageclasses", True),
    "CSIDriver": ("storage.k8s.io", "csidrivers", True),
    "Namespace": ("", "namespaces", True),
    "PersistentVolume": ("", "persistentvolumes", True),
    "Group": ("user.openshift.io", "groups", True),
    "ServiceAccount": ("", "serviceaccounts", False),
    "ResourceQuota": ("", "resourcequotas", False),
    "PersistentVolumeClaim": ("", "persistentvolumeclaims", False),
    "ConfigMap": ("", "configmaps", False),
    "Job": ("batch", "jobs", False),
    "CronJob": ("batch", "cronjobs", False),
    "Pod": ("", "pods", False),
    "Notebook": ("kubeflow.org", "notebooks", False),
    "ImageStream": ("image.openshift.io", "imagestreams", False),
}
READ_MODULES = ("kubernetes.core.k8s_info", "kubernetes.core.k8s_log")


def roles():
    with open(RBAC) as handle:
        documents = yaml.safe_load(handle)["items"]
    return dict((document["metadata"]["name"], document) for document in documents)


def granted(role, kind):
    group, resource = RESOURCES[kind][:2]
    verbs = set()
    for rule in role["rules"]:
        if group in rule["apiGroups"] and resource in rule["resources"]:
            verbs.update(rule["verbs"])
    return verbs


def role_for(kind):
    return roles()["odh-rwx-shared-resources-cluster" if RESOURCES[kind][2] else "odh-rwx-shared-resources"]


def written_kinds(example_spec):
    example_spec["storage_class"] = {"name": "shared-rwx", "backend": "nfs_csi", "parameters": {"server": "nfs", "share": "/x"}}
    example_spec["create_namespace"] = True
    example_spec["quota"] = {"claims": 10}
    example_spec["lmod"] = {"share": "census", "source": {"type": "image", "image": "quay.io/example/apps:1", "path": "/apps"},
                            "schedule": "0 3 * * *",
                            "kernels": [{"name": "python-scipy", "display_name": "SciPy", "modules": ["SciPy-bundle"]}],
                            "notebook_image": {"image": "quay.io/example/lmod-notebook:1", "display_name": "LMod"}}
    example_spec["jupyterhub"] = {"flavor": "odh_jsp"}
    spec = parse_spec(example_spec)
    source = {"spec": {"nfs": {"server": "nfs", "path": "/x/census"}}}
    objects = (
        manifests.storage_class_objects(spec)
        + manifests.shared_volume_objects(spec)
        + manifests.directory_jobs(spec, "ubi9", "#!/bin/sh\n")
        + lmod.lmod_sync_objects(spec, "#!/usr/bin/env python\n", launcher="#!/usr/bin/env python\n")
        + lmod.notebook_image_streams(spec)
        + jupyterhub.jsp_profile_configmaps(spec, None)
        + [static_volume_manifest("lab", ShareAccess(spec.shares[0], "ro"), source), static_claim_manifest("lab", spec.shares[0])]
    )
    return sorted(set(obj["kind"] for obj in objects))


def tasks_in(tasks):
    for task in tasks or []:
        yield task
        for section in ("block", "rescue", "always"):
            yield from tasks_in(task.get(section))


def read_kinds():
    kinds = set()
    for path in glob.glob("roles/*/tasks/*.yml"):
        with open(path) as handle:
            for task in tasks_in(yaml.safe_load(handle)):
                for module in READ_MODULES:
                    if module in task:
                        kinds.add(task[module]["kind"])
    return sorted(kinds)


def test_the_roles_validate_and_grant_no_wildcard():
    for role in roles().values():
        assert schema_errors(role) == ""
        for rule in role["rules"]:
            assert "*" not in rule["verbs"] + rule["resources"] + rule["apiGroups"]
            assert not set(rule["verbs"]) - {"get", "list", "create", "patch", "delete"}


def test_every_kind_the_roles_write_may_be_created_and_patched(example_spec):
    kinds = written_kinds(example_spec)
    assert kinds == ["ConfigMap", "CronJob", "ImageStream", "Job", "Namespace", "PersistentVolume", "PersistentVolumeClaim",
                     "ResourceQuota", "ServiceAccount", "StorageClass"]
    for kind in kinds:
        assert {"get", "list", "create", "patch"} <= granted(role_for(kind), kind), kind
    assert {"get", "list", "patch"} <= granted(role_for("Notebook"), "Notebook")
    assert "create" not in granted(role_for("Notebook"), "Notebook")


@pytest.mark.parametrize("kind", ["StorageClass", "PersistentVolume", "PersistentVolumeClaim", "ConfigMap", "Job", "CronJob", "ImageStream"])
def test_kinds_the_roles_delete_may_be_deleted(kind):
    assert "delete" in granted(role_for(kind), kind)


def test_every_kind_the_roles_read_may_be_read():
    kinds = read_kinds()
    assert set(kinds) >= {"CSIDriver", "Group", "Job", "Notebook", "PersistentVolume", "PersistentVolumeClaim", "StorageClass"}
    for kind in kinds + ["Pod"]:  # k8s_log reads a Job's pods
        assert kind in RESOURCES, "%s: add it to %s and to RESOURCES" % (kind, RBAC)
        assert {"get", "list"} <= granted(role_for(kind), kind), kind
