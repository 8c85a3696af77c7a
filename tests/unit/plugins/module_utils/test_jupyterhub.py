import json
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import access, jupyterhub, spec_admission, spec_jupyterhub
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import SpecError, parse_spec
from tests.support.strategies import organisations

GROUPS = ["g1", "g2", "g3", "team-a", "analysts", "hr", "cleared"]


def with_hub(spec, **section):
    spec = dict(spec)
    spec["jupyterhub"] = section
    return spec


# --- parse_jupyterhub ---------------------------------------------------------------------------


def test_defaults(example_spec):
    hub = parse_spec(with_hub(example_spec, flavor="odh_jsp")).jupyterhub
    assert hub == spec_jupyterhub.JupyterHubSpec(
        "odh_jsp", "rhods-notebooks", "inventory", None, ("rhods-notebooks",), {}, False, None, spec_admission.DISABLED
    )


def test_absent_section_is_none(example_spec):
    assert parse_spec(example_spec).jupyterhub is None


def test_every_problem_is_reported_with_its_path(example_spec):
    bad = with_hub(example_spec, flavor="odh_jspp", groups_from="ldap", images="s2i", extra=1)
    with pytest.raises(SpecError) as caught:
        parse_spec(bad)
    text = str(caught.value)
    assert "jupyterhub.flavor: invalid value 'odh_jspp' (did you mean 'odh_jsp'?)" in text
    assert "jupyterhub.groups_from: invalid value 'ldap'" in text
    assert "jupyterhub.images: must be a list" in text
    assert "jupyterhub.extra: unknown field" in text


@pytest.mark.parametrize(
    "section, message",
    [
        ({}, "jupyterhub.flavor: missing"),
        ({"flavor": "z2jh"}, "jupyterhub.values_path: missing"),
        ({"flavor": "z2jh", "values_path": "v.yaml", "images": ["a"]}, "jupyterhub.images: is only used with flavor odh_jsp"),
        ({"flavor": "odh_jsp", "restart_running": True}, "jupyterhub.restart_running: is only used with flavor odh_notebooks"),
        ({"flavor": "odh_jsp", "namespace": "Hub"}, "jupyterhub.namespace: invalid namespace 'Hub'"),
        ({"flavor": "odh_jsp", "images": []}, "jupyterhub.images: is empty"),
        ({"flavor": "odh_notebooks", "notebook_namespaces": ["ok", "Not ok"]}, "jupyterhub.notebook_namespaces[1]: invalid namespace"),
        ({"flavor": "odh_notebooks", "restart_running": "yes"}, "jupyterhub.restart_running: must be true or false"),
        ({"flavor": "odh_notebooks", "notebook_namespaces": [{"name": "team-a", "groups": []}]},
         "jupyterhub.notebook_namespaces[0].groups: is empty"),
        ({"flavor": "odh_notebooks", "notebook_namespaces": [{"name": "team-a", "groups": ["team a/b"]}]},
         "jupyterhub.notebook_namespaces[0].groups[0]: invalid group name"),
        ({"flavor": "odh_notebooks", "notebook_namespaces": [{"name": "rhods-notebooks", "groups": ["team-a"]}]},
         "jupyterhub.notebook_namespaces[0].groups: the share namespace 'rhods-notebooks' holds every claim"),
        ({"flavor": "odh_notebooks", "notebook_namespaces": [{"name": "team-a", "group": ["team-a"]}]},
         "jupyterhub.notebook_namespaces[0].group: unknown field"),
        ({"flavor": "odh_notebooks", "notebook_namespaces": [{"groups": ["team-a"]}]},
         "jupyterhub.notebook_namespaces[0].name: invalid namespace None"),
        ({"flavor": "odh_notebooks", "notebook_namespaces": ["team-a", {"name": "team-a", "groups": ["team-a"]}]},
         "jupyterhub.notebook_namespaces[1]: namespace 'team-a' is listed twice with different groups"),
        ([], "jupyterhub: must be a mapping"),
    ],
)
def test_invalid_sections(example_spec, section, message):
    data = dict(example_spec, jupyterhub=section)
    with pytest.raises(SpecError, match=message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(")):
        parse_spec(data)


def test_flavour_fields(example_spec):
    hub = parse_spec(with_hub(example_spec, flavor="odh_notebooks", notebook_namespaces=["a", "b", "a"], restart_running=True)).jupyterhub
    assert hub.notebook_namespaces == ("a", "b") and hub.restart_running is True
    assert hub.namespace_audiences == {"a": ("*",), "b": ("*",)}
    hub = parse_spec(with_hub(example_spec, flavor="odh_notebooks", notebook_namespaces=[
        "rhods-notebooks", {"name": "team-a", "groups": ["team-a", "analysts", "team-a"]}, {"name": "lab"}])).jupyterhub
    assert hub.notebook_namespaces == ("rhods-notebooks", "team-a", "lab")
    assert hub.namespace_audiences == {"team-a": ("team-a", "analysts"), "lab": ("*",)}
    hub = parse_spec(with_hub(example_spec, flavor="z2jh", values_path="/srv/v.yaml", groups_from="openshift")).jupyterhub
    assert (hub.values_path, hub.groups_from) == ("/srv/v.yaml", "openshift")


def test_users_from_openshift_groups():
    groups = [
        {"metadata": {"name": "team-a"}, "users": ["alice", "bob"]},
        {"metadata": {"name": "analysts"}, "users": ["alice"]},
        {"metadata": {"name": "empty"}, "users": None},
    ]
    assert jupyterhub.users_from_groups(groups) == {"alice": ["analysts", "team-a"], "bob": ["team-a"]}


# --- odh_jsp profiles -----------------------------------------------------------------------------


def profiles_of(spec, users=None):
    return list(jupyterhub.jsp_profiles(spec, users))


def test_configmaps_are_labelled_and_hold_a_profiles_mapping(example_spec):
    spec = parse_spec(with_hub(example_spec, flavor="odh_jsp", namespace="opendatahub"))
    config_maps = jupyterhub.jsp_profile_configmaps(spec)
    for config_map in config_maps:
        assert config_map["metadata"]["namespace"] == "opendatahub"
        labels = config_map["metadata"]["labels"]
        assert labels["jupyterhub"] == "singleuser-profiles"
        assert labels["app.kubernetes.io/managed-by"] == "odh_rwx.shared_resources"
        assert labels["app.kubernetes.io/component"] == "jupyterhub-profiles"
        body = json.loads(config_map["data"]["jupyterhub-singleuser-profiles.yaml"])
        assert isinstance(body, dict) and len(body["profiles"]) == 1
    assert jupyterhub.jsp_selector() == "app.kubernetes.io/managed-by=odh_rwx.shared_resources,app.kubernetes.io/component=jupyterhub-profiles"


def test_mixed_mode_everyone_share_stays_out_of_the_everyone_profile(example_spec):
    # census: every user reads it, data-stewards write it (public tier).
    spec = parse_spec(with_hub(example_spec, flavor="odh_jsp"))
    profiles = profiles_of(spec, {"alice": ["team-a"], "bob": ["analysts"]})
    assert profiles[0][0] == "everyone"  # no steward listed: read-only for everyone, common
    assert profiles[0][1]["volumes"][0]["name"] == "shared-census"
    profiles = profiles_of(spec, {"alice": ["team-a"], "writer": ["data-stewards"]})
    assert "everyone" not in [suffix for suffix, _profile in profiles]
    assert [p["volumes"][0]["persistentVolumeClaim"] for _s, p in profiles if p["users"] == ["writer"]] == [
        {"claimName": "census", "readOnly": False}
    ]


def test_no_profile_without_users(example_spec):
    spec = parse_spec(with_hub(example_spec, flavor="odh_jsp"))
    for _suffix, profile in profiles_of(spec, {}):
        assert profile["users"] == ["*"]


def test_images_are_set_on_every_profile(example_spec):
    spec = parse_spec(with_hub(example_spec, flavor="odh_jsp", images=["a:1", "b:2"]))
    assert all(profile["images"] == ["a:1", "b:2"] for _suffix, profile in profiles_of(spec))


def specs():
    return organisations(GROUPS)


def merged_volumes(profiles, user):
    """What JSP 0.7.0 concatenates for ``user``: every profile whose users is empty, has '*' or names the user."""
    volumes = []
    for _suffix, profile in profiles:
        users = profile.get("users") or []
        if not users or "*" in users or user in users:
            volumes.extend(profile.get("volumes", []))
    return volumes


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs())
def test_every_user_matches_each_share_once(data):
    spec = parse_spec(with_hub(data, flavor="odh_jsp"))
    profiles = profiles_of(spec)
    by_user = access.access_by_user(spec)
    for _suffix, profile in profiles:
        assert profile["users"], "users: [] would mean every user"
    for user in list(spec.users) + ["stranger"]:
        volumes = merged_volumes(profiles, user)
        names = [volume["name"] for volume in volumes]
        assert len(names) == len(set(names))
        got = dict((volume["persistentVolumeClaim"]["claimName"], volume["persistentVolumeClaim"]["readOnly"]) for volume in volumes)
        if user in by_user:
            wanted = dict((item.share.claim_name, item.mode == "ro") for item in by_user[user])
            assert got == wanted
        else:
            baseline = dict((item.share.claim_name, item.mode == "ro") for item in access.access_for_groups(spec, ()))
            assert set(got.items()) <= set(baseline.items())


# --- z2jh hook ------------------------------------------------------------------------------------


class _Section(dict):
    def __getattr__(self, name):
        return self[name]

    def __setattr__(self, name, value):
        self[name] = value


def load_hook(spec, previous=None):
    config = _Section(KubeSpawner=_Section())
    if previous is not None:
        config.KubeSpawner.modify_pod_hook = previous
    namespace = {"c": config}
    exec(compile(jupyterhub.hook_snippet(spec), "hook", "exec"), namespace)
    assert config.KubeSpawner.modify_pod_hook is namespace["odh_rwx_modify_pod_hook"]
    return namespace


def snippet_modes(namespace, groups):
    return [(share["name"], mode) for share, mode in namespace["odh_rwx_accesses"](groups)]


def library_modes(spec, groups):
    return [(item.share.name, item.mode) for item in access.access_for_groups(spec, groups)]


def test_snippet_agrees_with_access_for_the_example_organisation():
    from tests.jupyterhub.helpers import example_spec as example  # the 40-user organisation

    spec = example({"flavor": "z2jh", "values_path": "v.yaml"})
    namespace = load_hook(spec)
    for groups in list(spec.users.values()) + [(), ("unknown",)]:
        assert snippet_modes(namespace, groups) == library_modes(spec, groups)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs(), st.lists(st.sampled_from(GROUPS + ["other"]), max_size=4))
def test_snippet_agrees_with_access_for_generated_specs(data, groups):
    spec = parse_spec(with_hub(data, flavor="z2jh", values_path="v.yaml"))
    namespace = load_hook(spec)
    for member_groups in list(spec.users.values()) + [groups]:
        assert snippet_modes(namespace, member_groups) == library_modes(spec, member_groups)


def fake_pod(volumes, mounts, security_context=None):
    container = SimpleNamespace(name="notebook", volume_mounts=mounts)
    return SimpleNamespace(spec=SimpleNamespace(volumes=volumes, containers=[container], security_context=security_context))


def test_hook_accepts_dicts_models_and_mappings(example_spec):
    spec = parse_spec(with_hub(example_spec, flavor="z2jh", values_path="v.yaml"))
    namespace = load_hook(spec)
    model_volume = SimpleNamespace(name="home", persistent_volume_claim={"claimName": "claim-bob"})
    leaked = {"name": "x", "persistentVolumeClaim": {"claimName": "hr-records"}}
    pod = fake_pod(
        {"b": leaked, "a": model_volume},  # a mapping, as a config may hold it
        [SimpleNamespace(name="home", mount_path="/home/jovyan"), {"name": "x", "mountPath": "/x"}],
        SimpleNamespace(supplemental_groups=[40003, 7]),
    )
    namespace["odh_rwx_apply"](pod, ["analysts"])
    names = [getattr(v, "name", None) or v["name"] for v in pod.spec.volumes]
    assert names == ["home", "shared-census", "shared-projects"]
    mounts = pod.spec.containers[0].volume_mounts
    assert [getattr(m, "name", None) or m["name"] for m in mounts] == ["home", "shared-census", "shared-projects"]
    assert mounts[2] == {"name": "shared-projects", "mountPath": "/opt/app-root/src/projects", "readOnly": True}
    assert pod.spec.security_context.supplemental_groups == [7, 40001, 40002]


def test_hook_never_duplicates_a_path_and_chains_the_previous_hook(example_spec):
    spec = parse_spec(with_hub(example_spec, flavor="z2jh", values_path="v.yaml"))
    calls = []

    def previous(spawner, pod):
        calls.append(spawner)
        return pod

    namespace = load_hook(spec, previous)
    pod = fake_pod([{"name": "mine", "emptyDir": {}}], [{"name": "mine", "mountPath": "/opt/app-root/src/projects"}])
    spawner = SimpleNamespace(user=SimpleNamespace(groups=[SimpleNamespace(name="team-a")]), log=SimpleNamespace(error=lambda *a: calls.append(a)))
    import asyncio

    result = asyncio.run(namespace["odh_rwx_modify_pod_hook"](spawner, pod))
    assert calls[0] is spawner and "projects" in calls[1][1]
    assert [v["name"] for v in result.spec.volumes] == ["mine", "shared-census"]
    assert result.spec.security_context == {"supplementalGroups": [40001]}


def test_z2jh_values(example_spec):
    spec = parse_spec(with_hub(example_spec, flavor="z2jh", values_path="v.yaml"))
    values = jupyterhub.z2jh_values(spec)
    storage = values["singleuser"]["storage"]
    assert list(storage["extraVolumes"]) == ["shared-census"]
    assert storage["extraVolumeMounts"]["shared-census"]["readOnly"] is True
    assert "extraEnv" not in values["singleuser"]
    assert "c.KubeSpawner.modify_pod_hook = odh_rwx_modify_pod_hook" in values["hub"]["extraConfig"]["odhRwxSharedResources"]
