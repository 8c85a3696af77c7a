# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The RWX StorageClass manifest and static volumes on a share's storage.

spec_storage.py validates ``shared_resources.storage_class``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"
ODH_DASHBOARD_ANNOTATION = "opendatahub.io/sc-config"


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

NFS_CSI_DRIVER = "nfs.csi.k8s.io"
CEPHFS_DRIVER_SUFFIX = "cephfs.csi.ceph.com"
# csi-driver-nfs chmods the mount point to mountPermissions on every mount; the directory Jobs own the mode.
_NFS_CSI_DROPPED_ATTRIBUTES = ("mountpermissions",)
_CEPHFS_STATIC_ATTRIBUTES = ("clusterID", "fsName", "mounter", "kernelMountOptions", "fuseMountOptions")


class StaticVolumeError(Exception):
    """A provisioned volume the collection cannot expose through a static PersistentVolume."""


# The kubelet's default when a CSIDriver leaves fsGroupPolicy out (storage.k8s.io/v1 CSIDriverSpec).
DEFAULT_FS_GROUP_POLICY = "ReadWriteOnceWithFSType"


def storage_class_warnings(storage_class, provisioner, csi_driver, fs_group):
    """What the cluster's storage for the class does not do: no CSI driver registered for ``provisioner``, a driver whose
    fsGroupPolicy leaves RWX volumes alone while the rollout relies on fsGroup, EFS access points forcing their ids."""
    warnings = []
    if csi_driver is None and storage_class.backend != "nfs_subdir":
        warnings.append("WARNING: no CSIDriver object is registered for provisioner '%s'. Claims of this class stay Pending "
                        "until the driver is installed." % provisioner)
    policy = ((csi_driver or {}).get("spec") or {}).get("fsGroupPolicy") or DEFAULT_FS_GROUP_POLICY
    if fs_group and csi_driver is not None and policy != "File":
        warnings.append("WARNING: CSIDriver %s has fsGroupPolicy '%s', not 'File': the kubelet does not apply fsGroup to its RWX "
                        "volumes, and shared_resources_fs_group relies on it. Prepare the export's directories for the tier gids "
                        "instead." % (provisioner, policy))
    if storage_class.backend == "efs":
        warnings.append("WARNING: AWS EFS access points force their own uid and gid on every file, so the tier gids in the pods' "
                        "supplementalGroups do not separate tiers there; which claims a notebook mounts (and readOnly) still does.")
    return warnings


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
