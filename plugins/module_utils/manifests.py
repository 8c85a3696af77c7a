# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Desired Kubernetes objects of the storage roles, computed from a validated spec.

Roles hand these to the one apply path (plan, then one batched apply, or render).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import posixpath

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.access import directory_gid, directory_mode
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.data_plane import FS_GROUP_CHANGE_POLICY, Z2JH_FS_GID
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.k8s_compare import last_applied
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.storage import storage_class_manifest

MANAGED_BY = "odh_rwx.shared_resources"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
PART_OF = "shared-resources"
LABEL_PREFIX = "shared-resources.odh-rwx.io/"
TIER_LABEL = LABEL_PREFIX + "tier"
SHARE_LABEL = LABEL_PREFIX + "share"
RESTRICTED_LABEL = LABEL_PREFIX + "restricted"
COMPONENT_LABEL = "app.kubernetes.io/component"
PERMISSIONS_HASH_LABEL = LABEL_PREFIX + "permissions-hash"
DASHBOARD_LABEL = "opendatahub.io/dashboard"
DISPLAY_NAME_ANNOTATION = "openshift.io/display-name"
# The ownership record of a claim the collection created: the claim's own namespace/name, written with the
# claim. A label can be copied, and so can this annotation, but not onto another claim without it naming the
# wrong one: a claim whose record is missing or names another claim is not the collection's.
OWNERSHIP_ANNOTATION = LABEL_PREFIX + "created-as"
# A claim the collection took on (shares[].adopt): it adds its labels, never changes the claim otherwise.
ADOPTED_ANNOTATION = LABEL_PREFIX + "adopted"
SHARED_VOLUME_COMPONENT = "shared-volume"
JOBS_SERVICE_ACCOUNT = "shared-resources-jobs"
SHARE_MOUNT = "/mnt/share"
MAX_NAME = 63


def managed_labels(component, **extra):
    labels = {MANAGED_BY_LABEL: MANAGED_BY, "app.kubernetes.io/part-of": PART_OF, COMPONENT_LABEL: component}
    labels.update(extra)
    return labels


def managed_selector(component):
    """Label selector of the objects of one component the collection manages."""
    return "%s=%s,%s=%s" % (MANAGED_BY_LABEL, MANAGED_BY, COMPONENT_LABEL, component)


def short_hash(value, length=10):
    payload = json.dumps(value, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:length]


def bounded_name(prefix, name, suffix):
    """``<prefix><name>-<suffix>`` cut to a DNS label by shortening ``name``."""
    room = MAX_NAME - len(prefix) - len(suffix) - 1
    return "%s%s-%s" % (prefix, name[:room].rstrip("-"), suffix)


def restricted_pod_security_context(supplemental_groups=(), run_as_user=None, fs_group=None):
    """Pod Security "restricted" and OpenShift restricted-v2 compatible pod settings.

    No runAsUser by default: OpenShift assigns one from the namespace range and
    refuses others; plain Kubernetes needs one when the image runs as root.
    """
    context = {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
    if supplemental_groups:
        context["supplementalGroups"] = sorted(supplemental_groups)
    if run_as_user is not None:
        context["runAsUser"] = run_as_user
    if fs_group is not None:
        context["fsGroup"] = fs_group
        context["fsGroupChangePolicy"] = FS_GROUP_CHANGE_POLICY
    return context


def restricted_container_security_context():
    return {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def namespace_manifest(spec):
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": spec.namespace, "labels": managed_labels("namespace")},
    }


def storage_class_objects(spec):
    manifest = storage_class_manifest(spec.storage_class, managed_labels("storage-class"))
    return [manifest] if manifest else []


def share_labels(component, share, **extra):
    """The labels of an object that stands for ``share``: its tier, name and whether it is restricted."""
    labels = {TIER_LABEL: share.tier, SHARE_LABEL: share.name, RESTRICTED_LABEL: "true" if share.restricted else "false"}
    labels.update(extra)
    return managed_labels(component, **labels)


def ownership_record(namespace, name):
    """The value of OWNERSHIP_ANNOTATION on the claim ``namespace/name`` the collection created."""
    return "%s/%s" % (namespace, name)


def claim_manifest(spec, share):
    """The claim of ``share``: the whole claim with its ownership record, or for an adopted share only what the collection adds."""
    labels = share_labels(SHARED_VOLUME_COMPONENT, share)
    if share.dashboard:
        labels[DASHBOARD_LABEL] = "true"
    annotations = {ADOPTED_ANNOTATION: "true"} if share.adopt else {OWNERSHIP_ANNOTATION: ownership_record(spec.namespace, share.claim_name)}
    if share.display_name:
        annotations[DISPLAY_NAME_ANNOTATION] = share.display_name
    metadata = {"name": share.claim_name, "namespace": spec.namespace, "labels": labels, "annotations": annotations}
    if share.adopt:
        # Sent as a JSON merge patch (k8s_plan, k8s_reconcile): the claim's own labels, annotations and spec stay.
        return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": metadata}
    claim = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": metadata,
        "spec": {"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": share.size}}},
    }
    if spec.storage_class is not None:
        claim["spec"]["storageClassName"] = spec.storage_class.name
    return claim


def _annotations(obj):
    return ((obj or {}).get("metadata") or {}).get("annotations") or {}


def is_adoption(definition):
    """True for the definition of an adopted claim: a patch of a claim that must exist, never a whole claim."""
    return definition.get("kind") == "PersistentVolumeClaim" and ADOPTED_ANNOTATION in _annotations(definition)


def created_by_collection(live):
    """Whether the collection created the live claim ``live``, as its ownership record says.

    Claims created before the record existed (1.2.0 and earlier) count when the collection's own last
    apply (kubernetes.core records it in the last-applied annotation) labelled this very claim as a share's.
    """
    metadata = live.get("metadata") or {}
    annotations = _annotations(live)
    if ADOPTED_ANNOTATION in annotations:
        return False
    if OWNERSHIP_ANNOTATION in annotations:
        return annotations[OWNERSHIP_ANNOTATION] == ownership_record(metadata.get("namespace"), metadata.get("name"))
    applied = (last_applied(live) or {}).get("metadata") or {}
    labels = applied.get("labels") or {}
    return (
        (applied.get("namespace"), applied.get("name")) == (metadata.get("namespace"), metadata.get("name"))
        and labels.get(MANAGED_BY_LABEL) == MANAGED_BY
        and labels.get(COMPONENT_LABEL) == SHARED_VOLUME_COMPONENT
    )


def claim_ownership_problems(definition, live):
    """Why ``definition`` (a claim of a share) may not be applied to ``live`` (None: no such claim): a foreign claim
    the share would take over, or an adopted one that does not exist or cannot be shared. Other objects: none."""
    if definition.get("kind") != "PersistentVolumeClaim":
        return []
    share = ((definition.get("metadata") or {}).get("labels") or {}).get(SHARE_LABEL)
    if is_adoption(definition):
        if live is None:
            return ["share %r has adopt: true, but the claim does not exist: fix the share's claim_name, or remove adopt "
                    "to let the collection create the claim" % share]
        modes = ((live.get("spec") or {}).get("accessModes")) or []
        if "ReadWriteMany" not in modes:
            return ["share %r adopts it, but its accessModes are %s: notebooks on many nodes mount a share at once, "
                    "which needs ReadWriteMany" % (share, ", ".join(modes) or "unset")]
        return []
    if live is None or OWNERSHIP_ANNOTATION not in _annotations(definition) or created_by_collection(live):
        return []
    return ["exists, and the collection did not create it (it has no %s record naming it): share %r would take it over. "
            "Set adopt: true on share %r to use the claim as it is (the collection then only adds its labels and never "
            "changes its spec, files or other labels, nor deletes it), or give the share a claim_name of its own"
            % (OWNERSHIP_ANNOTATION, share, share)]


def deletion_refusal(live):
    """Why the collection must not delete the live object ``live`` even when nothing declares it any more, or None."""
    if ADOPTED_ANNOTATION in _annotations(live):
        return "adopted (shares[].adopt): the collection did not create it and never deletes it"
    labels = (live.get("metadata") or {}).get("labels") or {}
    share_claim = labels.get(MANAGED_BY_LABEL) == MANAGED_BY and labels.get(COMPONENT_LABEL) == SHARED_VOLUME_COMPONENT
    if live.get("kind") == "PersistentVolumeClaim" and share_claim and not created_by_collection(live):
        return "the collection did not create it (no %s record naming it)" % OWNERSHIP_ANNOTATION
    return None


def quota_manifest(spec):
    prefix = "%s.storageclass.storage.k8s.io/" % spec.storage_class.name
    hard = {}
    if spec.quota.get("storage"):
        hard[prefix + "requests.storage"] = spec.quota["storage"]
    if spec.quota.get("claims") is not None:
        hard[prefix + "persistentvolumeclaims"] = str(spec.quota["claims"])
    return {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {"name": "shared-resources-storage", "namespace": spec.namespace, "labels": managed_labels("quota")},
        "spec": {"hard": hard},
    }


def jobs_service_account(spec):
    """The identity of the collection's Jobs: no API access, so no token and no RBAC."""
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": JOBS_SERVICE_ACCOUNT, "namespace": spec.namespace, "labels": managed_labels("jobs")},
        "automountServiceAccountToken": False,
    }


def shared_volume_objects(spec):
    """Namespace (when created), jobs ServiceAccount, quota and one RWX claim per share, in apply order."""
    objects = [namespace_manifest(spec)] if spec.create_namespace else []
    objects.append(jobs_service_account(spec))
    if spec.quota:
        objects.append(quota_manifest(spec))
    objects.extend(claim_manifest(spec, share) for share in spec.shares)
    return objects


DIRECTORY_COMPONENT = "directory-preparation"
DIRECTORY_SCRIPT = "share-directories"
DIRECTORY_SCRIPT_DIR = "/etc/share-directories"


def directory_script_config_map(spec, script):
    """The ConfigMap that brings the directory Jobs their script (roles/shared_pvcs/files/share-directories)."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": DIRECTORY_SCRIPT, "namespace": spec.namespace, "labels": managed_labels(DIRECTORY_COMPONENT)},
        "data": {DIRECTORY_SCRIPT: script},
    }


def directory_job_security_context(gid, run_as_user=None, fs_group=None):
    """The identity of a directory Job: the one notebook pods have on the platform, never root.

    ``fs_group``: None leaves the fsGroup to the platform (OpenShift's SCC injects the namespace's,
    as it does for notebooks); an integer is the notebooks' group on Kubernetes (Zero to
    JupyterHub: 100), given as runAsGroup and fsGroup so that the Job meets the share as they do;
    True is the share's gid as fsGroup. Either way fsGroupChangePolicy OnRootMismatch, so that a
    Job does not make the kubelet walk a share that already has the pods' group.
    """
    if isinstance(fs_group, bool):
        context = restricted_pod_security_context([gid] if gid else [], run_as_user, gid if fs_group and gid else None)
    else:
        context = restricted_pod_security_context([gid] if gid else [], run_as_user, fs_group)
        if fs_group is not None:
            context["runAsGroup"] = fs_group
    context["fsGroupChangePolicy"] = FS_GROUP_CHANGE_POLICY
    return context


def directory_job(spec, share, image, script, run_as_user=None, fs_group=None):
    """The Job that runs share-directories on a share, named after a hash of everything it does."""
    gid = directory_gid(spec, share)
    env = [
        {"name": "SHARE_ROOT", "value": SHARE_MOUNT},
        {"name": "SHARE_GID", "value": str(gid)},
        {"name": "SHARE_MODE", "value": directory_mode(share)},
        {"name": "SHARE_DIRECTORIES", "value": " ".join(share.directories)},
        {"name": "SHARE_RESTRICTED", "value": "true" if share.restricted else "false"},
        {"name": "SHARE_STRICT", "value": "true" if spec.permissions.strict else "false"},
        {"name": "SHARE_WRITABLE", "value": "true" if share.writers else "false"},
    ]
    if share.adopt:
        env.append({"name": "SHARE_ADOPTED", "value": "true"})
    pod_spec = {
        "serviceAccountName": JOBS_SERVICE_ACCOUNT,
        "automountServiceAccountToken": False,
        "restartPolicy": "Never",
        "securityContext": directory_job_security_context(gid, run_as_user, fs_group),
        "containers": [
            {
                "name": "prepare",
                "image": image,
                "command": ["/bin/sh", posixpath.join(DIRECTORY_SCRIPT_DIR, DIRECTORY_SCRIPT)],
                "env": env,
                "securityContext": restricted_container_security_context(),
                "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"memory": "64Mi"}},
                "volumeMounts": [
                    {"name": "script", "mountPath": DIRECTORY_SCRIPT_DIR, "readOnly": True},
                    {"name": "share", "mountPath": SHARE_MOUNT},
                ],
            }
        ],
        "volumes": [
            {"name": "script", "configMap": {"name": DIRECTORY_SCRIPT, "defaultMode": 0o444}},
            {"name": "share", "persistentVolumeClaim": {"claimName": share.claim_name}},
        ],
    }
    # A Job's pod template is immutable: whatever changes it (the script included) makes a new Job.
    digest = short_hash({"pod": pod_spec, "script": hashlib.sha256(script.encode("utf-8")).hexdigest()})
    labels = managed_labels(DIRECTORY_COMPONENT, **{TIER_LABEL: share.tier, SHARE_LABEL: share.name, PERMISSIONS_HASH_LABEL: digest})
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": bounded_name("dirs-", share.name, digest[:8]), "namespace": spec.namespace, "labels": labels},
        "spec": {"backoffLimit": 2, "template": {"metadata": {"labels": dict(labels)}, "spec": pod_spec}},
    }


def directory_jobs(spec, image, script, run_as_user=None, fs_group=None):
    """The script's ConfigMap, then one directory Job per share, in apply order.

    ``fs_group`` None on a Zero to JupyterHub spec means the chart's singleuser.fsGid (100).
    """
    if fs_group is None and spec.jupyterhub is not None and spec.jupyterhub.flavor == "z2jh":
        fs_group = Z2JH_FS_GID
    jobs = [directory_job(spec, share, image, script, run_as_user, fs_group) for share in spec.shares if asks_for_directory_job(share)]
    return [directory_script_config_map(spec, script)] + jobs


def asks_for_directory_job(share):
    """Every share the collection created gets a directory Job; an adopted one only when it lists directories."""
    return not share.adopt or bool(share.directories)
