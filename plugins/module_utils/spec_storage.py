# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation of ``shared_resources.storage_class``: the RWX backends and their settings.

Spec parsing: depends on validation.py only. storage.py builds the StorageClass and static
volumes from the StorageClassSpec this returns.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

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


# Backends whose volumes the collection can expose again through a static PersistentVolume.
STATIC_VOLUME_BACKENDS = ("nfs_csi", "nfs_subdir", "cephfs", "existing")
