"""z2jh against the real KubeSpawner 7.1.0: the values file's volumes plus the modify_pod_hook."""

import copy

from tests.jupyterhub.helpers import (
    assert_exact_shares,
    assert_structurally_sound,
    example_spec,
    modes,
    requires_library_venv,
    run_driver,
    specs,
)
from hypothesis import HealthCheck, given, settings

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import access, jupyterhub
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import parse_spec
from tests.support.schema import schema_errors

pytestmark = requires_library_venv

Z2JH = {"flavor": "z2jh", "values_path": "/srv/helm/shared-resources.yaml"}
STRANGERS = [("newcomer", []), ("outsider", ["unknown-group"]), ("Zed@example.com", ["visitors"])]

# An operator's own hook, loaded before ours (hub.extraConfig runs in key order): it mounts a
# restricted share for everyone and hands out its gid. Ours must take both away from non-members.
EVIL_HOOK = '''
def _evil(spawner, pod):
    pod.spec.volumes.append({"name": "hr", "persistentVolumeClaim": {"claimName": "hr-records"}})
    pod.spec.containers[0].volume_mounts.append({"name": "hr", "mountPath": "/hr"})
    pod.spec.security_context["supplementalGroups"] = [40013, 5000]
    pod.metadata.labels["evil"] = "was-here"
    return pod
c.KubeSpawner.modify_pod_hook = _evil
'''


def build_pods(values, cases):
    return run_driver("kubespawner_pods.py", {"values": values, "cases": cases})["results"]


def check_pod(spec, result, extra_gids=()):
    assert result["error"] is None, result["error"]
    pod = result["pod"]
    assert_structurally_sound(pod)
    accesses = access.access_for_groups(spec, result["groups"])
    assert_exact_shares(spec, pod, modes(accesses), mount_read_only=True)
    gids = sorted(set(item.share.gid for item in accesses) | set(extra_gids))
    assert (pod["spec"].get("securityContext") or {}).get("supplementalGroups", []) == gids
    errors = schema_errors(pod)
    assert errors == "", errors
    return pod


def example_cases(spec):
    return [{"user": user, "groups": list(groups)} for user, groups in sorted(spec.users.items())] + [
        {"user": user, "groups": groups} for user, groups in STRANGERS
    ]


def test_every_example_user_and_strangers_get_exactly_their_shares():
    spec = example_spec(Z2JH)
    values = jupyterhub.z2jh_values(spec)
    results = build_pods(values, example_cases(spec))
    assert len(results) == len(spec.users) + len(STRANGERS)
    for result in results:
        pod = check_pod(spec, result)
        env = dict((item["name"], item.get("value")) for item in pod["spec"]["containers"][0]["env"])
        assert env["MODULEPATH"] == "/opt/apps/current/modules/all"
        assert pod["spec"]["securityContext"]["fsGroup"] == 100  # the chart's own settings survive


def test_values_given_as_lists_give_the_same_pods():
    spec = example_spec(Z2JH)
    values = jupyterhub.z2jh_values(spec)
    as_lists = copy.deepcopy(values)
    storage = as_lists["singleuser"]["storage"]
    storage["extraVolumes"] = [storage["extraVolumes"][key] for key in sorted(storage["extraVolumes"])]
    storage["extraVolumeMounts"] = [storage["extraVolumeMounts"][key] for key in sorted(storage["extraVolumeMounts"])]
    cases = [{"user": "alice", "groups": ["team-a", "analysts"]}, {"user": "priya", "groups": ["cleared", "hr"]}]
    assert [r["pod"] for r in build_pods(as_lists, cases)] == [r["pod"] for r in build_pods(values, cases)]


def test_an_earlier_hook_cannot_leak_a_restricted_share():
    spec = example_spec(Z2JH)
    values = jupyterhub.z2jh_values(spec)
    values["hub"]["extraConfig"]["aaa-operator"] = EVIL_HOOK
    cases = [{"user": "erin", "groups": ["analysts"]}, {"user": "heidi", "groups": ["hr"]}, {"user": "newcomer", "groups": []}]
    for result in build_pods(values, cases):
        pod = check_pod(spec, result, extra_gids=[5000])
        assert pod["metadata"]["labels"]["evil"] == "was-here"  # the earlier hook did run
        assert "hr" not in [volume["name"] for volume in pod["spec"]["volumes"]]


def test_profile_overrides_are_applied_before_the_hook():
    spec = example_spec(Z2JH)
    values = jupyterhub.z2jh_values(spec)
    values["singleuser"]["profileList"] = [
        {"display_name": "Default", "slug": "default", "default": True},
        {
            "display_name": "Big",
            "slug": "big",
            "kubespawner_override": {
                "volumes": {"scratch": {"name": "scratch", "emptyDir": {}}},
                "volume_mounts": {"scratch": {"name": "scratch", "mountPath": "/scratch"}},
                "pod_security_context": {"supplementalGroups": [100]},
            },
        },
    ]
    result = build_pods(values, [{"user": "grace", "groups": ["cleared", "team-a"], "profile": "big"}])[0]
    pod = check_pod(spec, result, extra_gids=[100])
    assert "scratch" in [volume["name"] for volume in pod["spec"]["volumes"]]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs())
def test_generated_specs_through_the_real_spawner(data):
    data = dict(data, jupyterhub=Z2JH)
    spec = parse_spec(data)
    cases = [{"user": user, "groups": list(groups)} for user, groups in sorted(spec.users.items())]
    cases.append({"user": "stranger", "groups": []})
    for result in build_pods(jupyterhub.z2jh_values(spec), cases):
        check_pod(spec, result)
