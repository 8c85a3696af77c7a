"""odh_jsp against the real jupyterhub-singleuser-profiles 0.7.0: profile loading, merge and apply_pod_profile."""

import json

import pytest
from tests.jupyterhub.helpers import (
    HUB_NAMESPACE,
    assert_exact_shares,
    assert_structurally_sound,
    example_spec,
    modes,
    notebook_container,
    odh_base_config_map,
    requires_library_venv,
    run_driver,
    specs,
)
from hypothesis import HealthCheck, given, settings

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import access, jupyterhub
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import parse_spec
from tests.support.pod_security import restricted_violations
from tests.support.schema import schema_errors

pytestmark = requires_library_venv

IMAGE = "s2i-minimal-notebook:v0.0.4"
SPARK_IMAGE = "s2i-spark-minimal-notebook:3.6"
STRANGERS = ["newcomer", "Zed.Unlisted@example.com", "admin"]

# Someone else's profiles ConfigMap in the hub namespace: JSP merges it too, the role never touches it.
FOREIGN = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "gpu-profiles", "labels": {"jupyterhub": "singleuser-profiles"}},
    "data": {
        "jupyterhub-singleuser-profiles.yaml": "profiles:\n- name: gpu users\n  users: [carol]\n  env:\n  - name: GPU_HINT\n    value: 'yes'\n"
    },
}


def jsp_spec(**settings_):
    return example_spec(dict({"flavor": "odh_jsp", "namespace": HUB_NAMESPACE}, **settings_))


def build_pods(config_maps, cases):
    request = {"namespace": HUB_NAMESPACE, "config_maps": config_maps, "cases": cases}
    return run_driver("jsp_pods.py", request)["results"]


def expected_modes(spec, user):
    """Listed users: their tiers. Anyone else: the shares every user gets in one mode."""
    by_user = access.access_by_user(spec)
    if user in by_user:
        return modes(by_user[user])
    return modes(jupyterhub.common_accesses(spec, by_user))


def check_pod(spec, result):
    assert result["error"] is None, result["error"]
    pod = result["pod"]
    user = result["user"]
    assert_structurally_sound(pod)
    expected = expected_modes(spec, user)
    assert_exact_shares(spec, pod, expected, mount_read_only=False)
    groups = set(spec.users.get(user, ()))
    for share in spec.shares:
        if share.restricted and share.name in expected:
            assert groups & (set(share.readers) | set(share.writers)), "%s got restricted %s" % (user, share.name)
    # JSP 0.7.0 has no way to set supplemental groups: the pod keeps the spawner's security context.
    assert "supplementalGroups" not in (pod["spec"].get("securityContext") or {})
    errors = schema_errors(pod)
    assert errors == "", errors
    assert restricted_violations(pod["spec"]) == []
    return pod


def test_every_example_user_and_strangers_get_exactly_their_shares():
    spec = jsp_spec()
    config_maps = [odh_base_config_map(), FOREIGN] + jupyterhub.jsp_profile_configmaps(spec)
    users = sorted(spec.users) + STRANGERS
    results = build_pods(config_maps, [{"user": user, "image": image} for user in users for image in (IMAGE, SPARK_IMAGE)])
    assert len(results) == 2 * len(users)
    baseline = modes(access.access_for_groups(spec, ()))
    for result in results:
        pod = check_pod(spec, result)
        env = dict((item["name"], item.get("value")) for item in notebook_container(pod)["env"])
        mounted = expected_modes(spec, result["user"])
        # LMod: environment wherever its tree (the share 'software') is mounted, never without it.
        assert ("MODULEPATH" in env) is ("software" in mounted)
        if "software" in mounted:
            assert env["MODULEPATH"] == "/opt/apps/current/modules/all"
            assert env["BASH_ENV"] == "/usr/share/lmod/lmod/init/bash"
        # ODH's globals profile still applies: resources and its env survive the merge.
        assert notebook_container(pod)["resources"]["limits"]["memory"] == "2Gi"
        assert env["S3_ENDPOINT_URL"] == "$(s3_endpoint_url)"
        assert ("PYSPARK_SUBMIT_ARGS" in env) is (result["image"] == SPARK_IMAGE)
        assert ("GPU_HINT" in env) is (result["user"] == "carol")
        if result["user"] not in spec.users:
            assert set(mounted.items()) <= set(baseline.items())


def test_example_strangers_get_no_share_that_some_users_may_write():
    """The consequence of the rule, on the example: every `*` share there has writers."""
    spec = jsp_spec()
    assert modes(jupyterhub.common_accesses(spec, access.access_by_user(spec))) == {}


def test_a_user_listed_with_no_group_gets_every_share_of_everyone():
    spec = jsp_spec()
    result = build_pods(
        [odh_base_config_map()] + jupyterhub.jsp_profile_configmaps(spec), [{"user": "mallory", "image": IMAGE}]
    )[0]
    check_pod(spec, result)
    assert expected_modes(spec, "mallory") == {"census": "ro", "reference-models": "ro", "software": "ro"}


def test_common_shares_reach_strangers_through_the_everyone_profile():
    spec_data = {
        "namespace": "rhods-notebooks",
        "tiers": {"open": {"readers": ["*"], "writers": [], "gid": 41000}, "team": {"readers": ["a"], "writers": ["b"], "gid": 41001}},
        "shares": [
            {"name": "docs", "tier": "open", "size": "1Gi"},
            {"name": "wiki", "tier": "open", "size": "1Gi", "writers": ["*"]},
            {"name": "work", "tier": "team", "size": "1Gi"},
        ],
        "users": {"ann": ["a"], "ben": ["b"]},
        "jupyterhub": {"flavor": "odh_jsp", "namespace": HUB_NAMESPACE},
    }
    spec = parse_spec(spec_data)
    config_maps = [odh_base_config_map()] + jupyterhub.jsp_profile_configmaps(spec)
    assert [cm["metadata"]["name"] for cm in config_maps][1] == "odh-rwx-profiles-everyone"
    results = build_pods(config_maps, [{"user": user, "image": IMAGE} for user in ("ann", "ben", "stranger")])
    for result in results:
        check_pod(spec, result)
    assert expected_modes(spec, "stranger") == {"docs": "ro", "wiki": "rw"}


def test_images_restrict_every_profile():
    spec = jsp_spec(images=[IMAGE])
    config_maps = [odh_base_config_map()] + jupyterhub.jsp_profile_configmaps(spec)
    results = build_pods(config_maps, [{"user": "alice", "image": IMAGE}, {"user": "alice", "image": "other-notebook:1"}])
    check_pod(spec, results[0])
    other = results[1]["pod"]
    assert_structurally_sound(other)
    assert [volume["name"] for volume in other["spec"]["volumes"]] == ["jupyterhub-nb-alice-pvc"]


def test_without_odh_base_profile_the_library_merge_breaks():
    """JSP 0.7.0: merge_profiles turns resources {} into None; the next merge does {**None}."""
    spec = jsp_spec()
    results = build_pods(jupyterhub.jsp_profile_configmaps(spec), [{"user": "alice", "image": IMAGE}])
    assert results[0]["error"] is not None and results[0]["error"].startswith("TypeError")


def test_the_harness_catches_the_naive_everyone_profile():
    """A share in an everyone-profile and in a signature profile: two volumes of one name."""
    naive = {"name": "census ro", "users": ["*"], "volumes": [
        {"name": "shared-census", "persistentVolumeClaim": {"claimName": "census", "readOnly": True}, "mountPath": "/data/census"}]}
    stewards = {"name": "census rw", "users": ["frank"], "volumes": [
        {"name": "shared-census", "persistentVolumeClaim": {"claimName": "census", "readOnly": False}, "mountPath": "/data/census"}]}
    config_maps = [odh_base_config_map()] + [
        {"metadata": {"name": "naive-%d" % index, "labels": {"jupyterhub": "singleuser-profiles"}},
         "data": {"jupyterhub-singleuser-profiles.yaml": json.dumps({"profiles": [profile]})}}
        for index, profile in enumerate((naive, stewards))
    ]
    pod = build_pods(config_maps, [{"user": "frank", "image": IMAGE}])[0]["pod"]
    with pytest.raises(AssertionError, match="duplicate volume names"):
        assert_structurally_sound(pod)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs())
def test_generated_specs_through_the_real_library(data):
    spec = parse_spec(data)
    config_maps = [odh_base_config_map()] + jupyterhub.jsp_profile_configmaps(spec)
    users = sorted(spec.users) + ["stranger"]
    for result in build_pods(config_maps, [{"user": user, "image": IMAGE} for user in users]):
        check_pod(spec, result)
