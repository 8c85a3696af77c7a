import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.odh_rwx.shared_resources.plugins.filter import jobs, manifests

IMAGE = "registry.access.redhat.com/ubi9/ubi-minimal:9.6"


def test_filters_are_registered():
    assert sorted(manifests.FilterModule().filters()) == ["directory_jobs", "shared_volume_objects", "storage_class_objects"]
    assert sorted(jobs.FilterModule().filters()) == ["failed_jobs", "unfinished_jobs"]


def test_manifest_filters(example_spec):
    example_spec["storage_class"] = {"name": "shared-rwx", "backend": "nfs_subdir"}
    assert [obj["kind"] for obj in manifests.storage_class_objects(example_spec)] == ["StorageClass"]
    assert [obj["kind"] for obj in manifests.shared_volume_objects(example_spec)] == ["ServiceAccount"] + ["PersistentVolumeClaim"] * 3
    job_list = manifests.directory_jobs(example_spec, IMAGE, 1001, True)
    assert [job["spec"]["template"]["spec"]["securityContext"]["fsGroup"] for job in job_list] == [40001, 40002, 40003]


@pytest.mark.parametrize("name", ["storage_class_objects", "shared_volume_objects"])
def test_manifest_filters_name_the_bad_field(example_spec, name):
    example_spec["shares"][1]["size"] = "10GB"
    with pytest.raises(AnsibleFilterError, match=r"%s: invalid shared_resources spec:\n  - shares\[1\]\.size: invalid size '10GB'" % name):
        getattr(manifests, name)(example_spec)


def test_directory_jobs_needs_an_image(example_spec):
    with pytest.raises(AnsibleFilterError, match="image must be a container image reference"):
        manifests.directory_jobs(example_spec, "")


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
    job_list = manifests.directory_jobs(example_spec, IMAGE, "1001")
    assert job_list[0]["spec"]["template"]["spec"]["securityContext"]["runAsUser"] == 1001
    for bad in ("0", 0, "root", True):
        with pytest.raises(AnsibleFilterError, match="directory_jobs: run_as_user must be a non-root uid"):
            manifests.directory_jobs(example_spec, IMAGE, bad)
