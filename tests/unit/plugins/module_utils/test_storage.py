import json

import pytest

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import SpecError, parse_spec
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.storage import storage_class_manifest, storage_class_warnings
from tests.support.schema import schema_errors

LABELS = {"app.kubernetes.io/managed-by": "odh_rwx.shared_resources"}


def manifest_for(example_spec, storage_class):
    example_spec["storage_class"] = storage_class
    return storage_class_manifest(parse_spec(example_spec).storage_class, LABELS)


def errors_for(example_spec, storage_class):
    example_spec["storage_class"] = storage_class
    with pytest.raises(SpecError) as caught:
        parse_spec(example_spec)
    return caught.value.errors


@pytest.mark.parametrize(
    "storage_class, provisioner, parameters",
    [
        (
            {"name": "shared-rwx", "backend": "nfs_csi", "parameters": {"server": "nfs.example.com", "share": "/exports/data"}},
            "nfs.csi.k8s.io",
            {"server": "nfs.example.com", "share": "/exports/data"},
        ),
        ({"name": "shared-rwx", "backend": "nfs_subdir"}, "k8s-sigs.io/nfs-subdir-external-provisioner", {"archiveOnDelete": "true"}),
        (
            {"name": "shared-rwx", "backend": "nfs_subdir", "provisioner": "cluster.local/nfs-provisioner"},
            "cluster.local/nfs-provisioner",
            {"archiveOnDelete": "true"},
        ),
        ({"name": "shared-rwx", "backend": "efs", "parameters": {"fileSystemId": "fs-0123"}}, "efs.csi.aws.com",
         {"provisioningMode": "efs-ap", "fileSystemId": "fs-0123", "directoryPerms": "775"}),
        ({"name": "shared-rwx", "backend": "azurefile"}, "file.csi.azure.com", {"protocol": "nfs", "skuName": "Premium_LRS"}),
        ({"name": "shared-rwx", "backend": "filestore"}, "filestore.csi.storage.gke.io", {"tier": "standard", "network": "default"}),
    ],
)
def test_backends_fill_provisioner_and_parameters(example_spec, storage_class, provisioner, parameters):
    manifest = manifest_for(example_spec, storage_class)
    assert manifest["provisioner"] == provisioner
    assert manifest["parameters"] == parameters
    assert manifest["reclaimPolicy"] == "Retain"
    assert manifest["volumeBindingMode"] == "Immediate"
    assert schema_errors(manifest) == ""


def test_cephfs_flavors(example_spec):
    odf = manifest_for(example_spec, {"name": "cephfs", "backend": "cephfs"})
    assert odf["provisioner"] == "openshift-storage.cephfs.csi.ceph.com"
    assert odf["parameters"]["fsName"] == "ocs-storagecluster-cephfilesystem"
    assert odf["parameters"]["csi.storage.k8s.io/node-stage-secret-namespace"] == "openshift-storage"
    rook = manifest_for(example_spec, {"name": "cephfs", "backend": "cephfs", "flavor": "rook", "parameters": {"fsName": "myfs"}})
    assert rook["provisioner"] == "rook-ceph.cephfs.csi.ceph.com"
    assert rook["parameters"]["clusterID"] == "rook-ceph"
    assert rook["parameters"]["csi.storage.k8s.io/provisioner-secret-namespace"] == "rook-ceph"
    assert rook["allowVolumeExpansion"] is True


def test_nfs_csi_defaults_and_mutable_settings(example_spec):
    manifest = manifest_for(
        example_spec,
        {
            "name": "shared-rwx",
            "backend": "nfs_csi",
            "parameters": {"server": "nfs", "share": "/x"},
            "mount_options": ["nfsvers=4.2", "hard"],
            "reclaim_policy": "Delete",
            "volume_binding_mode": "WaitForFirstConsumer",
            "default": True,
            "odh_dashboard": True,
            "display_name": "Shared data",
        },
    )
    assert manifest["mountOptions"] == ["nfsvers=4.2", "hard"]
    assert manifest["reclaimPolicy"] == "Delete"
    assert manifest["volumeBindingMode"] == "WaitForFirstConsumer"
    annotations = manifest["metadata"]["annotations"]
    assert annotations["storageclass.kubernetes.io/is-default-class"] == "true"
    config = json.loads(annotations["opendatahub.io/sc-config"])
    assert config["isEnabled"] is True and config["isDefault"] is True
    assert config["displayName"] == "Shared data"
    assert config["accessModeSettings"]["ReadWriteMany"] is True
    assert schema_errors(manifest) == ""


def test_default_mount_options_of_nfs_csi(example_spec):
    manifest = manifest_for(example_spec, {"name": "shared-rwx", "backend": "nfs_csi", "parameters": {"server": "nfs", "share": "/x"}})
    assert manifest["mountOptions"] == ["nfsvers=4.1"]
    assert "annotations" not in manifest["metadata"]


def test_existing_backend_has_no_manifest(example_spec):
    assert manifest_for(example_spec, {"name": "ocs-storagecluster-cephfs", "backend": "existing"}) is None


@pytest.mark.parametrize(
    "storage_class, expected",
    [
        ({"name": "shared-rwx", "backend": "nfs"}, "storage_class.backend: invalid value 'nfs'"),
        ({"name": "shared-rwx", "backend": "nfs_csi"}, "storage_class.parameters.server: missing: backend 'nfs_csi' needs parameters.server"),
        ({"name": "shared-rwx", "backend": "efs"}, "storage_class.parameters.fileSystemId: missing"),
        ({"name": "shared-rwx", "backend": "cephfs", "flavor": "rook"}, "storage_class.parameters.fsName: missing"),
        ({"name": "shared-rwx", "backend": "cephfs", "flavor": "ceph"}, "storage_class.flavor: invalid value 'ceph'"),
        ({"name": "shared-rwx", "backend": "efs", "flavor": "odf"}, "storage_class.flavor: only the cephfs backend has flavors"),
        ({"name": "Shared_RWX", "backend": "nfs_subdir"}, "storage_class.name: invalid StorageClass name 'Shared_RWX'"),
        ({"name": "shared-rwx", "backend": "nfs_subdir", "reclaim_policy": "Recycle"}, "storage_class.reclaim_policy: invalid value 'Recycle'"),
        ({"name": "shared-rwx", "backend": "nfs_subdir", "volume_binding_mode": "Lazy"}, "storage_class.volume_binding_mode: invalid value 'Lazy'"),
        ({"name": "shared-rwx", "backend": "nfs_subdir", "allow_volume_expansion": True}, "cannot expand volumes"),
        (
            {"name": "shared-rwx", "backend": "nfs_subdir", "parameters": {"archiveOnDelete": True}},
            "storage_class.parameters.archiveOnDelete: must be a string, got bool True: quote it",
        ),
        ({"name": "shared-rwx", "backend": "azurefile", "parameters": {"skuName": "Standard_LRS"}}, "Azure Files serves NFS only from Premium"),
        ({"name": "shared-rwx", "backend": "existing", "default": True}, "storage_class.default: not with backend 'existing'"),
        ({"name": "shared-rwx", "backend": "nfs_subdir", "mount_options": "hard"}, "storage_class.mount_options: must be a list of mount options"),
        ({"name": "shared-rwx", "backend": "nfs_subdir", "default": "yes"}, "storage_class.default: must be true or false"),
        ({"name": "shared-rwx", "backend": "nfs_subdir", "reclaim": "Retain"}, "storage_class.reclaim: unknown field (did you mean 'reclaim_policy'?)"),
        ("shared-rwx", "storage_class: must be a mapping of StorageClass settings, got str"),
    ],
)
def test_bad_storage_class_is_refused(example_spec, storage_class, expected):
    errors = errors_for(example_spec, storage_class)
    assert any(expected in error for error in errors), errors


def csi_driver(fs_group_policy=None):
    spec = {"attachRequired": False}
    if fs_group_policy:
        spec["fsGroupPolicy"] = fs_group_policy
    return {"apiVersion": "storage.k8s.io/v1", "kind": "CSIDriver", "metadata": {"name": "nfs.csi.k8s.io"}, "spec": spec}


def warnings_for(example_spec, backend, driver, fs_group):
    example_spec["storage_class"] = {"name": "shared-rwx", "backend": backend}
    if backend == "nfs_csi":
        example_spec["storage_class"]["parameters"] = {"server": "nfs.example.com", "share": "/exports"}
    if backend == "efs":
        example_spec["storage_class"]["parameters"] = {"fileSystemId": "fs-0123456789abcdef0"}
    return storage_class_warnings(parse_spec(example_spec).storage_class, "the.provisioner", driver, fs_group)


@pytest.mark.parametrize("backend, driver, fs_group, expected", [
    # csi-driver-nfs declares fsGroupPolicy File (deploy/csi-nfs-driverinfo.yaml): nothing to say.
    ("nfs_csi", csi_driver("File"), True, []),
    ("nfs_csi", None, False, ["no CSIDriver object is registered for provisioner 'the.provisioner'"]),
    # The NFS subdir provisioner is no CSI driver: no CSIDriver object is expected.
    ("nfs_subdir", None, True, []),
    # A CSIDriver without fsGroupPolicy gets the API server's default, ReadWriteOnceWithFSType.
    ("nfs_csi", csi_driver(), True, ["has fsGroupPolicy 'ReadWriteOnceWithFSType', not 'File'"]),
    ("nfs_csi", csi_driver("None"), True, ["has fsGroupPolicy 'None', not 'File'"]),
    ("nfs_csi", csi_driver("None"), False, []),
    ("efs", csi_driver("None"), False, ["AWS EFS access points force their own uid and gid"]),
])
def test_storage_class_warnings(example_spec, backend, driver, fs_group, expected):
    warnings = warnings_for(example_spec, backend, driver, fs_group)
    assert len(warnings) == len(expected), warnings
    for warning, fragment in zip(warnings, expected):
        assert warning.startswith("WARNING: ") and fragment in warning
