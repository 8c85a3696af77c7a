"""Zero to JupyterHub: the values file under the chart's real hub, next to an operator's own values.

For each chart version of the range: the chart's defaults, an operator's values file and the
collection's (written by the jupyterhub role through ansible-playbook from the example inventory)
merged as ``helm upgrade -f operator.yaml -f ours.yaml`` merges them, validated against the chart's
values.schema.yaml, then run by the chart's hub configuration with JupyterHub 5.5.0 and KubeSpawner
7.0.0 (drivers/z2jh_hub.py): real ORM users and groups, get_pod_manifest(), the modify_pod_hook.
"""

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import access, jupyterhub
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import parse_spec
from tests.jupyterhub.chart import CHART_VERSIONS, helm_values, schema_errors
from tests.jupyterhub.helpers import (
    REPO_ROOT,
    Z2JH_PYTHON,
    assert_exact_shares,
    assert_structurally_sound,
    example_data,
    example_spec,
    modes,
    notebook_container,
    requires_z2jh_venv,
    run_driver,
    specs,
)
from tests.support.playbooks import run_playbook
from tests.support.schema import schema_errors as pod_schema_errors

pytestmark = requires_z2jh_venv

Z2JH = {"flavor": "z2jh", "values_path": "/srv/helm/shared-resources.yaml"}
HOOK_KEY = "zz-odh-rwx-shared-resources"
# hub.config of the chart's values.yaml: DummyAuthenticator, which returns no groups at login; the hub
# applies the groups a case gives as it applies an authenticator's (drivers/z2jh_hub.py).
CHART_GID = 100  # singleuser.fsGid of the chart's values.yaml

# An operator's own hook, sorting before ours (extraConfig runs in key order): it labels the pod, sets an
# environment variable, and mounts a restricted share for everyone with its gid. Ours must keep the rest
# and take the share and the gid away from non-members.
EARLIER_HOOK = """
def _pod_tweaks(spawner, pod):
    pod.metadata.labels["tweaked"] = "yes"
    pod.spec.containers[0].env.append({"name": "TWEAKED", "value": "yes"})
    pod.spec.volumes.append({"name": "hr", "persistentVolumeClaim": {"claimName": "hr-records"}})
    pod.spec.containers[0].volume_mounts.append({"name": "hr", "mountPath": "/hr"})
    pod.spec.security_context["supplementalGroups"] = [40013, 5000]
    return pod
c.KubeSpawner.modify_pod_hook = _pod_tweaks
"""

# An operator's hook sorting after ours, chaining as the README says.
LATER_HOOK = """
from jupyterhub.utils import maybe_future as _maybe_future
_before_late_hook = c.KubeSpawner.modify_pod_hook
async def _late_hook(spawner, pod):
    pod = await _maybe_future(_before_late_hook(spawner, pod))
    pod.metadata.labels["late"] = "yes"
    return pod
c.KubeSpawner.modify_pod_hook = _late_hook
"""

STRANGERS = [("newcomer", []), ("outsider", ["unknown-group"]), ("Zed.Example", ["hr", "Visitors"])]


def operator_values(version):
    """An operator's values: extra volumes and mounts (lists, or mappings where the chart takes them), an
    environment, a profile with volumes of its own (one of them a restricted share) and a hook of theirs."""
    scratch = {"name": "scratch", "emptyDir": {}}
    team = {"name": "team-data", "persistentVolumeClaim": {"claimName": "team-data", "readOnly": True}}
    mounts = [{"name": "scratch", "mountPath": "/scratch"}, {"name": "team-data", "mountPath": "/team", "readOnly": True}]
    dataset = {"name": "datasets", "persistentVolumeClaim": {"claimName": "datasets"}}
    dataset_mount = {"name": "datasets", "mountPath": "/datasets"}
    hr = {"name": "hr-in-profile", "persistentVolumeClaim": {"claimName": "hr-records"}}
    hr_mount = {"name": "hr-in-profile", "mountPath": "/hr-profile"}
    if CHART_VERSIONS[version].mapping_volumes:
        storage = {"extraVolumes": {"scratch": scratch, "team": team}, "extraVolumeMounts": {"scratch": mounts[0], "team": mounts[1]}}
        override = {"volumes": {"datasets": dataset, "hr": hr}, "volume_mounts": {"datasets": dataset_mount, "hr": hr_mount}}
    else:
        storage = {"extraVolumes": [scratch, team], "extraVolumeMounts": mounts}
        # KubeSpawner sets a list-valued override as it is (kubespawner/spawner.py _apply_overrides): the
        # profile repeats the chart's home volume, as operators of these chart versions must.
        home = {"name": "volume-{user_server}", "persistentVolumeClaim": {"claimName": "{pvc_name}"}}
        home_mount = {"name": "volume-{user_server}", "mountPath": "/home/jovyan"}
        override = {"volumes": [home, scratch, team, dataset, hr], "volume_mounts": [home_mount] + mounts + [dataset_mount, hr_mount]}
    return {
        "singleuser": {
            "storage": storage,
            "extraEnv": {"ORGANISATION": "example", "MODULEPATH": "/site/modules"},
            "profileList": [
                {"display_name": "Standard", "slug": "standard", "default": True},
                {"display_name": "Datasets", "slug": "datasets", "kubespawner_override": override},
            ],
        },
        "hub": {"extraConfig": {"podTweaks": EARLIER_HOOK}},
    }


def cases_for(spec):
    members = [{"login": user, "groups": list(groups)} for user, groups in sorted(spec.users.items())]
    strangers = [{"login": login, "groups": groups} for login, groups in STRANGERS]
    return members + strangers + [{"login": "grace", "groups": ["cleared", "team-a"], "profile": "datasets"},
                                  {"login": "erin", "groups": ["analysts"], "profile": "datasets"}]


def run_hub(version, values, cases):
    """The driver's answer for these merged values; the values must pass the chart's schema first."""
    errors = schema_errors(version, values)
    assert errors == [], "the chart %s refuses the values: %s" % (version, errors)
    request = {"values": values, "hub_config": CHART_VERSIONS[version].hub_config, "cases": cases}
    return run_driver("z2jh_hub.py", request, python=Z2JH_PYTHON)


def volume_names(pod):
    return [volume["name"] for volume in pod["spec"]["volumes"]]


def env_of(pod):
    return dict((item["name"], item.get("value")) for item in notebook_container(pod).get("env") or [])


def check_shares(spec, result, groups, extra_gids=()):
    """Exactly the shares of ``groups`` (access.py), each once and read-only where it is, and their gids."""
    assert result["error"] is None, result["error"]
    pod = result["pod"]
    assert_structurally_sound(pod)
    accesses = access.access_for_groups(spec, groups)
    assert_exact_shares(spec, pod, modes(accesses))
    gids = sorted(set(item.share.gid for item in accesses) | set(extra_gids))
    assert pod["spec"]["securityContext"].get("supplementalGroups", []) == gids
    assert pod_schema_errors(pod) == ""
    return pod


@pytest.fixture(scope="module")
def playbook_values(tmp_path_factory):
    """The values file the jupyterhub role writes from the example inventory, as a user runs it."""
    path = tmp_path_factory.mktemp("z2jh") / "z2jh-values.yaml"
    completed = run_playbook(
        "odh_rwx.shared_resources.site", "--tags", "jupyterhub",
        "-e", "@" + str(REPO_ROOT / "examples" / "flavors" / "z2jh.yml"), "-e", "example_z2jh_values_path=" + str(path),
        inventory=str(REPO_ROOT / "examples" / "inventory"),
    )
    assert completed.returncode == 0, completed.stdout[-4000:]
    return yaml.safe_load(path.read_text())


@pytest.fixture(scope="module")
def spec():
    return example_spec(Z2JH)


def test_the_values_hold_only_keys_helm_merges_into_the_operators(playbook_values):
    assert playbook_values == {
        "hub": {
            "config": {"Authenticator": {"manage_groups": True}},
            "extraConfig": {HOOK_KEY: playbook_values["hub"]["extraConfig"][HOOK_KEY]},
        }
    }
    # after the keys operators write (the chart runs them in sorted order)
    assert sorted(["00-first", "PodTweaks", "customHook", "podTweaks", "z-last", "zz-alpha", HOOK_KEY])[-1] == HOOK_KEY


@pytest.mark.parametrize("version", sorted(CHART_VERSIONS))
def test_helm_keeps_everything_the_operator_wrote(version, playbook_values):
    operator = operator_values(version)
    merged = helm_values(version, operator, playbook_values)
    assert schema_errors(version, merged) == []
    assert merged["singleuser"]["storage"]["extraVolumes"] == operator["singleuser"]["storage"]["extraVolumes"]
    assert merged["singleuser"]["storage"]["extraVolumeMounts"] == operator["singleuser"]["storage"]["extraVolumeMounts"]
    assert merged["singleuser"]["extraEnv"] == operator["singleuser"]["extraEnv"]
    assert merged["singleuser"]["profileList"] == operator["singleuser"]["profileList"]
    assert sorted(merged["hub"]["extraConfig"]) == ["podTweaks", HOOK_KEY]
    # the chart's own hub.config stays next to ours
    assert merged["hub"]["config"]["JupyterHub"]["authenticator_class"] == "dummy"
    assert merged["hub"]["config"]["Authenticator"] == {"manage_groups": True}


@pytest.mark.parametrize("version", ["4.0.0", "4.2.0"])
def test_the_mapping_form_of_extra_volumes_is_refused_before_4_3(version):
    """Why the values set no singleuser.storage: 4.2.0's schema takes lists only (the check above is not vacuous)."""
    values = helm_values(version, {"singleuser": {"storage": {"extraVolumes": {"x": {"name": "x", "emptyDir": {}}}}}})
    [error] = schema_errors(version, values)
    assert error.startswith("singleuser/storage/extraVolumes: ") and error.endswith("is not of type 'array'")


@pytest.mark.parametrize("version", sorted(CHART_VERSIONS))
def test_every_user_gets_exactly_its_shares_next_to_the_operators_settings(version, playbook_values, spec):
    values = helm_values(version, operator_values(version), playbook_values)
    cases = cases_for(spec)
    answer = run_hub(version, values, cases)
    assert answer["authenticator"]["manage_groups"] is True
    assert len(answer["results"]) == len(cases)
    for case, result in zip(cases, answer["results"]):
        # the user's JupyterHub groups, and those the example inventory lists for it
        groups = list(case["groups"]) + list(spec.users.get(result["user"], ()))
        # the operator's earlier hook hands out gid 5000 (kept) and 40013 (hr's: only for members)
        pod = check_shares(spec, result, groups, extra_gids=[5000])
        names = volume_names(pod)
        assert {"scratch", "team-data"} <= set(names) and any(name.startswith("volume-") for name in names)  # and the home
        assert "hr" not in names and "hr-in-profile" not in names  # hr-records, mounted by the operator's hook and profile
        assert ("datasets" in names) is ("profile" in case)
        assert pod["metadata"]["labels"]["tweaked"] == "yes"
        env = env_of(pod)
        assert env["ORGANISATION"] == "example" and env["TWEAKED"] == "yes"
        assert env["MODULEPATH"] == "/site/modules"  # the operator's value stays; the hook logs it
        assert env["LMOD_CMD"] == "/usr/share/lmod/lmod/libexec/lmod"
        assert pod["spec"]["securityContext"]["fsGroup"] == CHART_GID
    assert answer["results"][cases.index({"login": "Zed.Example", "groups": ["hr", "Visitors"]})]["user"] == "zed.example"
    warnings = [warning for result in answer["results"] for warning in result["warnings"]]
    assert warnings == [
        "odh_rwx.shared_resources: environment variable MODULEPATH is set by the pod's configuration: kept, "
        "not set to '/opt/apps/current/modules/all'"
    ]


def test_an_operator_hook_after_ours_that_chains_keeps_both(playbook_values, spec):
    values = helm_values("4.4.0", operator_values("4.4.0"), playbook_values, {"hub": {"extraConfig": {"zzz-late": LATER_HOOK}}})
    answer = run_hub("4.4.0", values, [{"login": "heidi", "groups": ["hr"]}, {"login": "erin", "groups": ["analysts"]}])
    for result in answer["results"]:
        pod = check_shares(spec, result, result["groups"], extra_gids=[5000])
        assert pod["metadata"]["labels"]["late"] == "yes" and pod["metadata"]["labels"]["tweaked"] == "yes"


def test_an_operator_hook_after_ours_that_does_not_chain_replaces_it(playbook_values, spec):
    """What the README warns about: the chart runs extraConfig in key order, the last hook set wins."""
    replacing = "c.KubeSpawner.modify_pod_hook = lambda spawner, pod: pod\n"
    values = helm_values("4.4.0", playbook_values, {"hub": {"extraConfig": {"zzz-replace": replacing}}})
    [result] = run_hub("4.4.0", values, [{"login": "heidi", "groups": ["hr"]}])["results"]
    assert not any(name.startswith("shared-") for name in volume_names(result["pod"]))


def test_groups_from_jupyterhub_alone_and_from_the_membership_alone(spec):
    """The hook takes the user's JupyterHub groups, and adds those the collection's membership lists."""
    without_members = jupyterhub.z2jh_values(spec, users={})
    [from_hub] = run_hub("4.4.0", helm_values("4.4.0", without_members), [{"login": "Priya", "groups": ["cleared", "hr"]}])["results"]
    check_shares(spec, from_hub, ["cleared", "hr"])

    listed = jupyterhub.z2jh_values(parse_spec(dict(example_data_z2jh(manage_groups=False), users={"Priya": ["cleared", "hr"]})))
    assert "config" not in listed["hub"]
    answer = run_hub("4.4.0", helm_values("4.4.0", listed), [{"login": "PRIYA", "groups": []}, {"login": "nobody", "groups": []}])
    assert answer["authenticator"]["manage_groups"] is False
    priya, nobody = answer["results"]
    check_shares(spec, priya, ["cleared", "hr"])  # "Priya" in the inventory is JupyterHub's "priya"
    assert priya["warnings"] == []
    check_shares(spec, nobody, [])
    assert [warning for warning in nobody["warnings"] if "has no group" in warning] == [
        "odh_rwx.shared_resources: user nobody has no group, and Authenticator.manage_groups is off: the pod gets only the "
        "shares every user gets. Let the authenticator manage groups (shared_resources.jupyterhub.z2jh.manage_groups), load "
        "them into JupyterHub (JupyterHub.load_groups, the REST API) or list the user in shared_resources.users."
    ]


def example_data_z2jh(manage_groups=True):
    return example_data(dict(Z2JH, z2jh={"manage_groups": manage_groups}))


def test_manage_groups_reaches_the_oauthenticators(playbook_values):
    """GenericOAuthenticator refuses auth_state_groups_key without manage_groups (oauthenticator 17.4.0
    oauth2.py ``_requires_manage_groups``): the values turn it on, unless z2jh.manage_groups is false."""
    operator = {"hub": {"config": {
        "JupyterHub": {"authenticator_class": "generic-oauth"},
        "GenericOAuthenticator": {"auth_state_groups_key": "oauth_user.groups", "client_id": "hub", "client_secret": "x"},
    }}}
    answer = run_hub("4.4.0", helm_values("4.4.0", operator, playbook_values), [])
    assert answer["authenticator"] == {"class": "GenericOAuthenticator", "manage_groups": True, "auth_state_groups_key": "oauth_user.groups"}
    without = jupyterhub.z2jh_values(parse_spec(example_data_z2jh(manage_groups=False)))
    answer = run_hub("4.4.0", helm_values("4.4.0", operator, without), [])
    assert "requires GenericOAuthenticator.manage_groups" in answer["authenticator"]["error"]


def test_singleuser_extra_env_as_a_list_passes_the_schema_but_not_the_hub():
    """Upstream: the schema takes a list (values.schema.yaml singleuser.extraEnv: [object, array]) but the hub
    hands it to Spawner.environment, a Dict trait. Why the hook, not the values, carries the environment."""
    values = helm_values("4.4.0", {"singleuser": {"extraEnv": [{"name": "A", "value": "b"}]}})
    [result] = run_hub("4.4.0", values, [{"login": "alice", "groups": []}])["results"]
    assert "TraitError" in result["error"] and "'environment' trait" in result["error"]


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(specs())
def test_generated_organisations_through_the_real_hub(data):
    spec = parse_spec(dict(data, jupyterhub=Z2JH))
    cases = [{"login": user, "groups": list(groups)} for user, groups in sorted(spec.users.items())]
    cases.append({"login": "stranger", "groups": []})
    answer = run_hub("4.2.0", helm_values("4.2.0", jupyterhub.z2jh_values(spec, users={})), cases)
    for result in answer["results"]:
        check_shares(spec, result, result["groups"])
