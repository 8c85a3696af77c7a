# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Share claims in the notebook namespaces other than the share namespace (ODH 2.x Data Science Projects).

A pod can only mount claims of its own namespace. For every other notebook namespace, each share
its whole audience may read (access.audience_accesses) gets a static PersistentVolume on the
storage of the share's provisioned volume (storage.static_volume_source) and a claim of the
share's name bound to it:

- the PV is ``Retain``, reserved for that claim by ``claimRef``, and labelled like the share; no
  provisioner owns it, so deleting it never deletes data;
- it is mounted read-only (mount option ``ro``) unless the whole audience may write the share;
  the pod's ``readOnly`` alone is not enough, as project members can edit their Notebooks;
- the claim asks for no class (``storageClassName: ""``) and names the PV.

Plain Python, like spec.py and access.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.access import READ_ONLY, audience_accesses
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.k8s_compare import is_subset
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.manifests import (
    COMPONENT_LABEL,
    LABEL_PREFIX,
    MANAGED_BY,
    SHARED_VOLUME_COMPONENT,
    share_labels,
)
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.storage import StaticVolumeError, static_volume_source

COMPONENT = "notebook-volume"
SHARE_COMPONENT = SHARED_VOLUME_COMPONENT
NAMESPACE_LABEL = LABEL_PREFIX + "namespace"
READ_ONLY_MOUNT_OPTION = "ro"
_MODE_MOUNT_OPTIONS = ("ro", "rw")


def static_volume_name(namespace, claim_name):
    """PV names are cluster-wide DNS subdomains; namespaces hold no dot, so ``<namespace>.<claim>`` is unique."""
    return "%s.%s" % (namespace, claim_name)


def _metadata(item):
    return item.get("metadata") or {}


def _is_component(item, component):
    labels = _metadata(item).get("labels") or {}
    return labels.get("app.kubernetes.io/managed-by") == MANAGED_BY and labels.get(COMPONENT_LABEL) == component


def _reference(api_version, kind, name, namespace=None):
    metadata = {"name": name}
    if namespace:
        metadata["namespace"] = namespace
    return {"apiVersion": api_version, "kind": kind, "metadata": metadata}


def _requested(claim):
    return (((claim or {}).get("spec") or {}).get("resources") or {}).get("requests", {}).get("storage")


def _mount_options(source_volume, read_only):
    options = [option for option in (source_volume.get("spec") or {}).get("mountOptions") or [] if option not in _MODE_MOUNT_OPTIONS]
    if read_only:
        options.append(READ_ONLY_MOUNT_OPTION)
    return options


def static_volume_manifest(namespace, access, source_volume, secret=None):
    """The static PersistentVolume that gives ``namespace`` the share of ``access`` in its mode."""
    share = access.share
    name = static_volume_name(namespace, share.claim_name)
    spec = {
        "accessModes": ["ReadWriteMany"],
        "capacity": {"storage": share.size},
        "persistentVolumeReclaimPolicy": "Retain",
        "volumeMode": "Filesystem",
        "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "namespace": namespace, "name": share.claim_name},
    }
    spec.update(static_volume_source(source_volume, name, secret))
    options = _mount_options(source_volume, access.mode == READ_ONLY)
    if options:
        spec["mountOptions"] = options
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": name, "labels": share_labels(COMPONENT, share, **{NAMESPACE_LABEL: namespace})},
        "spec": spec,
    }


def static_claim_manifest(namespace, share, live_claim=None):
    """The claim bound to the static volume.

    Kubernetes only resizes dynamically provisioned claims, so an existing claim keeps the size
    it asked for (the PV carries the share's current size, which only grows).
    """
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {
            "name": share.claim_name,
            "namespace": namespace,
            "labels": share_labels(COMPONENT, share, **{NAMESPACE_LABEL: namespace}),
        },
        "spec": {
            "accessModes": ["ReadWriteMany"],
            "storageClassName": "",
            "volumeName": static_volume_name(namespace, share.claim_name),
            "volumeMode": "Filesystem",
            "resources": {"requests": {"storage": _requested(live_claim) or share.size}},
        },
    }


def _source_of(manifest):
    return dict((key, value) for key, value in manifest["spec"].items() if key in ("nfs", "csi"))


def _bound_volume(claim, volumes):
    """The PV the share claim is bound to, or None while it is not bound."""
    if ((claim or {}).get("status") or {}).get("phase") != "Bound":
        return None
    return volumes.get((claim.get("spec") or {}).get("volumeName"))


def _is_terminating(item):
    return bool(item and _metadata(item).get("deletionTimestamp"))


def _delete_static_volume(volume):
    """References that delete a static PV and the claim it is reserved for, claim first."""
    references = []
    claim_ref = (volume.get("spec") or {}).get("claimRef") or {}
    if claim_ref.get("name") and claim_ref.get("namespace"):
        references.append(_reference("v1", "PersistentVolumeClaim", claim_ref["name"], claim_ref["namespace"]))
    references.append(_reference("v1", "PersistentVolume", _metadata(volume)["name"]))
    return references


def _index_claims(spec, audiences, claims):
    """The share claims by name, and the collection's claims in the other notebook namespaces by (namespace, name)."""
    share_claims, static_claims = {}, {}
    for claim in claims or []:
        metadata = _metadata(claim)
        if metadata.get("namespace") == spec.namespace and _is_component(claim, SHARE_COMPONENT):
            share_claims[metadata.get("name")] = claim
        elif metadata.get("namespace") in audiences and _is_component(claim, COMPONENT):
            static_claims[(metadata["namespace"], metadata.get("name"))] = claim
    return share_claims, static_claims


def _plan_share(result, namespace, access, desired_volume, live_volume, live_claim):
    """Add what one share needs in one namespace to ``result``; True when its claim is there after this run."""
    claim_name = access.share.claim_name
    ref = "%s/%s" % (namespace, claim_name)
    if _is_terminating(live_volume) or _is_terminating(live_claim):
        result["waiting"].append("%s: being deleted; recreated once no pod uses it" % ref)
        return False
    if live_volume is not None and not is_subset(_source_of(desired_volume), live_volume.get("spec") or {}):
        result["delete"].extend(_delete_static_volume(live_volume))
        result["waiting"].append("%s: its volume now has another source; recreated once the old one is released" % ref)
        return False
    if live_claim is not None and (live_claim.get("spec") or {}).get("volumeName") not in (None, desired_volume["metadata"]["name"]):
        result["delete"].append(_reference("v1", "PersistentVolumeClaim", claim_name, namespace))
        result["waiting"].append("%s: the claim is bound to another volume; recreated once it is released" % ref)
        return False
    result["apply"].extend([desired_volume, static_claim_manifest(namespace, access.share, live_claim)])
    return True


def _delete_unwanted(result, volumes, static_claims, wanted):
    """Delete the collection's static volumes and claims that no notebook namespace wants any more."""
    for volume in sorted(volumes or [], key=lambda item: _metadata(item).get("name")):
        if _is_component(volume, COMPONENT) and _metadata(volume).get("name") not in wanted and not _is_terminating(volume):
            result["delete"].extend(_delete_static_volume(volume))
    deleted = set((ref["kind"], ref["metadata"].get("namespace"), ref["metadata"]["name"]) for ref in result["delete"])
    for (namespace, claim_name), claim in sorted(static_claims.items()):
        if (
            static_volume_name(namespace, claim_name) not in wanted
            and ("PersistentVolumeClaim", namespace, claim_name) not in deleted
            and not _is_terminating(claim)
        ):
            result["delete"].append(_reference("v1", "PersistentVolumeClaim", claim_name, namespace))


def _retired_namespaces(volumes, audiences):
    namespaces = set()
    for volume in volumes or []:
        namespace = ((volume.get("spec") or {}).get("claimRef") or {}).get("namespace")
        if _is_component(volume, COMPONENT) and namespace and namespace not in audiences:
            namespaces.add(namespace)
    return sorted(namespaces)


def plan_namespace_claims(spec, volumes, claims):
    """What the other notebook namespaces need: static volumes and claims to apply, and what to delete.

    ``volumes`` are the cluster's PersistentVolumes (k8s_info), ``claims`` the share claims of the
    share namespace plus the collection's claims in the other notebook namespaces. Returns a dict:

    - ``apply``: PVs and claims, each PV before its claim;
    - ``delete``: references of static volumes no longer wanted or no longer right (their source
      changed: a PV source is immutable), each claim before its PV; nothing is lost, the PVs are
      static and Retain;
    - ``available``: namespace -> names of the shares whose claim exists there after this run;
    - ``waiting``: why a share is not available yet (claim not bound, being replaced);
    - ``retired``: namespaces that still hold the collection's claims but are no longer notebook
      namespaces: their Notebooks must lose the shares before the claims go.

    Raises StaticVolumeError naming every share whose storage has no static-volume builder.
    """
    audiences = spec.jupyterhub.namespace_audiences if spec.jupyterhub is not None else {}
    secret = spec.storage_class.static_volume_secret if spec.storage_class is not None else None
    volumes_by_name = dict((_metadata(volume).get("name"), volume) for volume in volumes or [])
    share_claims, static_claims = _index_claims(spec, audiences, claims)
    result = {"apply": [], "delete": [], "available": {}, "waiting": [], "retired": _retired_namespaces(volumes, audiences)}
    wanted, problems = set(), []
    for namespace in sorted(audiences):
        available = result["available"].setdefault(namespace, [])
        for access in audience_accesses(spec, audiences[namespace]):
            claim_name = access.share.claim_name
            name = static_volume_name(namespace, claim_name)
            wanted.add(name)
            source_volume = _bound_volume(share_claims.get(claim_name), volumes_by_name)
            if source_volume is None:
                result["waiting"].append(
                    "%s/%s: the share claim %s/%s is not bound yet" % (namespace, claim_name, spec.namespace, claim_name)
                )
                continue
            try:
                desired_volume = static_volume_manifest(namespace, access, source_volume, secret)
            except StaticVolumeError as exc:
                problems.append("share %r (claim %s/%s, volume %s): %s" % (
                    access.share.name, spec.namespace, claim_name, _metadata(source_volume).get("name"), exc))
                continue
            if _plan_share(result, namespace, access, desired_volume, volumes_by_name.get(name), static_claims.get((namespace, claim_name))):
                available.append(access.share.name)
    if problems:
        raise StaticVolumeError(
            "jupyterhub.notebook_namespaces: cannot give the other notebook namespaces these shares:\n  - %s" % "\n  - ".join(problems)
        )
    _delete_unwanted(result, volumes, static_claims, wanted)
    return result
