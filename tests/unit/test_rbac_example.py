"""examples/rbac/automation.yml grants what the roles read and write, and no wildcard."""

import glob

import pytest
import yaml

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import admission_objects, jupyterhub, lmod, manifests, rollout
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.access import ShareAccess
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.notebook_claims import static_claim_manifest, static_volume_manifest
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import parse_spec
from ansible_collections.odh_rwx.shared_resources.plugins.modules import k8s_reconcile, notebook_plan
from tests.support.schema import schema_errors

RBAC = "examples/rbac/automation.yml"
CLUSTER, NAMESPACED, ADMISSION = "odh-rwx-shared-resources-cluster", "odh-rwx-shared-resources", "odh-rwx-shared-resources-admission"
# kind -> (API group, resource, the ClusterRole that grants it)
RESOURCES = {
    "StorageClass": ("storage.k8s.io", "storageclasses", CLUSTER),
    "CSIDriver": ("storage.k8s.io", "csidrivers", CLUSTER),
    "Namespace": ("", "namespaces", CLUSTER),
    "PersistentVolume": ("", "persistentvolumes", CLUSTER),
    "Group": ("user.openshift.io", "groups", CLUSTER),
    "MutatingWebhookConfiguration": ("admissionregistration.k8s.io", "mutatingwebhookconfigurations", CLUSTER),
    "ServiceAccount": ("", "serviceaccounts", NAMESPACED),
    "ResourceQuota": ("", "resourcequotas", NAMESPACED),
    "PersistentVolumeClaim": ("", "persistentvolumeclaims", NAMESPACED),
    "ConfigMap": ("", "configmaps", NAMESPACED),
    "Job": ("batch", "jobs", NAMESPACED),
    "CronJob": ("batch", "cronjobs", NAMESPACED),
    "Pod": ("", "pods", NAMESPACED),
    "Notebook": ("kubeflow.org", "notebooks", NAMESPACED),
    "ImageStream": ("image.openshift.io", "imagestreams", NAMESPACED),
    # bound in the share namespace alone, where the admission webhook runs
    "Deployment": ("apps", "deployments", ADMISSION),
    "Service": ("", "services", ADMISSION),
    "PodDisruptionBudget": ("policy", "poddisruptionbudgets", ADMISSION),
    "Secret": ("", "secrets", ADMISSION),
    "Certificate": ("cert-manager.io", "certificates", ADMISSION),
    "Issuer": ("cert-manager.io", "issuers", ADMISSION),
}
READ_MODULES = ("kubernetes.core.k8s_info", "kubernetes.core.k8s_log")
# Modules of the collection that read, with what they list.
READING_MODULES = {
    "odh_rwx.shared_resources.notebook_plan": [read[1] for read in notebook_plan.READS],
    # besides what it applies and prunes (test_every_kind_a_role_prunes_may_be_listed_and_deleted)
    "odh_rwx.shared_resources.k8s_reconcile": [read[1] for read in k8s_reconcile.READS],
}


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
    return roles()[RESOURCES[kind][2]]


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
        for section in ("block", "rescue", "always", "tasks", "pre_tasks"):
            yield from tasks_in(task.get(section))


def admission_kinds(example_spec):
    """The kinds of the admission webhook's objects, over every certificate source."""
    kinds = set()
    certificate = dict((field, "PEM") for field in admission_objects.CERTIFICATE_FIELDS)
    for source in ("openshift", "cert_manager", "generated"):
        example_spec["jupyterhub"] = {"flavor": "odh_notebooks", "admission": {"enabled": True, "certificates": {"source": source}}}
        result = admission_objects.admission_objects(parse_spec(example_spec), {"roles/jupyterhub/files/notebook-admission": "#"}, "{}", certificate)
        kinds.update(obj["kind"] for obj in result["objects"] + result["secrets"])
    return sorted(kinds)


def read_kinds():
    kinds = set()
    for path in glob.glob("roles/*/tasks/*.yml") + ["playbooks/site.yml"]:
        with open(path) as handle:
            for task in tasks_in(yaml.safe_load(handle)):
                for module in READ_MODULES:
                    if module in task:
                        kinds.add(task[module]["kind"])
                for module, listed in READING_MODULES.items():
                    if module in task:
                        kinds.update(listed)
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


def test_every_kind_of_the_admission_webhook_may_be_created_patched_and_pruned(example_spec):
    kinds = admission_kinds(example_spec)
    assert kinds == ["Certificate", "ConfigMap", "Deployment", "Issuer", "MutatingWebhookConfiguration", "PodDisruptionBudget", "Secret",
                     "Service"]
    pruned = set(pair[1] for pair in admission_objects.CORE_KINDS + admission_objects.CERT_MANAGER_KINDS)
    assert pruned == set(kinds)
    for kind in kinds:
        assert {"get", "list", "create", "patch", "delete"} <= granted(role_for(kind), kind), kind
    # the admission role is bound in the share namespace alone: it grants nothing the other roles need
    assert not set(kind for kind, granting in RESOURCES.items() if granting[2] == ADMISSION) - set(kinds)


@pytest.mark.parametrize("kind", ["StorageClass", "PersistentVolume", "PersistentVolumeClaim", "ConfigMap", "Job", "CronJob", "ImageStream"])
def test_kinds_the_roles_delete_may_be_deleted(kind):
    assert "delete" in granted(role_for(kind), kind)


def test_every_kind_the_roles_read_may_be_read():
    kinds = read_kinds()
    assert set(kinds) >= {"CSIDriver", "Deployment", "Group", "Job", "Notebook", "PersistentVolume", "PersistentVolumeClaim", "Pod",
                          "Secret", "StorageClass"}
    for kind in kinds + ["Pod"]:  # k8s_log reads a Job's pods
        assert kind in RESOURCES, "%s: add it to %s and to RESOURCES" % (kind, RBAC)
        assert {"get", "list"} <= granted(role_for(kind), kind), kind


def pruned_kinds(example_spec):
    """The kinds of every prune scope of the roles (rollout.prune_scope), with the LMod tree and cert-manager's objects."""
    written_kinds(example_spec)  # the example with an LMod tree, a notebook image, ...
    example_spec["jupyterhub"] = {"flavor": "odh_notebooks", "admission": {"enabled": True, "certificates": {"source": "cert_manager"}}}
    spec = parse_spec(example_spec)
    kinds = set()
    for what in rollout.SCOPES:
        kinds.update(kind["kind"] for kind in rollout.prune_scope(spec, what)["kinds"])
    return sorted(kinds)


def test_every_kind_a_role_prunes_may_be_listed_and_deleted(example_spec):
    kinds = pruned_kinds(example_spec)
    assert kinds == ["Certificate", "ConfigMap", "CronJob", "Deployment", "ImageStream", "Issuer", "Job", "MutatingWebhookConfiguration",
                     "PersistentVolumeClaim", "PodDisruptionBudget", "Secret", "Service"]
    for kind in kinds:
        assert {"get", "list", "delete"} <= granted(role_for(kind), kind), kind
