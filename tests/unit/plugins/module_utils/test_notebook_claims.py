"""Static volumes and claims for the other notebook namespaces (notebook_claims.py, storage.static_volume_source)."""

import copy

import pytest

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import notebook_claims as nc
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.access import ShareAccess
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.k8s_compare import UNCHANGED, UPDATE, decide
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.manifests import shared_volume_objects
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import SpecError, parse_spec
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.storage import StaticVolumeError, static_volume_source
from tests.support.schema import schema_errors

SECRET = {"name": "cephfs-static-user", "namespace": "openshift-storage"}

# Provisioned volumes as the drivers leave them (csi-driver-nfs 4.x, nfs-subdir-external-provisioner, ceph-csi 3.x).
NFS_CSI_VOLUME = {
    "metadata": {"name": "pvc-1"},
    "spec": {
        "csi": {
            "driver": "nfs.csi.k8s.io",
            "volumeHandle": "nfs.example.com#exports/odh#pvc-1##",
            "volumeAttributes": {
                "csi.storage.k8s.io/pv/name": "pvc-1",
                "csi.storage.k8s.io/pvc/name": "census",
                "csi.storage.k8s.io/pvc/namespace": "rhods-notebooks",
                "mountPermissions": "0777",
                "server": "nfs.example.com",
                "share": "/exports/odh",
                "subdir": "pvc-1",
            },
        },
        "mountOptions": ["nfsvers=4.1"],
    },
}
NFS_VOLUME = {"metadata": {"name": "pvc-2"}, "spec": {"nfs": {"server": "10.0.0.5", "path": "/srv/nfs/rhods-notebooks-census-pvc-2"}}}
CEPHFS_VOLUME = {
    "metadata": {"name": "pvc-3"},
    "spec": {
        "csi": {
            "driver": "openshift-storage.cephfs.csi.ceph.com",
            "volumeHandle": "0001-0011-openshift-storage-0000000000000001-8f2c",
            "volumeAttributes": {
                "clusterID": "openshift-storage",
                "fsName": "ocs-storagecluster-cephfilesystem",
                "storage.kubernetes.io/csiProvisionerIdentity": "1700000000000-1234-openshift-storage.cephfs.csi.ceph.com",
                "subvolumeName": "csi-vol-8f2c",
                "subvolumePath": "/volumes/csi/csi-vol-8f2c/0a1b",
            },
            "nodeStageSecretRef": {"name": "rook-csi-cephfs-node", "namespace": "openshift-storage"},
        }
    },
}
EFS_VOLUME = {"metadata": {"name": "pvc-4"}, "spec": {"csi": {"driver": "efs.csi.aws.com", "volumeHandle": "fs-1::fsap-2"}}}


# --- storage.static_volume_source: one builder per backend -----------------------------------------------


def test_nfs_csi_keeps_the_mount_attributes_and_gets_a_unique_parseable_handle():
    source = static_volume_source(NFS_CSI_VOLUME, "team-a.census")
    assert source == {
        "csi": {
            "driver": "nfs.csi.k8s.io",
            "volumeHandle": "nfs.example.com#exports/odh#pvc-1#team-a.census#retain",
            # everything but the mode the directory Jobs own; the claim's keys resolve a templated subdir
            "volumeAttributes": {
                "csi.storage.k8s.io/pv/name": "pvc-1",
                "csi.storage.k8s.io/pvc/name": "census",
                "csi.storage.k8s.io/pvc/namespace": "rhods-notebooks",
                "server": "nfs.example.com",
                "share": "/exports/odh",
                "subdir": "pvc-1",
            },
        }
    }
    assert static_volume_source(NFS_CSI_VOLUME, "lab.census")["csi"]["volumeHandle"] != source["csi"]["volumeHandle"]


def test_in_tree_nfs_is_copied():
    assert static_volume_source(NFS_VOLUME, "x") == {"nfs": {"server": "10.0.0.5", "path": "/srv/nfs/rhods-notebooks-census-pvc-2"}}


def test_cephfs_becomes_a_static_subvolume_with_user_credentials():
    assert static_volume_source(CEPHFS_VOLUME, "team-a.census", SECRET) == {
        "csi": {
            "driver": "openshift-storage.cephfs.csi.ceph.com",
            "volumeHandle": "team-a.census",
            "volumeAttributes": {
                "clusterID": "openshift-storage",
                "fsName": "ocs-storagecluster-cephfilesystem",
                "staticVolume": "true",
                "rootPath": "/volumes/csi/csi-vol-8f2c/0a1b",
            },
            "nodeStageSecretRef": SECRET,
        }
    }


@pytest.mark.parametrize(
    "volume, secret, message",
    [
        (CEPHFS_VOLUME, None, "need a Secret with userID and userKey: set storage_class.static_volume_secret"),
        (EFS_VOLUME, None, "served by CSI driver 'efs.csi.aws.com', for which the collection has no static-volume builder"),
        ({"spec": {"hostPath": {"path": "/data"}}}, None, "served by source hostPath"),
        ({"spec": {"csi": {"driver": "nfs.csi.k8s.io", "volumeHandle": "h", "volumeAttributes": {"server": "s"}}}}, None, "lack server or share"),
        ({"spec": {"csi": {"driver": "rook-ceph.cephfs.csi.ceph.com", "volumeAttributes": {}}}}, SECRET, "lack subvolumePath"),
    ],
)
def test_storage_without_a_builder_is_refused_with_the_reason(volume, secret, message):
    with pytest.raises(StaticVolumeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        static_volume_source(volume, "x", secret)


# --- the plan --------------------------------------------------------------------------------------------


def spec_with(example_spec, namespaces, storage_class=None):
    example_spec["jupyterhub"] = {"flavor": "odh_notebooks", "notebook_namespaces": namespaces}
    example_spec["storage_class"] = storage_class or {
        "name": "shared-rwx", "backend": "nfs_csi", "parameters": {"server": "nfs.example.com", "share": "/exports/odh"}}
    return parse_spec(example_spec)


def bound(claim, volume_name, phase="Bound"):
    claim = copy.deepcopy(claim)
    claim["spec"]["volumeName"] = volume_name
    claim["status"] = {"phase": phase}
    return claim


def provisioned(name):
    volume = copy.deepcopy(NFS_CSI_VOLUME)
    volume["metadata"]["name"] = name
    volume["spec"]["csi"]["volumeAttributes"]["subdir"] = name
    return volume


def cluster(spec):
    """The share claims of the share namespace, bound, and their volumes."""
    claims = [bound(claim, "pv-" + claim["metadata"]["name"]) for claim in shared_volume_objects(spec) if claim["kind"] == "PersistentVolumeClaim"]
    return [provisioned(claim["spec"]["volumeName"]) for claim in claims], claims


def by_kind(objects):
    return dict(((item["kind"], item["metadata"].get("namespace"), item["metadata"]["name"]), item) for item in objects)


def test_each_namespace_gets_the_shares_its_whole_audience_may_read(example_spec):
    spec = spec_with(example_spec, ["rhods-notebooks", {"name": "team-a", "groups": ["team-a", "analysts"]}, "lab", {"name": "hr", "groups": ["hr"]}])
    volumes, claims = cluster(spec)
    plan = nc.plan_namespace_claims(spec, volumes, claims)
    assert plan["available"] == {"hr": ["census", "hr-records"], "lab": ["census"], "team-a": ["census", "projects"]}
    assert plan["delete"] == [] and plan["waiting"] == []
    objects = by_kind(plan["apply"])
    assert sorted(objects) == sorted(
        [("PersistentVolume", None, "%s.%s" % (ns, share)) for ns, shares in plan["available"].items() for share in shares]
        + [("PersistentVolumeClaim", ns, share) for ns, shares in plan["available"].items() for share in shares]
    )
    # each PV comes right before its claim
    assert [item["kind"] for item in plan["apply"]] == ["PersistentVolume", "PersistentVolumeClaim"] * 5
    # the secret share only where every audience member is cleared for it, and rw only where all may write
    hr_records = objects[("PersistentVolume", None, "hr.hr-records")]
    assert hr_records["spec"]["mountOptions"] == ["nfsvers=4.1"]
    projects = objects[("PersistentVolume", None, "team-a.projects")]
    assert projects["spec"]["mountOptions"] == ["nfsvers=4.1", "ro"]
    assert projects["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
    assert projects["spec"]["claimRef"] == {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "namespace": "team-a", "name": "projects"}
    assert projects["spec"]["csi"]["volumeAttributes"]["subdir"] == "pv-projects"
    assert projects["metadata"]["labels"]["shared-resources.odh-rwx.io/namespace"] == "team-a"
    claim = objects[("PersistentVolumeClaim", "team-a", "projects")]
    assert claim["spec"] == {
        "accessModes": ["ReadWriteMany"],
        "storageClassName": "",
        "volumeName": "team-a.projects",
        "volumeMode": "Filesystem",
        "resources": {"requests": {"storage": "200Gi"}},
    }
    assert "opendatahub.io/dashboard" not in claim["metadata"]["labels"]


def test_every_object_validates_against_the_schema(example_spec):
    spec = spec_with(example_spec, ["rhods-notebooks", {"name": "team-a", "groups": ["team-a"]}, "lab"])
    volumes, claims = cluster(spec)
    for item in nc.plan_namespace_claims(spec, volumes, claims)["apply"]:
        assert schema_errors(item) == ""


@pytest.mark.parametrize("source_volume", [NFS_CSI_VOLUME, NFS_VOLUME, CEPHFS_VOLUME], ids=["nfs_csi", "nfs", "cephfs"])
@pytest.mark.parametrize("mode", ["ro", "rw"])
def test_static_volumes_of_every_backend_validate(example_spec, source_volume, mode):
    spec = parse_spec(example_spec)
    volume = nc.static_volume_manifest("lab", ShareAccess(spec.shares[0], mode), source_volume, SECRET)
    assert schema_errors(volume) == ""
    assert ("ro" in volume["spec"].get("mountOptions", [])) is (mode == "ro")


def test_without_other_namespaces_nothing_is_planned(example_spec):
    spec = spec_with(example_spec, ["rhods-notebooks"])
    volumes, claims = cluster(spec)
    assert nc.plan_namespace_claims(spec, volumes, claims) == {"apply": [], "delete": [], "available": {}, "waiting": [], "retired": []}


def live(objects):
    """The objects as the API server returns them once bound: claimRef completed, status set."""
    result = []
    for item in copy.deepcopy(objects):
        item["metadata"]["resourceVersion"] = "7"
        if item["kind"] == "PersistentVolume":
            item["spec"]["claimRef"].update({"uid": "u-1", "resourceVersion": "6"})
        item["status"] = {"phase": "Bound"}
        result.append(item)
    return result


def test_a_rerun_plans_the_same_objects_and_the_plan_calls_them_unchanged(example_spec):
    spec = spec_with(example_spec, ["rhods-notebooks", {"name": "team-a", "groups": ["team-a"]}])
    volumes, claims = cluster(spec)
    first = nc.plan_namespace_claims(spec, volumes, claims)
    applied = live(first["apply"])
    second = nc.plan_namespace_claims(spec, volumes + [o for o in applied if o["kind"] == "PersistentVolume"],
                                      claims + [o for o in applied if o["kind"] == "PersistentVolumeClaim"])
    assert second["apply"] == first["apply"] and second["delete"] == []
    assert [decide(wanted, current, applies=False).action for wanted, current in zip(second["apply"], applied)] == [UNCHANGED] * 4


def test_a_mode_change_is_a_mount_option_update_not_a_new_volume(example_spec):
    spec = spec_with(example_spec, ["rhods-notebooks", {"name": "team-a", "groups": ["team-a"]}])
    volumes, claims = cluster(spec)
    applied = live(nc.plan_namespace_claims(spec, volumes, claims)["apply"])
    spec = spec_with(example_spec, ["rhods-notebooks", {"name": "team-a", "groups": ["team-a", "analysts"]}])
    plan = nc.plan_namespace_claims(spec, volumes + applied[0::2], claims + applied[1::2])
    assert plan["delete"] == []
    projects = by_kind(plan["apply"])[("PersistentVolume", None, "team-a.projects")]
    assert projects["spec"]["mountOptions"] == ["nfsvers=4.1", "ro"]
    live_projects = by_kind(applied)[("PersistentVolume", None, "team-a.projects")]
    assert decide(projects, live_projects, applies=False).action == UPDATE


def test_a_grown_share_grows_the_volume_and_keeps_the_claim_size(example_spec):
    spec = spec_with(example_spec, ["rhods-notebooks", "lab"])
    volumes, claims = cluster(spec)
    applied = live(nc.plan_namespace_claims(spec, volumes, claims)["apply"])
    example_spec["shares"][0]["size"] = "80Gi"
    spec = parse_spec(example_spec)
    plan = by_kind(nc.plan_namespace_claims(spec, volumes + applied[0::2], claims + applied[1::2])["apply"])
    assert plan[("PersistentVolume", None, "lab.census")]["spec"]["capacity"] == {"storage": "80Gi"}
    assert plan[("PersistentVolumeClaim", "lab", "census")]["spec"]["resources"] == {"requests": {"storage": "50Gi"}}


def test_revoked_shares_and_dropped_namespaces_are_deleted_claim_first(example_spec):
    spec = spec_with(example_spec, ["rhods-notebooks", {"name": "team-a", "groups": ["team-a"]}, "lab"])
    volumes, claims = cluster(spec)
    applied = live(nc.plan_namespace_claims(spec, volumes, claims)["apply"])
    # team-a's audience grows to analysts: projects stays (ro); lab is no longer a notebook namespace
    spec = spec_with(example_spec, ["rhods-notebooks", {"name": "team-a", "groups": ["team-a", "hr"]}])
    static_claims = [item for item in applied if item["kind"] == "PersistentVolumeClaim" and item["metadata"]["namespace"] == "team-a"]
    plan = nc.plan_namespace_claims(spec, volumes + [o for o in applied if o["kind"] == "PersistentVolume"], claims + static_claims)
    assert plan["available"] == {"team-a": ["census"]} and plan["retired"] == ["lab"]
    assert [(ref["kind"], ref["metadata"].get("namespace"), ref["metadata"]["name"]) for ref in plan["delete"]] == [
        ("PersistentVolumeClaim", "lab", "census"),
        ("PersistentVolume", None, "lab.census"),
        ("PersistentVolumeClaim", "team-a", "projects"),
        ("PersistentVolume", None, "team-a.projects"),
    ]


def test_a_volume_whose_source_changed_is_replaced_over_two_runs(example_spec):
    spec = spec_with(example_spec, ["rhods-notebooks", "lab"])
    volumes, claims = cluster(spec)
    applied = live(nc.plan_namespace_claims(spec, volumes, claims)["apply"])
    # the share claim was recreated: a new provisioned volume
    claims = [bound(claims[0], "pv-new")] + claims[1:]
    plan = nc.plan_namespace_claims(spec, volumes + [provisioned("pv-new")] + applied[0::2], claims + applied[1::2])
    assert plan["apply"] == [] and plan["available"] == {"lab": []}
    assert [ref["kind"] for ref in plan["delete"]] == ["PersistentVolumeClaim", "PersistentVolume"]
    assert plan["waiting"] == ["lab/census: its volume now has another source; recreated once the old one is released"]
    terminating = copy.deepcopy(applied)
    for item in terminating:
        item["metadata"]["deletionTimestamp"] = "2026-11-26T08:00:00Z"
    plan = nc.plan_namespace_claims(spec, volumes + [provisioned("pv-new")] + terminating[0::2], claims + terminating[1::2])
    assert plan["apply"] == [] and plan["delete"] == []
    assert plan["waiting"] == ["lab/census: being deleted; recreated once no pod uses it"]
    plan = nc.plan_namespace_claims(spec, volumes + [provisioned("pv-new")], claims)
    assert by_kind(plan["apply"])[("PersistentVolume", None, "lab.census")]["spec"]["csi"]["volumeAttributes"]["subdir"] == "pv-new"


def test_unbound_share_claims_wait(example_spec):
    spec = spec_with(example_spec, ["rhods-notebooks", "lab"])
    volumes, claims = cluster(spec)
    claims[0]["status"]["phase"] = "Pending"
    plan = nc.plan_namespace_claims(spec, volumes, claims)
    assert plan["apply"] == [] and plan["available"] == {"lab": []}
    assert plan["waiting"] == ["lab/census: the share claim rhods-notebooks/census is not bound yet"]


def test_foreign_claims_and_volumes_are_ignored(example_spec):
    spec = spec_with(example_spec, ["rhods-notebooks", "lab"])
    volumes, claims = cluster(spec)
    foreign_claim = {"metadata": {"name": "census", "namespace": "lab"}, "spec": {"volumeName": "other"}}
    foreign_volume = {"metadata": {"name": "lab.shared-other", "labels": {"app": "x"}}, "spec": {}}
    plan = nc.plan_namespace_claims(spec, volumes + [foreign_volume], claims + [foreign_claim])
    assert plan["delete"] == [] and plan["available"] == {"lab": ["census"]}


def test_storage_without_a_builder_fails_before_anything_is_planned(example_spec):
    spec = spec_with(example_spec, ["rhods-notebooks", "lab"], {"name": "taken", "backend": "existing"})
    volumes, claims = cluster(spec)
    volumes[0] = dict(EFS_VOLUME, metadata={"name": volumes[0]["metadata"]["name"]})
    expected = r"share 'census' \(claim rhods-notebooks/census, volume pv-census\): it is served by CSI driver 'efs.csi.aws.com'"
    with pytest.raises(StaticVolumeError, match=expected):
        nc.plan_namespace_claims(spec, volumes, claims)


@pytest.mark.parametrize(
    "storage_class, path, message",
    [
        ({"name": "s", "backend": "efs", "parameters": {"fileSystemId": "fs-1"}}, "jupyterhub.notebook_namespaces",
         "lab: namespaces other than the share namespace 'rhods-notebooks' need static volumes"),
        ({"name": "s", "backend": "cephfs"}, "storage_class.static_volume_secret", "missing: CephFS static volumes"),
        ({"name": "s", "backend": "nfs_subdir", "static_volume_secret": SECRET}, "storage_class.static_volume_secret",
         "only CephFS static volumes need a node-stage secret"),
        ({"name": "s", "backend": "cephfs", "static_volume_secret": {"name": "x"}}, "storage_class.static_volume_secret.namespace",
         "invalid namespace None"),
    ],
)
def test_validation_refuses_storage_that_cannot_reach_other_namespaces(example_spec, storage_class, path, message):
    example_spec["jupyterhub"] = {"flavor": "odh_notebooks", "notebook_namespaces": ["rhods-notebooks", "lab"]}
    example_spec["storage_class"] = storage_class
    with pytest.raises(SpecError) as caught:
        parse_spec(example_spec)
    assert any(error.startswith(path + ": ") and message in error for error in caught.value.errors), caught.value.errors


def test_cephfs_with_its_secret_is_accepted(example_spec):
    spec = spec_with(example_spec, ["rhods-notebooks", "lab"], {"name": "s", "backend": "cephfs", "static_volume_secret": SECRET})
    assert spec.storage_class.static_volume_secret == SECRET
