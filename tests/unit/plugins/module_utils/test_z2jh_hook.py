"""z2jh_hook: the modify_pod_hook on pods as KubeSpawner and other hooks leave them (models and dicts).

The real hub, KubeSpawner and JupyterHub ORM run in tests/jupyterhub/test_z2jh_hub.py; here the hook's
own rules, with stand-ins for the pod (attribute objects like the kubernetes_asyncio models, dicts).
"""

import asyncio
import copy
import logging
import sys
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import access, jupyterhub, z2jh_hook
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import parse_spec
from tests.support.strategies import organisations

GROUPS = ["g1", "g2", "g3", "team-a", "analysts", "hr", "cleared"]


def spec_of(data, users=None, **z2jh):
    data = dict(data, jupyterhub={"flavor": "z2jh", "values_path": "v.yaml", "z2jh": z2jh})
    if users is not None:
        data["users"] = users
    return parse_spec(data)


def hook_for(spec, previous=None, **extra):
    data = jupyterhub.hook_data(spec)
    data.update(extra)
    return z2jh_hook.ModifyPodHook(data, previous)


class Log(object):
    def __init__(self):
        self.records = []

    def warning(self, message, *args):
        self.records.append(("warning", message % args))

    def error(self, message, *args):
        self.records.append(("error", message % args))


def model_pod(volumes=(), mounts=(), env=(), security_context=None, init_mounts=None):
    """A pod shaped like KubeSpawner's: attribute objects, snake_case fields."""
    notebook = SimpleNamespace(name="notebook", volume_mounts=list(mounts), env=list(env))
    init = [SimpleNamespace(name="init", volume_mounts=list(init_mounts))] if init_mounts is not None else None
    spec = SimpleNamespace(volumes=list(volumes), containers=[notebook], init_containers=init, security_context=security_context)
    return SimpleNamespace(metadata=SimpleNamespace(labels={}), spec=spec)


def spawner_for(name, groups=(), manage_groups=None, normalize=None):
    authenticator = None
    if manage_groups is not None or normalize is not None:
        authenticator = SimpleNamespace(manage_groups=bool(manage_groups))
        if normalize is not None:
            authenticator.normalize_username = normalize
    user = SimpleNamespace(name=name, groups=[SimpleNamespace(name=group) for group in groups])
    return SimpleNamespace(user=user, authenticator=authenticator, log=Log())


def name_of(entry):
    return z2jh_hook.field(entry, "name")


def shares_in(pod):
    """volume name -> (volume readOnly, mount readOnly, mount path) for the notebook container."""
    mounts = dict((name_of(mount), mount) for mount in z2jh_hook.items(pod.spec.containers[0].volume_mounts))
    found = {}
    for volume in pod.spec.volumes:
        claim = z2jh_hook.field(volume, "persistentVolumeClaim")
        if claim is not None and name_of(volume).startswith("shared-"):
            mount = mounts[name_of(volume)]
            found[name_of(volume)] = (z2jh_hook.field(claim, "readOnly"), z2jh_hook.field(mount, "readOnly"), z2jh_hook.field(mount, "mountPath"))
    return found


def expected_shares(spec, groups):
    return dict(
        (item.share.volume_name, (item.mode == "ro", item.mode == "ro", item.share.mount_path))
        for item in access.access_for_groups(spec, groups)
    )


def test_each_share_once_in_the_tier_mode_with_its_gids(example_spec):
    spec = spec_of(example_spec, users={})
    hook = hook_for(spec)
    for groups in [(), ("analysts",), ("team-a", "analysts"), ("hr",), ("nobody",)]:
        pod = hook(spawner_for("someone", groups, manage_groups=True), model_pod(volumes=[SimpleNamespace(name="home")]))
        assert shares_in(pod) == expected_shares(spec, groups)
        gids = sorted(set(item.share.gid for item in access.access_for_groups(spec, groups)))
        assert pod.spec.security_context == {"fsGroupChangePolicy": "OnRootMismatch", "supplementalGroups": gids}
        assert name_of(pod.spec.volumes[0]) == "home"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(organisations(GROUPS, max_shares=5, max_users=6, jupyterhub={"flavor": "z2jh", "values_path": "v.yaml"}),
       st.lists(st.sampled_from(GROUPS + ["other"]), max_size=4))
def test_generated_organisations_get_what_access_grants(data, groups):
    spec = parse_spec(data)
    hook = hook_for(spec)
    for user, member_groups in list(spec.users.items()) + [("stranger", tuple(groups))]:
        # membership from the data (listed users) and from JupyterHub (the stranger's groups)
        listed = spec.users.get(user, ())
        pod = hook(spawner_for(user, () if user in spec.users else groups, manage_groups=True), model_pod())
        assert shares_in(pod) == expected_shares(spec, set(listed) | set(() if user in spec.users else groups))


def test_share_volumes_others_added_are_replaced_and_their_mounts_go_everywhere(example_spec):
    spec = spec_of(example_spec, users={})
    leaked = {"name": "hr", "persistentVolumeClaim": {"claimName": "hr-records"}}
    wrong_mode = SimpleNamespace(name="shared-census", persistent_volume_claim={"claimName": "census", "readOnly": False})
    pod = model_pod(
        volumes=[SimpleNamespace(name="home"), leaked, wrong_mode, {"name": "census", "emptyDir": {}}],  # a name, not a claim
        mounts=[{"name": "hr", "mountPath": "/hr"}, SimpleNamespace(name="shared-census", mount_path="/census", read_only=False)],
        init_mounts=[{"name": "hr", "mountPath": "/hr"}, {"name": "home", "mountPath": "/home"}],
        security_context=SimpleNamespace(supplemental_groups=[40003, 7], fs_group=100),
    )
    pod = hook_for(spec)(spawner_for("erin", ["analysts"], manage_groups=True), pod)
    assert [name_of(volume) for volume in pod.spec.volumes] == ["home", "census", "shared-census", "shared-projects"]
    assert shares_in(pod) == expected_shares(spec, ["analysts"])
    assert [name_of(mount) for mount in pod.spec.init_containers[0].volume_mounts] == ["home"]
    assert pod.spec.security_context.supplemental_groups == [7, 40001, 40002]
    assert pod.spec.security_context.fs_group == 100


def test_a_taken_path_or_name_is_left_to_its_owner_and_logged(example_spec):
    spec = spec_of(example_spec, users={})
    pod = model_pod(volumes=[{"name": "mine", "emptyDir": {}}], mounts=[{"name": "mine", "mountPath": "/opt/app-root/src/projects"}])
    spawner = spawner_for("alice", ["team-a"], manage_groups=True)
    pod = hook_for(spec)(spawner, pod)
    assert [name_of(volume) for volume in pod.spec.volumes] == ["mine", "shared-census"]
    assert pod.spec.security_context == {"fsGroupChangePolicy": "OnRootMismatch", "supplementalGroups": [40001]}  # no gid of a share not mounted
    assert spawner.log.records == [
        ("error", "odh_rwx.shared_resources: share projects not mounted: the pod already has a volume named shared-projects "
                  "or a mount at /opt/app-root/src/projects"),
    ]


def test_what_every_user_gets_fills_in_and_never_overrides_the_operator(example_spec):
    """Generic: env, volumes and pod settings of the data (the LMod tree today, other settings tomorrow)."""
    spec = spec_of(example_spec, users={})
    everyone = {
        "env": [{"name": "MODULEPATH", "value": "/opt/apps/modules"}, {"name": "NB_UMASK", "value": "0002"}],
        "volumes": [{"name": "lmod-tree", "persistentVolumeClaim": {"claimName": "apps", "readOnly": True}}],
        "volume_mounts": [{"name": "lmod-tree", "mountPath": "/opt/apps", "readOnly": True}],
        "security_context": {"fsGroupChangePolicy": "OnRootMismatch", "fsGroup": 40001},
    }
    hook = hook_for(spec, everyone=everyone)
    for _spawn in range(2):
        spawner = spawner_for("bob", ["analysts"], manage_groups=True)
        pod = hook(spawner, model_pod(env=[SimpleNamespace(name="MODULEPATH", value="/site")], security_context={"fsGroup": 100}))
        assert [(z2jh_hook.field(item, "name"), z2jh_hook.field(item, "value")) for item in pod.spec.containers[0].env] == [
            ("MODULEPATH", "/site"), ("NB_UMASK", "0002")]
        assert "lmod-tree" in [name_of(volume) for volume in pod.spec.volumes]
        assert pod.spec.security_context == {"fsGroup": 100, "fsGroupChangePolicy": "OnRootMismatch", "supplementalGroups": [40001, 40002]}
    # noted once per hook, not at every spawn
    assert spawner.log.records == []
    assert hook.noted == {("env", "MODULEPATH"), ("securityContext", "fsGroup")}


def test_settings_of_a_share_go_with_the_share(example_spec):
    spec = spec_of(example_spec, users={})
    hook = hook_for(spec, with_share={"projects": {"env": [{"name": "PROJECTS", "value": "yes"}]}})
    analyst = hook(spawner_for("x", ["analysts"], manage_groups=True), model_pod())
    stranger = hook(spawner_for("y", [], manage_groups=True), model_pod())
    # NB_UMASK is every user's (the notebook pod settings); PROJECTS only for who mounts projects.
    assert [item["name"] for item in analyst.spec.containers[0].env] == ["NB_UMASK", "PROJECTS"]
    assert [item["name"] for item in stranger.spec.containers[0].env] == ["NB_UMASK"]


def test_listed_members_are_matched_as_the_authenticator_normalises_names(example_spec):
    spec = spec_of(example_spec, users={"Carol": ["hr"], "DAN": ["team-a"], "dan": ["analysts"]})
    hook = hook_for(spec)
    pod = hook(spawner_for("carol", [], manage_groups=False, normalize=str.lower), model_pod())
    assert shares_in(pod) == expected_shares(spec, ["hr"])
    pod = hook(spawner_for("dan", [], manage_groups=False, normalize=str.lower), model_pod())
    assert shares_in(pod) == expected_shares(spec, ["team-a", "analysts"])  # two spellings, one JupyterHub user

    mapped = hook_for(spec)
    pod = mapped(spawner_for("c.smith", [], manage_groups=False, normalize=lambda name: {"carol": "c.smith"}.get(name.lower(), name.lower())), model_pod())
    assert shares_in(pod) == expected_shares(spec, ["hr"])  # Authenticator.username_map, say

    def refuses(name):
        raise KeyError(name)

    spawner = spawner_for("carol", [], manage_groups=False, normalize=refuses)
    assert shares_in(hook_for(spec)(spawner, model_pod())) == expected_shares(spec, ["hr"])
    assert spawner.log.records[0][1].startswith("odh_rwx.shared_resources: cannot normalise listed user Carol")


def test_a_user_without_groups_is_warned_about_once_when_groups_are_not_managed(example_spec):
    spec = spec_of(example_spec, users={}, manage_groups=False)
    hook = hook_for(spec)
    spawner = spawner_for("mallory")
    hook(spawner, model_pod())
    hook(spawner, model_pod())
    assert [level for level, _message in spawner.log.records] == ["warning"]
    assert "user mallory has no group, and Authenticator.manage_groups is off" in spawner.log.records[0][1]
    managed = spawner_for("mallory", manage_groups=True)
    hook_for(spec)(managed, model_pod())
    assert managed.log.records == []


def test_chains_the_previous_hook_sync_or_async(example_spec):
    spec = spec_of(example_spec, users={})
    calls = []

    def previous(spawner, pod):
        calls.append("sync")
        pod.metadata.labels["previous"] = "ran"
        return pod

    async def previous_async(spawner, pod):
        calls.append("async")
        return previous(spawner, pod)

    pod = hook_for(spec, previous)(spawner_for("bob", ["analysts"], manage_groups=True), model_pod())
    assert pod.metadata.labels == {"previous": "ran"} and shares_in(pod) == expected_shares(spec, ["analysts"])
    pending = hook_for(spec, previous_async)(spawner_for("bob", ["analysts"], manage_groups=True), model_pod())
    pod = asyncio.run(pending)
    assert calls == ["sync", "async", "sync"] and shares_in(pod) == expected_shares(spec, ["analysts"])


def test_install_wraps_the_configured_hook_and_survives_traitlets_copies(example_spec, capsys):
    class Section(dict):
        def __getattr__(self, name):
            return self.setdefault(name, Section())

        def __setattr__(self, name, value):
            self[name] = value

    def previous(spawner, pod):
        return pod

    config = Section()
    config.KubeSpawner.modify_pod_hook = previous
    config.JupyterHub.load_groups = {"hr": {"users": ["carol"]}}
    hook = z2jh_hook.install(config, jupyterhub.hook_data(spec_of(example_spec)))
    assert config.KubeSpawner.modify_pod_hook is hook and hook.previous is previous
    assert copy.deepcopy(hook) is hook  # traitlets deep-copies configured values into each spawner
    assert "JupyterHub.load_groups is set and these values turn on Authenticator.manage_groups" in capsys.readouterr().err


def test_load_package_makes_importable_modules():
    package = z2jh_hook.load_package("odh_rwx_test_package", [("base", "VALUE = 1\n"), ("user", "from .base import VALUE\nDOUBLE = VALUE * 2\n")])
    try:
        assert package.user.DOUBLE == 2
        from odh_rwx_test_package import user  # noqa: F401 (importable as a package module)

        assert sys.modules["odh_rwx_test_package.user"] is package.user
    finally:
        for name in ["odh_rwx_test_package", "odh_rwx_test_package.base", "odh_rwx_test_package.user"]:
            sys.modules.pop(name, None)


def test_logs_go_to_the_spawner_log(example_spec, caplog):
    spec = spec_of(example_spec, users={}, manage_groups=False)
    spawner = spawner_for("mallory")
    spawner.log = logging.getLogger("test-z2jh-hook")
    with caplog.at_level(logging.WARNING, logger="test-z2jh-hook"):
        hook_for(spec)(spawner, model_pod())
    assert "has no group" in caplog.text


@pytest.mark.parametrize("camel, snake", [("mountPath", "mount_path"), ("persistentVolumeClaim", "persistent_volume_claim"), ("name", "name")])
def test_snake_case(camel, snake):
    assert z2jh_hook.snake_case(camel) == snake
