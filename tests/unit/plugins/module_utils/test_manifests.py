import copy
import json

import pytest
import yaml

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import manifests
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.access import directory_mode
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import SpecError, parse_spec
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.validation import is_dns1123_label
from tests.support.pod_security import pod_spec_of, restricted_violations
from tests.support.schema import schema_errors

IMAGE = "registry.access.redhat.com/ubi9/ubi-minimal:9.6"
EXAMPLE_INVENTORY = "examples/inventory/group_vars/all/shared_resources.yml"
with open("roles/shared_pvcs/files/share-directories") as _script:
    SCRIPT = _script.read()


@pytest.fixture
def full_spec(example_spec):
    example_spec.update(
        create_namespace=True,
        storage_class={"name": "shared-rwx", "backend": "nfs_csi", "parameters": {"server": "nfs", "share": "/exports"}},
        quota={"storage": "2Ti", "claims": 20},
    )
    example_spec["shares"][0].update(display_name="Census extracts", directories=["raw", "curated/2026"])
    return example_spec


def all_objects(data, **job_options):
    spec = parse_spec(data)
    return (
        manifests.storage_class_objects(spec)
        + manifests.shared_volume_objects(spec)
        + manifests.directory_jobs(spec, IMAGE, SCRIPT, **job_options)
    )


def test_objects_in_apply_order(full_spec):
    spec = parse_spec(full_spec)
    kinds = [obj["kind"] for obj in manifests.shared_volume_objects(spec)]
    assert kinds == ["Namespace", "ServiceAccount", "ResourceQuota"] + ["PersistentVolumeClaim"] * 3


def test_claims(full_spec):
    spec = parse_spec(full_spec)
    claims = [obj for obj in manifests.shared_volume_objects(spec) if obj["kind"] == "PersistentVolumeClaim"]
    census = claims[0]
    assert census["metadata"]["namespace"] == "rhods-notebooks"
    assert census["spec"] == {"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": "50Gi"}}, "storageClassName": "shared-rwx"}
    assert census["metadata"]["labels"] == {
        "app.kubernetes.io/managed-by": "odh_rwx.shared_resources",
        "app.kubernetes.io/part-of": "shared-resources",
        "app.kubernetes.io/component": "shared-volume",
        "shared-resources.odh-rwx.io/tier": "public",
        "shared-resources.odh-rwx.io/share": "census",
        "shared-resources.odh-rwx.io/restricted": "false",
    }
    assert census["metadata"]["annotations"] == {
        "openshift.io/display-name": "Census extracts",
        "shared-resources.odh-rwx.io/created-as": "rhods-notebooks/census",
    }
    assert claims[2]["metadata"]["labels"]["shared-resources.odh-rwx.io/restricted"] == "true"


def test_an_adopted_claim_is_only_what_the_collection_adds(example_spec):
    example_spec["shares"][0].update(adopt=True, claim_name="radiology-data", display_name="Radiology")
    spec = parse_spec(example_spec)
    claim = manifests.claim_manifest(spec, spec.shares[0])
    assert sorted(claim) == ["apiVersion", "kind", "metadata"]
    assert claim["metadata"]["annotations"] == {"shared-resources.odh-rwx.io/adopted": "true", "openshift.io/display-name": "Radiology"}
    assert claim["metadata"]["labels"]["shared-resources.odh-rwx.io/share"] == example_spec["shares"][0]["name"]
    assert manifests.is_adoption(claim)


def test_adopted_shares_get_a_directory_job_only_when_they_list_directories(full_spec):
    full_spec["shares"][0].update(adopt=True, directories=[])
    full_spec["shares"][1].update(adopt=True, directories=["raw"])
    spec = parse_spec(full_spec)
    jobs = [job for job in manifests.directory_jobs(spec, "ubi9", "#!/bin/sh\n") if job["kind"] == "Job"]
    shares = [job["metadata"]["labels"]["shared-resources.odh-rwx.io/share"] for job in jobs]
    assert spec.shares[0].name not in shares and spec.shares[1].name in shares
    env = dict((item["name"], item["value"]) for item in jobs[0]["spec"]["template"]["spec"]["containers"][0]["env"])
    assert env["SHARE_ADOPTED"] == "true" and env["SHARE_DIRECTORIES"] == "raw"


def live_claim(name="census", namespace="rhods-notebooks", annotations=None, labels=None, modes=("ReadWriteMany",)):
    metadata = {"name": name, "namespace": namespace, "labels": labels or {"owner": "radiology"}}
    if annotations is not None:
        metadata["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": metadata, "spec": {"accessModes": list(modes)}}


def test_the_ownership_record_must_name_the_claim_it_is_on(example_spec):
    spec = parse_spec(example_spec)
    desired = manifests.claim_manifest(spec, spec.shares[0])
    ours = live_claim(annotations={"shared-resources.odh-rwx.io/created-as": "rhods-notebooks/census"})
    copied = live_claim(annotations={"shared-resources.odh-rwx.io/created-as": "rhods-notebooks/projects"})
    assert manifests.created_by_collection(ours) and not manifests.created_by_collection(copied)
    assert manifests.claim_ownership_problems(desired, ours) == []
    assert manifests.claim_ownership_problems(desired, None) == []
    (problem,) = manifests.claim_ownership_problems(desired, copied)
    assert "the collection did not create it" in problem and "Set adopt: true on share 'census'" in problem
    assert manifests.deletion_refusal(dict(copied, metadata=dict(copied["metadata"], labels=desired["metadata"]["labels"]))).startswith(
        "the collection did not create it")


def test_claims_applied_by_an_earlier_version_are_the_collections(example_spec):
    """1.2.0 wrote no ownership record; its kubernetes.core apply recorded the claim with the collection's labels."""
    spec = parse_spec(example_spec)
    earlier = manifests.claim_manifest(spec, spec.shares[0])
    del earlier["metadata"]["annotations"]
    applied = {"kubectl.kubernetes.io/last-applied-configuration": json.dumps(earlier)}
    assert manifests.created_by_collection(live_claim(annotations=applied))
    renamed = dict(earlier, metadata=dict(earlier["metadata"], name="copy"))
    assert not manifests.created_by_collection(live_claim(name="copy", annotations={
        "kubectl.kubernetes.io/last-applied-configuration": json.dumps(dict(renamed, metadata=dict(earlier["metadata"])))}))
    assert not manifests.created_by_collection(live_claim(annotations={"kubectl.kubernetes.io/last-applied-configuration": "{}"}))


def test_an_adopted_claim_must_exist_and_be_read_write_many(example_spec):
    example_spec["shares"][0]["adopt"] = True
    spec = parse_spec(example_spec)
    desired = manifests.claim_manifest(spec, spec.shares[0])
    assert manifests.claim_ownership_problems(desired, live_claim()) == []
    assert "has adopt: true, but the claim does not exist" in manifests.claim_ownership_problems(desired, None)[0]
    assert "which needs ReadWriteMany" in manifests.claim_ownership_problems(desired, live_claim(modes=["ReadWriteOnce"]))[0]
    adopted = live_claim(annotations={"shared-resources.odh-rwx.io/adopted": "true"}, labels=desired["metadata"]["labels"])
    assert manifests.deletion_refusal(adopted).startswith("adopted")
    assert not manifests.created_by_collection(adopted)


def test_only_the_collections_share_claims_need_an_ownership_record_to_be_deleted():
    assert manifests.deletion_refusal(live_claim(labels={"app": "mine"})) is None
    assert manifests.deletion_refusal({"kind": "ConfigMap", "metadata": {"name": "x"}}) is None


def test_claim_without_storage_class_uses_the_cluster_default(example_spec):
    claim = manifests.claim_manifest(parse_spec(example_spec), parse_spec(example_spec).shares[0])
    assert "storageClassName" not in claim["spec"]


def test_quota_caps_the_storage_class(full_spec):
    quota = manifests.quota_manifest(parse_spec(full_spec))
    assert quota["spec"]["hard"] == {
        "shared-rwx.storageclass.storage.k8s.io/requests.storage": "2Ti",
        "shared-rwx.storageclass.storage.k8s.io/persistentvolumeclaims": "20",
    }


def test_quota_needs_a_storage_class(example_spec):
    example_spec["quota"] = {"storage": "1Ti"}
    with pytest.raises(SpecError, match="quota: caps the storage class per namespace"):
        parse_spec(example_spec)


@pytest.mark.parametrize(
    "quota, expected",
    [({"storage": "1TB"}, "quota.storage: invalid quota '1TB'"), ({"claims": -1}, "quota.claims: invalid claims -1"), ({}, "quota: set storage")],
)
def test_bad_quota(full_spec, quota, expected):
    full_spec["quota"] = quota
    with pytest.raises(SpecError, match=expected.replace("(", r"\(")):
        parse_spec(full_spec)


def test_dashboard_label_only_for_shares_everybody_writes(example_spec):
    example_spec["shares"][0].update(dashboard=True)
    with pytest.raises(SpecError, match=r"shares\[0\] \(census\)\.dashboard: the ODH dashboard lets every project member"):
        parse_spec(example_spec)
    example_spec["shares"][0].update(writers=["*"])
    spec = parse_spec(example_spec)
    assert manifests.claim_manifest(spec, spec.shares[0])["metadata"]["labels"]["opendatahub.io/dashboard"] == "true"


@pytest.mark.parametrize("directory", ["/abs", "../up", "a/../b", "with space", "", "a//b"])
def test_bad_directories(example_spec, directory):
    example_spec["shares"][0]["directories"] = [directory]
    with pytest.raises(SpecError, match=r"shares\[0\] \(census\)\.directories\[0\]: invalid directory"):
        parse_spec(example_spec)


def test_directory_modes(example_spec):
    spec = parse_spec(example_spec)
    assert [directory_mode(share) for share in spec.shares] == ["2775", "2770", "2770"]


def test_directory_job(full_spec):
    spec = parse_spec(full_spec)
    job = manifests.directory_job(spec, spec.shares[0], IMAGE, SCRIPT)
    pod = job["spec"]["template"]["spec"]
    env = dict((item["name"], item["value"]) for item in pod["containers"][0]["env"])
    assert env == {
        "SHARE_ROOT": "/mnt/share",
        "SHARE_GID": "40001",
        "SHARE_MODE": "2775",
        "SHARE_DIRECTORIES": "raw curated/2026",
        "SHARE_RESTRICTED": "false",
        "SHARE_STRICT": "false",
        "SHARE_WRITABLE": "true",
    }
    assert pod["containers"][0]["command"] == ["/bin/sh", "/etc/share-directories/share-directories"]
    # The platform decides uid and fsGroup (OpenShift's SCC injects them); the kubelet walks the share at most once.
    assert pod["securityContext"] == {
        "runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}, "supplementalGroups": [40001],
        "fsGroupChangePolicy": "OnRootMismatch",
    }
    assert pod["volumes"] == [
        {"name": "script", "configMap": {"name": "share-directories", "defaultMode": 0o444}},
        {"name": "share", "persistentVolumeClaim": {"claimName": "census"}},
    ]
    assert pod["automountServiceAccountToken"] is False
    digest = job["metadata"]["labels"]["shared-resources.odh-rwx.io/permissions-hash"]
    assert job["metadata"]["name"] == "dirs-census-" + digest[:8]
    assert job["spec"]["template"]["metadata"]["labels"] == job["metadata"]["labels"]


def test_directory_jobs_come_after_their_script(full_spec):
    spec = parse_spec(full_spec)
    objects = manifests.directory_jobs(spec, IMAGE, SCRIPT)
    assert [obj["kind"] for obj in objects] == ["ConfigMap"] + ["Job"] * 3
    assert objects[0]["metadata"]["name"] == "share-directories"
    assert objects[0]["data"] == {"share-directories": SCRIPT}


def test_directory_job_name_follows_what_the_job_does(full_spec):
    spec = parse_spec(full_spec)
    name = manifests.directory_job(spec, spec.shares[0], IMAGE, SCRIPT)["metadata"]["name"]
    resized = copy.deepcopy(full_spec)
    resized["shares"][0]["size"] = "500Gi"
    resized_spec = parse_spec(resized)
    assert manifests.directory_job(resized_spec, resized_spec.shares[0], IMAGE, SCRIPT)["metadata"]["name"] == name
    regrouped = copy.deepcopy(full_spec)
    regrouped["shares"][0]["gid"] = 40100
    regrouped_spec = parse_spec(regrouped)
    # A Job's pod template is immutable: a new gid, image, identity or script is a new Job.
    assert manifests.directory_job(regrouped_spec, regrouped_spec.shares[0], IMAGE, SCRIPT)["metadata"]["name"] != name
    assert manifests.directory_job(spec, spec.shares[0], "other:image", SCRIPT)["metadata"]["name"] != name
    assert manifests.directory_job(spec, spec.shares[0], IMAGE, SCRIPT, run_as_user=1001)["metadata"]["name"] != name
    assert manifests.directory_job(spec, spec.shares[0], IMAGE, SCRIPT + "\n")["metadata"]["name"] != name


def test_job_options(full_spec):
    spec = parse_spec(full_spec)
    context = manifests.directory_job(spec, spec.shares[2], IMAGE, SCRIPT, run_as_user=1001, fs_group=True)["spec"]["template"]["spec"]["securityContext"]
    assert (context["runAsUser"], context["fsGroup"], context["fsGroupChangePolicy"]) == (1001, 40003, "OnRootMismatch")
    assert "runAsGroup" not in context
    # The notebooks' group on Kubernetes: the Job meets the share as notebook pods do.
    context = manifests.directory_job(spec, spec.shares[2], IMAGE, SCRIPT, run_as_user=1001, fs_group=100)["spec"]["template"]["spec"]["securityContext"]
    assert (context["runAsGroup"], context["fsGroup"], context["supplementalGroups"]) == (100, 100, [40003])


def test_zero_to_jupyterhub_jobs_get_the_chart_fs_gid(full_spec):
    full_spec["jupyterhub"] = {"flavor": "z2jh", "values_path": "/tmp/values.yaml"}
    spec = parse_spec(full_spec)
    for job in manifests.directory_jobs(spec, IMAGE, SCRIPT, run_as_user=1001)[1:]:
        context = job["spec"]["template"]["spec"]["securityContext"]
        assert (context["runAsGroup"], context["fsGroup"]) == (100, 100)
    job = manifests.directory_jobs(spec, IMAGE, SCRIPT, run_as_user=1001, fs_group=False)[1]
    assert "fsGroup" not in job["spec"]["template"]["spec"]["securityContext"]


def test_strict_mode_and_readers_only_shares_reach_the_script(full_spec):
    full_spec["storage_class"]["parameters"]["mountPermissions"] = "0770"
    full_spec["permissions"] = {"strict": True}
    full_spec["shares"][1]["writers"] = []
    spec = parse_spec(full_spec)
    envs = [dict((item["name"], item["value"]) for item in job["spec"]["template"]["spec"]["containers"][0]["env"])
            for job in manifests.directory_jobs(spec, IMAGE, SCRIPT)[1:]]
    assert [env["SHARE_STRICT"] for env in envs] == ["true"] * 3
    assert [env["SHARE_WRITABLE"] for env in envs] == ["true", "false", "true"]


def test_long_share_names_give_valid_job_names(example_spec):
    example_spec["shares"][0]["name"] = "a" * 63
    spec = parse_spec(example_spec)
    name = manifests.directory_job(spec, spec.shares[0], IMAGE, SCRIPT)["metadata"]["name"]
    assert is_dns1123_label(name)


def test_example_inventory_objects_validate_strictly_and_pods_are_restricted():
    with open(EXAMPLE_INVENTORY) as handle:
        data = yaml.safe_load(handle)["shared_resources"]
    data.setdefault("storage_class", {"name": "shared-rwx", "backend": "nfs_subdir"})
    objects = all_objects(data) + all_objects(data, run_as_user=1001, fs_group=True)
    assert objects
    for obj in objects:
        assert schema_errors(obj) == "", obj["metadata"]["name"]
        if obj["kind"] == "Job":
            assert restricted_violations(pod_spec_of(obj)) == [], obj["metadata"]["name"]


def test_every_variant_validates(full_spec):
    for obj in all_objects(full_spec, run_as_user=1001, fs_group=True):
        assert schema_errors(obj) == "", obj


def test_pod_security_checker_catches_violations():
    pod = {"containers": [{"name": "c", "securityContext": {"privileged": True, "capabilities": {"add": ["SYS_ADMIN"]}}}],
           "volumes": [{"name": "h", "hostPath": {"path": "/"}}], "hostNetwork": True}
    violations = restricted_violations(pod)
    assert "hostNetwork must not be true" in violations
    assert "volume h uses hostPath" in violations
    assert "containers c: privileged" in violations
    assert "containers c: adds capabilities SYS_ADMIN" in violations
    assert "containers c: runAsNonRoot must be true" in violations
    assert "containers c: seccompProfile must be RuntimeDefault or Localhost" in violations


def test_schema_check_catches_unknown_fields():
    assert "readonly" in schema_errors({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "x"}, "spec": {"readonly": True}})


def test_odh_1_directories_belong_to_the_group_of_every_openshift_pod(full_spec):
    # jupyterhub-singleuser-profiles cannot give notebook pods the tier gids.
    full_spec["jupyterhub"] = {"flavor": "odh_jsp"}
    spec = parse_spec(full_spec)
    job = manifests.directory_job(spec, spec.shares[2], IMAGE, SCRIPT, fs_group=True)
    pod = job["spec"]["template"]["spec"]
    env = dict((item["name"], item["value"]) for item in pod["containers"][0]["env"])
    assert (env["SHARE_GID"], env["SHARE_MODE"], env["SHARE_RESTRICTED"]) == ("0", "2770", "true")
    assert "supplementalGroups" not in pod["securityContext"] and "fsGroup" not in pod["securityContext"]
    assert restricted_violations(pod) == []
    full_spec["jupyterhub"] = {"flavor": "odh_notebooks"}
    other = parse_spec(full_spec)
    assert manifests.directory_job(other, other.shares[2], IMAGE, SCRIPT)["metadata"]["name"] != job["metadata"]["name"]
