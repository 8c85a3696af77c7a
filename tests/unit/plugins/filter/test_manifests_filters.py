import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.odh_rwx.shared_resources.plugins.filter import jobs, manifests

IMAGE = "registry.access.redhat.com/ubi9/ubi-minimal:9.6"
SCRIPT = "#!/bin/sh\necho prepared\n"


def jobs_only(objects):
    assert objects[0]["kind"] == "ConfigMap" and objects[0]["data"] == {"share-directories": SCRIPT}
    return objects[1:]


def test_filters_are_registered():
    assert sorted(manifests.FilterModule().filters()) == [
        "directory_jobs", "permission_limitations", "shared_volume_objects", "storage_class_objects", "storage_class_warnings"]
    assert sorted(jobs.FilterModule().filters()) == ["failed_jobs", "unfinished_jobs"]


def test_manifest_filters(example_spec):
    example_spec["storage_class"] = {"name": "shared-rwx", "backend": "nfs_subdir"}
    assert [obj["kind"] for obj in manifests.storage_class_objects(example_spec)] == ["StorageClass"]
    assert [obj["kind"] for obj in manifests.shared_volume_objects(example_spec)] == ["ServiceAccount"] + ["PersistentVolumeClaim"] * 3
    job_list = jobs_only(manifests.directory_jobs(example_spec, IMAGE, 1001, True, script=SCRIPT))
    assert [job["spec"]["template"]["spec"]["securityContext"]["fsGroup"] for job in job_list] == [40001, 40002, 40003]


@pytest.mark.parametrize("value, expected", [("100", 100), (100, 100), ("true", 40001), ("false", None), ("", None), (None, None)])
def test_directory_jobs_take_the_notebooks_group_from_extra_vars(example_spec, value, expected):
    job = jobs_only(manifests.directory_jobs(example_spec, IMAGE, 1001, value, script=SCRIPT))[0]
    assert job["spec"]["template"]["spec"]["securityContext"].get("fsGroup") == expected


@pytest.mark.parametrize("fs_group, warned", [("true", True), ("false", False), (None, False), ("100", True)])
def test_storage_class_warnings_take_the_group_from_extra_vars(example_spec, fs_group, warned):
    example_spec["storage_class"] = {"name": "shared-rwx", "backend": "nfs_csi", "parameters": {"server": "nfs", "share": "/exports"}}
    driver = {"apiVersion": "storage.k8s.io/v1", "kind": "CSIDriver", "metadata": {"name": "nfs.csi.k8s.io"}, "spec": {"fsGroupPolicy": "None"}}
    warnings = manifests.storage_class_warnings(example_spec, "nfs.csi.k8s.io", driver, fs_group)
    assert [("fsGroupPolicy 'None'" in warning) for warning in warnings] == ([True] if warned else [])


def test_storage_class_warnings_without_a_storage_class(example_spec):
    example_spec.pop("storage_class", None)
    assert manifests.storage_class_warnings(example_spec, "nfs.csi.k8s.io", None) == []


def test_storage_class_warnings_refuse_a_bad_spec(example_spec):
    example_spec["storage_class"] = {"name": "shared-rwx", "backend": "nfs"}
    with pytest.raises(AnsibleFilterError, match=r"storage_class_warnings: invalid shared_resources spec:\s+- storage_class.backend: invalid value 'nfs'"):
        manifests.storage_class_warnings(example_spec, "nfs.csi.k8s.io", None)


@pytest.mark.parametrize("bad", [0, -5, "root", 1.5])
def test_directory_jobs_refuse_a_bad_group(example_spec, bad):
    with pytest.raises(AnsibleFilterError, match="directory_jobs: fs_group must be the gid notebook pods run with"):
        manifests.directory_jobs(example_spec, IMAGE, 1001, bad, script=SCRIPT)


def test_directory_jobs_need_the_script(example_spec):
    with pytest.raises(AnsibleFilterError, match="directory_jobs: script must be the text of share-directories"):
        manifests.directory_jobs(example_spec, IMAGE)


def test_permission_limitations(example_spec):
    example_spec["storage_class"] = {"name": "shared-rwx", "backend": "nfs_subdir"}
    [message] = manifests.permission_limitations(example_spec)
    assert message.startswith("restricted share hr-records: pods that mount it can enter it without its tier gid (the NFS subdir")
    example_spec["storage_class"] = {"name": "shared-rwx", "backend": "existing"}
    assert manifests.permission_limitations(example_spec) == []


@pytest.mark.parametrize("name", ["storage_class_objects", "shared_volume_objects"])
def test_manifest_filters_name_the_bad_field(example_spec, name):
    example_spec["shares"][1]["size"] = "10GB"
    with pytest.raises(AnsibleFilterError, match=r"%s: invalid shared_resources spec:\n  - shares\[1\] \(projects\)\.size: invalid size '10GB'" % name):
        getattr(manifests, name)(example_spec)


def test_directory_jobs_needs_an_image(example_spec):
    with pytest.raises(AnsibleFilterError, match="image must be a container image reference"):
        manifests.directory_jobs(example_spec, "", script=SCRIPT)


def job(name, *conditions):
    return {"metadata": {"name": name}, "status": {"conditions": [{"type": kind, "status": status} for kind, status in conditions]}}


def test_job_state_filters():
    live = [job("done", ("Complete", "True")), job("broken", ("Failed", "True")), job("running"), job("other", ("Failed", "False"))]
    names = ["done", "broken", "running", "other", "missing"]
    assert jobs.unfinished_jobs(live, names) == ["running", "other", "missing"]
    assert jobs.failed_jobs(live, names) == ["broken"]
    assert jobs.unfinished_jobs(None, ["x"]) == ["x"]
    assert jobs.failed_jobs([], []) == []


def test_directory_jobs_take_the_uid_from_extra_vars_and_refuse_root(example_spec):
    job_list = jobs_only(manifests.directory_jobs(example_spec, IMAGE, "1001", script=SCRIPT))
    assert job_list[0]["spec"]["template"]["spec"]["securityContext"]["runAsUser"] == 1001
    for bad in ("0", 0, "root", True):
        with pytest.raises(AnsibleFilterError, match="directory_jobs: run_as_user must be a non-root uid"):
            manifests.directory_jobs(example_spec, IMAGE, bad, script=SCRIPT)
