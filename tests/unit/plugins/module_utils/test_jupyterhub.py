import importlib
import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings

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
        "odh_jsp", "rhods-notebooks", "inventory", None, ("rhods-notebooks",), {}, False, None, None, spec_admission.DISABLED
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
    "flavor, hint",
    [
        ("rhoai", "Red Hat OpenShift AI (RHOAI, formerly RHODS) and ODH 2.x are flavor odh_notebooks"),
        ("openshift_ai", "Red Hat OpenShift AI (RHOAI, formerly RHODS) and ODH 2.x are flavor odh_notebooks"),
        ("RHODS", "Red Hat OpenShift AI (RHOAI, formerly RHODS) and ODH 2.x are flavor odh_notebooks"),
        ("OpenShift-AI", "Red Hat OpenShift AI (RHOAI, formerly RHODS) and ODH 2.x are flavor odh_notebooks"),
        ("odh", "ODH 2.x and Red Hat OpenShift AI are flavor odh_notebooks; ODH 1.x's JupyterHub is odh_jsp"),
        ("jupyterhub-singleuser-profiles", "ODH 1.x's JupyterHub (jupyterhub-singleuser-profiles) is flavor odh_jsp"),
        ("zero-to-jupyterhub", "Zero to JupyterHub (the jupyterhub Helm chart) is flavor z2jh"),
    ],
)
def test_a_platforms_own_name_is_answered_with_its_flavour(example_spec, flavor, hint):
    with pytest.raises(SpecError) as caught:
        parse_spec(with_hub(example_spec, flavor=flavor))
    assert caught.value.errors == ["jupyterhub.flavor: invalid value %r: %s; choose one of: odh_jsp, odh_notebooks, z2jh" % (flavor, hint)]


@pytest.mark.parametrize(
    "section, message",
    [
        ({}, "jupyterhub.flavor: missing"),
        ({"flavor": "z2jh"}, "jupyterhub.values_path: missing"),
        ({"flavor": "z2jh", "values_path": None}, "jupyterhub.values_path: missing"),
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
        ({"flavor": "z2jh", "values_path": "v.yaml", "z2jh": {"manage_group": False}},
         "jupyterhub.z2jh.manage_group: unknown field"),
        ({"flavor": "z2jh", "values_path": "v.yaml", "z2jh": {"manage_groups": "no"}}, "jupyterhub.z2jh.manage_groups: must be true or false"),
        ({"flavor": "z2jh", "values_path": "v.yaml", "z2jh": ["manage_groups"]}, "jupyterhub.z2jh: must be a mapping"),
        ({"flavor": "odh_jsp", "z2jh": {"manage_groups": False}}, "jupyterhub.z2jh: is only used with flavor z2jh"),
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
    assert (hub.values_path, hub.groups_from, hub.z2jh) == ("/srv/v.yaml", "openshift", spec_jupyterhub.Z2jhSpec(manage_groups=True))
    hub = parse_spec(with_hub(example_spec, flavor="z2jh", values_path="v.yaml", z2jh={"manage_groups": False})).jupyterhub
    assert hub.z2jh == spec_jupyterhub.Z2jhSpec(manage_groups=False)


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
    # The everyone-profile then only carries the notebook settings' environment (NB_UMASK).
    assert [profile for suffix, profile in profiles if suffix == "everyone"][0].get("volumes") is None
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


def test_profiles_name_users_as_jupyterhub_does(example_spec):
    """JupyterHub lower-cases login names (Authenticator.normalize_username); JSP compares the spawner's user name."""
    users = {"Carol": ["hr"], "carol": ["analysts"], "BOB": ["analysts"]}
    assert jupyterhub.jupyterhub_user_names(users) == {"bob": ("analysts",), "carol": ("hr", "analysts")}
    spec = parse_spec(with_hub(example_spec, flavor="odh_jsp"))
    listed = sorted(user for _suffix, profile in jupyterhub.jsp_profiles(spec, users) for user in profile["users"])
    assert listed == ["*", "bob", "carol"]


# --- z2jh values -----------------------------------------------------------------------------------


def z2jh_spec(data, **z2jh):
    return parse_spec(with_hub(data, flavor="z2jh", values_path="v.yaml", **({"z2jh": z2jh} if z2jh else {})))


def test_z2jh_values_hold_the_hook_and_manage_groups(example_spec):
    values = jupyterhub.z2jh_values(z2jh_spec(example_spec))
    assert sorted(values) == ["hub"] and sorted(values["hub"]) == ["config", "extraConfig"]
    assert values["hub"]["config"] == {"Authenticator": {"manage_groups": True}}
    assert list(values["hub"]["extraConfig"]) == ["zz-odh-rwx-shared-resources"]
    values = jupyterhub.z2jh_values(z2jh_spec(example_spec, manage_groups=False))
    assert values == {"hub": {"extraConfig": {"zz-odh-rwx-shared-resources": values["hub"]["extraConfig"]["zz-odh-rwx-shared-resources"]}}}


def test_hub_modules_are_the_hook_and_what_it_imports_relatively():
    modules = jupyterhub.hub_modules()
    assert [name for name, _source in modules] == ["validation", "access", "z2jh_hook"]
    for name, source in modules:
        module = importlib.import_module("ansible_collections.odh_rwx.shared_resources.plugins.module_utils." + name)
        with open(module.__file__) as handle:
            assert handle.read() == source


def test_hub_modules_refuse_an_absolute_import_of_the_collection(tmp_path, monkeypatch):
    (tmp_path / "hooky.py").write_text("from . import helper\n")
    (tmp_path / "helper.py").write_text("from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import access\n")
    monkeypatch.setattr(jupyterhub.os.path, "abspath", lambda _path: str(tmp_path / "jupyterhub.py"))
    with pytest.raises(ValueError, match="helper.py imports ansible_collections.odh_rwx.shared_resources.plugins.module_utils: "):
        jupyterhub.hub_modules("hooky")


def test_hook_data(example_spec):
    data = dict(example_spec, users={"Alice": ["team-a"], "dan": []})
    data["lmod"] = {"share": "census", "source": {"type": "image", "image": "quay.io/x/tree:1", "path": "/tree"}}
    hook_data = jupyterhub.hook_data(z2jh_spec(data))
    assert hook_data["users"] == {"Alice": ["team-a"]}  # names as listed: the hub normalises them
    assert hook_data["everyone"] == {
        "env": [{"name": "NB_UMASK", "value": "0002"}], "security_context": {"fsGroupChangePolicy": "OnRootMismatch"},
    }
    assert list(hook_data["with_share"]) == ["census"]
    assert hook_data["with_share"]["census"]["volumes"] == [] and hook_data["with_share"]["census"]["env"][0]["name"] == "BASH_ENV"
    assert hook_data["shares"][2] == {
        "name": "hr-records", "volume_name": "shared-hr-records", "claim_name": "hr-records",
        "mount_path": "/opt/app-root/src/shared/secret/hr-records", "gid": 40003, "readers": [], "writers": ["hr"],
    }
    assert hook_data["manage_groups"] is True


HUB_SCRIPT = """\
import json, sys
class Section(dict):
    def __getattr__(self, name):
        return self.setdefault(name, Section()) if name[:1].isupper() else self[name]
    def __setattr__(self, name, value):
        self[name] = value
c = Section()
namespace = {"c": c}
exec(sys.stdin.read(), namespace)
import odh_rwx_shared_resources.z2jh_hook
assert sorted(namespace) == ["__builtins__", "c"], sorted(namespace)
assert "ansible" not in sys.modules and "ansible_collections" not in sys.modules
installed = c.KubeSpawner.modify_pod_hook
print(json.dumps({"listed": installed.listed, "readers": [s.readers for s in installed.shares], "module": type(installed).__module__}))
"""


def test_the_snippet_embeds_any_name_and_runs_without_the_collection(example_spec, tmp_path):
    """Quotes, backslashes and non-ASCII in names survive the raw strings; the hub needs no Ansible."""
    data = dict(example_spec, users={"o'brien\\x": ["team-a"], "zoë": ["hr"]})
    data["tiers"] = dict(data["tiers"], private=dict(data["tiers"]["private"], readers=["ana'''lysts"]))
    script = tmp_path / "hub.py"
    script.write_text(HUB_SCRIPT)
    snippet = jupyterhub.z2jh_snippet(z2jh_spec(data))
    completed = subprocess.run([sys.executable, "-I", str(script)], input=snippet, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert result["listed"] == {"o'brien\\x": ["team-a"], "zoë": ["hr"]}
    assert ["ana'''lysts"] in result["readers"]
    assert result["module"] == "odh_rwx_shared_resources.z2jh_hook"
