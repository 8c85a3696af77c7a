# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The RWX StorageClass: backends, validation of ``shared_resources.storage_class``, the manifest."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
from collections import namedtuple

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.validation import (
    check_bool,
    check_choice,
    check_keys,
    check_mapping,
    check_name,
    check_string_list,
    check_string_map,
    check_subdomain,
    check_text,
    describe_type,
)

DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"
ODH_DASHBOARD_ANNOTATION = "opendatahub.io/sc-config"
RECLAIM_POLICIES = ("Retain", "Delete")
BINDING_MODES = ("Immediate", "WaitForFirstConsumer")
STORAGE_CLASS_KEYS = (
    "name",
    "backend",
    "flavor",
    "provisioner",
    "parameters",
    "mount_options",
    "reclaim_policy",
    "volume_binding_mode",
    "allow_volume_expansion",
    "default",
    "odh_dashboard",
    "display_name",
    "description",
    "static_volume_secret",
)
STATIC_VOLUME_SECRET_KEYS = ("name", "namespace")

# provisioner, parameters every class needs, parameter defaults, mount options, volume expansion,
# and whether pod groups decide access (EFS access points force their own uid/gid).
Backend = namedtuple("Backend", "provisioner required defaults mount_options expansion groups_decide_access")

_CEPHFS_SECRETS = (
    ("csi.storage.k8s.io/provisioner-secret-name", "rook-csi-cephfs-provisioner"),
    ("csi.storage.k8s.io/controller-expand-secret-name", "rook-csi-cephfs-provisioner"),
    ("csi.storage.k8s.io/node-stage-secret-name", "rook-csi-cephfs-node"),
)


def _cephfs_parameters(namespace, cluster_id, fs_name):
    parameters = {"clusterID": cluster_id}
    if fs_name:
        parameters["fsName"] = fs_name
    for key, secret in _CEPHFS_SECRETS:
        parameters[key] = secret
        parameters[key.replace("-name", "-namespace")] = namespace
    return parameters


BACKENDS = {
    "nfs_csi": Backend("nfs.csi.k8s.io", ("server", "share"), {}, ("nfsvers=4.1",), True, True),
    "nfs_subdir": Backend("k8s-sigs.io/nfs-subdir-external-provisioner", (), {"archiveOnDelete": "true"}, (), False, True),
    "cephfs/odf": Backend(
        "openshift-storage.cephfs.csi.ceph.com",
        ("clusterID", "fsName"),
        _cephfs_parameters("openshift-storage", "openshift-storage", "ocs-storagecluster-cephfilesystem"),
        (),
        True,
        True,
    ),
    "cephfs/rook": Backend(
        "rook-ceph.cephfs.csi.ceph.com", ("clusterID", "fsName"), _cephfs_parameters("rook-ceph", "rook-ceph", None), (), True, True
    ),
    "efs": Backend("efs.csi.aws.com", ("fileSystemId",), {"provisioningMode": "efs-ap", "directoryPerms": "775"}, (), False, False),
    "azurefile": Backend("file.csi.azure.com", (), {"protocol": "nfs", "skuName": "Premium_LRS"}, ("nconnect=4",), True, True),
    "filestore": Backend("filestore.csi.storage.gke.io", (), {"tier": "standard", "network": "default"}, (), True, True),
}
BACKEND_NAMES = ("nfs_csi", "nfs_subdir", "cephfs", "efs", "azurefile", "filestore", "existing")
CEPHFS_FLAVORS = ("odf", "rook")
# Settings a class taken as it is ("existing") cannot have: the collection does not own it.
_NOT_FOR_EXISTING = tuple(
    key for key in STORAGE_CLASS_KEYS if key not in ("name", "backend", "display_name", "description", "static_volume_secret")
)

StorageClassSpec = namedtuple(
    "StorageClassSpec",
    "name backend provisioner parameters mount_options reclaim_policy volume_binding_mode "
    "allow_volume_expansion default odh_dashboard display_name description groups_decide_access static_volume_secret",
)


def backend_of(data):
    if data.get("backend") == "cephfs":
        return BACKENDS["cephfs/" + data.get("flavor", "odf")]
    return BACKENDS[data["backend"]]


def _check_backend_parameters(collector, path, data, backend, parameters):
    for required in backend.required:
        if not parameters.get(required):
            collector.add(
                "%s.parameters.%s" % (path, required),
                "missing: backend %r needs parameters.%s" % (data["backend"], required),
            )
    if data["backend"] == "azurefile" and parameters.get("protocol") == "nfs" and not parameters.get("skuName", "").startswith("Premium"):
        collector.add(
            path + ".parameters.skuName",
            "Azure Files serves NFS only from Premium storage: use skuName Premium_LRS or Premium_ZRS",
        )
    if data["backend"] == "nfs_subdir" and data.get("allow_volume_expansion"):
        collector.add(
            path + ".allow_volume_expansion",
            "the NFS subdir provisioner cannot expand volumes (and does not enforce sizes): leave it false",
        )


def _check_storage_class_fields(collector, path, data):
    valid = check_subdomain(collector, path + ".name", data.get("name"), "StorageClass name")
    valid = check_choice(collector, path + ".backend", data.get("backend"), BACKEND_NAMES) and valid
    if "flavor" in data:
        if data.get("backend") != "cephfs":
            collector.add(path + ".flavor", "only the cephfs backend has flavors (odf, rook)")
            valid = False
        else:
            valid = check_choice(collector, path + ".flavor", data["flavor"], CEPHFS_FLAVORS) and valid
    if "parameters" in data:
        valid = check_string_map(collector, path + ".parameters", data["parameters"]) and valid
    if "mount_options" in data:
        valid = check_string_list(collector, path + ".mount_options", data["mount_options"], "mount options") and valid
    if "reclaim_policy" in data:
        valid = check_choice(collector, path + ".reclaim_policy", data["reclaim_policy"], RECLAIM_POLICIES) and valid
    if "volume_binding_mode" in data:
        valid = check_choice(collector, path + ".volume_binding_mode", data["volume_binding_mode"], BINDING_MODES) and valid
    for flag in ("allow_volume_expansion", "default", "odh_dashboard"):
        if flag in data:
            valid = check_bool(collector, "%s.%s" % (path, flag), data[flag]) and valid
    for text in ("provisioner", "display_name", "description"):
        valid = check_text(collector, "%s.%s" % (path, text), data.get(text)) and valid
    if "static_volume_secret" in data:
        valid = _check_static_volume_secret(collector, path + ".static_volume_secret", data) and valid
    return valid


def _check_static_volume_secret(collector, path, data):
    secret = data["static_volume_secret"]
    if data.get("backend") not in ("cephfs", "existing"):
        collector.add(path, "only CephFS static volumes need a node-stage secret: remove it for backend %r" % data.get("backend"))
        return False
    if not isinstance(secret, dict):
        collector.add(path, "must be a mapping {name, namespace} naming the Secret with userID and userKey, got %s" % describe_type(secret))
        return False
    check_keys(collector, path, secret, STATIC_VOLUME_SECRET_KEYS)
    valid = check_subdomain(collector, path + ".name", secret.get("name"), "Secret name")
    return check_name(collector, path + ".namespace", secret.get("namespace"), "namespace") and valid


def parse_storage_class(collector, data, path="storage_class"):
    """Validate the storage_class section; return a StorageClassSpec, or None when absent or invalid."""
    if data is None or not check_mapping(collector, path, data, "StorageClass settings"):
        return None
    check_keys(collector, path, data, STORAGE_CLASS_KEYS)
    if not _check_storage_class_fields(collector, path, data):
        return None
    if data["backend"] == "existing":
        for key in _NOT_FOR_EXISTING:
            if key in data:
                collector.add(
                    "%s.%s" % (path, key),
                    "not with backend 'existing': the collection uses that class as it is; "
                    "pick the class's real backend to manage it",
                )
        return StorageClassSpec(
            name=data["name"],
            backend="existing",
            provisioner=None,
            parameters={},
            mount_options=(),
            reclaim_policy=None,
            volume_binding_mode=None,
            allow_volume_expansion=None,
            default=False,
            odh_dashboard=False,
            display_name=data.get("display_name"),
            description=data.get("description"),
            groups_decide_access=True,
            static_volume_secret=data.get("static_volume_secret"),
        )
    backend = backend_of(data)
    parameters = dict(backend.defaults)
    parameters.update(data.get("parameters", {}))
    _check_backend_parameters(collector, path, data, backend, parameters)
    return StorageClassSpec(
        name=data["name"],
        backend=data["backend"],
        provisioner=data.get("provisioner") or backend.provisioner,
        parameters=parameters,
        mount_options=tuple(data.get("mount_options", backend.mount_options)),
        # Retain by default: a deleted claim must not take the team's shared data with it.
        reclaim_policy=data.get("reclaim_policy", "Retain"),
        volume_binding_mode=data.get("volume_binding_mode", "Immediate"),
        allow_volume_expansion=data.get("allow_volume_expansion", backend.expansion),
        default=data.get("default", False),
        odh_dashboard=data.get("odh_dashboard", False),
        display_name=data.get("display_name"),
        description=data.get("description"),
        groups_decide_access=backend.groups_decide_access,
        static_volume_secret=data.get("static_volume_secret"),
    )


def odh_dashboard_config(storage_class):
    """The ``opendatahub.io/sc-config`` annotation: offer the class, with ReadWriteMany, in the dashboard."""
    return json.dumps(
        {
            "displayName": storage_class.display_name or storage_class.name,
            "description": storage_class.description or "Shared ReadWriteMany storage",
            "isEnabled": True,
            "isDefault": storage_class.default,
            "accessModeSettings": {"ReadWriteOnce": True, "ReadWriteMany": True},
        },
        sort_keys=True,
        separators=(",", ":"),
    )


def storage_class_manifest(storage_class, labels):
    """The StorageClass object, or None for a class taken as it is."""
    if storage_class is None or storage_class.backend == "existing":
        return None
    annotations = {}
    if storage_class.default:
        annotations[DEFAULT_CLASS_ANNOTATION] = "true"
    if storage_class.odh_dashboard:
        annotations[ODH_DASHBOARD_ANNOTATION] = odh_dashboard_config(storage_class)
    metadata = {"name": storage_class.name, "labels": dict(labels)}
    if annotations:
        metadata["annotations"] = annotations
    manifest = {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": metadata,
        "provisioner": storage_class.provisioner,
        "reclaimPolicy": storage_class.reclaim_policy,
        "volumeBindingMode": storage_class.volume_binding_mode,
        "allowVolumeExpansion": storage_class.allow_volume_expansion,
    }
    if storage_class.parameters:
        manifest["parameters"] = dict(storage_class.parameters)
    if storage_class.mount_options:
        manifest["mountOptions"] = list(storage_class.mount_options)
    return manifest


# --------------------------------------------------------------------------
# Static volumes: the same storage as a provisioned share volume, for a claim in another namespace

# Backends whose volumes the collection can expose again through a static PersistentVolume.
STATIC_VOLUME_BACKENDS = ("nfs_csi", "nfs_subdir", "cephfs", "existing")
NFS_CSI_DRIVER = "nfs.csi.k8s.io"
CEPHFS_DRIVER_SUFFIX = "cephfs.csi.ceph.com"
# csi-driver-nfs chmods the mount point to mountPermissions on every mount; the directory Jobs own the mode.
_NFS_CSI_DROPPED_ATTRIBUTES = ("mountpermissions",)
_CEPHFS_STATIC_ATTRIBUTES = ("clusterID", "fsName", "mounter", "kernelMountOptions", "fuseMountOptions")


class StaticVolumeError(Exception):
    """A provisioned volume the collection cannot expose through a static PersistentVolume."""


def _static_nfs(source, unique_id, secret):
    return {"nfs": {"server": source["server"], "path": source["path"]}}


def _static_nfs_csi(source, unique_id, secret):
    """csi-driver-nfs mounts what the volume attributes say; the handle only has to be unique.

    The attributes are kept, the provisioner's ``csi.storage.k8s.io/pvc/*`` ones included: the node
    resolves a templated ``subdir`` with them, to the share claim's directory. The handle is kept
    parseable (``server#share#subdir#uuid#onDelete``) with ``retain``, so that even a DeleteVolume
    sent by mistake would leave the directory alone.
    """
    attributes = dict(
        (key, value)
        for key, value in (source.get("volumeAttributes") or {}).items()
        if key.lower() not in _NFS_CSI_DROPPED_ATTRIBUTES
    )
    if not attributes.get("server") or not attributes.get("share"):
        raise StaticVolumeError("its csi volumeAttributes lack server or share")
    handle = "#".join(
        (attributes["server"].strip("/"), attributes["share"].strip("/"), attributes.get("subdir", "").strip("/"), unique_id, "retain")
    )
    return {"csi": {"driver": source["driver"], "volumeHandle": handle, "volumeAttributes": attributes}}


def _static_cephfs(source, unique_id, secret):
    """ceph-csi mounts a pre-provisioned subvolume by ``rootPath`` with user credentials (userID, userKey)."""
    attributes = source.get("volumeAttributes") or {}
    if not attributes.get("subvolumePath"):
        raise StaticVolumeError("its csi volumeAttributes lack subvolumePath (ceph-csi 3.3 or later records it)")
    if not secret:
        raise StaticVolumeError(
            "CephFS static volumes need a Secret with userID and userKey: set storage_class.static_volume_secret"
        )
    static = dict((key, attributes[key]) for key in _CEPHFS_STATIC_ATTRIBUTES if attributes.get(key))
    static.update({"staticVolume": "true", "rootPath": attributes["subvolumePath"]})
    return {
        "csi": {
            "driver": source["driver"],
            "volumeHandle": unique_id,
            "volumeAttributes": static,
            "nodeStageSecretRef": {"name": secret["name"], "namespace": secret["namespace"]},
        }
    }


def _static_builder(spec):
    if (spec.get("nfs") or {}).get("server"):
        return _static_nfs, spec["nfs"]
    csi = spec.get("csi") or {}
    driver = csi.get("driver") or ""
    if driver == NFS_CSI_DRIVER:
        return _static_nfs_csi, csi
    if driver == CEPHFS_DRIVER_SUFFIX or driver.endswith("." + CEPHFS_DRIVER_SUFFIX):
        return _static_cephfs, csi
    kinds = sorted(key for key in spec if isinstance(spec[key], dict) and key not in ("capacity", "claimRef", "nodeAffinity"))
    raise StaticVolumeError(
        "it is served by %s, for which the collection has no static-volume builder (it has: in-tree nfs, %s, "
        "*.%s)" % (("CSI driver %r" % driver) if driver else ("source %s" % ", ".join(kinds) or "an unknown source"),
                   NFS_CSI_DRIVER, CEPHFS_DRIVER_SUFFIX)
    )


def static_volume_source(volume, unique_id, secret=None):
    """The volume source of a static PersistentVolume on the storage of the provisioned ``volume``.

    ``unique_id`` tells this static volume apart from every other one on the same storage: the
    kubelet identifies CSI volumes by driver and handle, so two PVs with one handle would be
    mounted as one. ``secret`` is storage_class.static_volume_secret (CephFS only). The source
    does not depend on the mode: read-only is a mount option, because PV sources are immutable.
    Raises StaticVolumeError for storage without a builder.
    """
    builder, source = _static_builder((volume or {}).get("spec") or {})
    return builder(source, unique_id, secret)
