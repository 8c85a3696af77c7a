"""Build notebook pods under the zero-to-jupyterhub chart's hub configuration (run in .venv-z2jh).

The libraries are the chart's own (JupyterHub 5.5.0, KubeSpawner 7.0.0, OAuthenticator 17.4.0:
requirements/z2jh.txt). The chart's hub configuration is code that is not copied here: what it does
with the values these tests care about is reproduced below from its source, each part citing
jupyterhub/zero-to-jupyterhub-k8s, jupyterhub/files/hub/jupyterhub_config.py (and z2jh.py) at the
chart tags. That file has two versions in the 4.x range: blob ad742ed4 at tags 4.0.0, 4.1.0 and
4.2.0 (``HUB_CONFIG = "lists"``) and blob 00e05f90 at 4.3.0 to 4.4.0 (``"mappings"``); the line
numbers below are those of 4.2.0 and of 4.4.0.

stdin:  {"values": the values Helm hands the chart (see tests/jupyterhub/chart.py),
         "hub_config": "lists" | "mappings",
         "cases": [{"login": the name a user logs in with, "groups": [names], "profile": optional slug}]}
stdout: {"authenticator": {"class", "manage_groups", "auth_state_groups_key"} or {"error"} when it cannot be made,
         "results": [{"login", "user", "groups", "pod", "error", "warnings"}]}

Per case, what the hub does: the authenticator normalises the login name (JupyterHub 5.5.0
jupyterhub/auth.py ``get_authenticated_user``); the user's groups come from the login when the
authenticator manages them (``User.sync_groups``, jupyterhub/handlers/base.py L947-959), else as
``JupyterHub.load_groups`` puts them (ORM memberships, jupyterhub/app.py L2297-2319); the spawner
is the one ``User`` makes (jupyterhub/user.py ``_new_spawner``); then what KubeSpawner 7.0.0
``_start`` does before it creates the pod (kubespawner/spawner.py L3066, L3151-3154):
``load_user_options()``, ``get_pod_manifest()``, ``modify_pod_hook(spawner, pod)``. The pod is
serialized as ``create_namespaced_pod`` sends it (``ApiClient.sanitize_for_serialization``).
"""

import asyncio
import atexit
import json
import logging
import os
import sys
import tempfile
import traceback

KUBECONFIG = """apiVersion: v1
kind: Config
clusters: [{name: none, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: none, user: {token: none}}]
contexts: [{name: none, context: {cluster: none, user: none, namespace: jupyterhub}}]
current-context: none
"""

# KubeSpawner loads its client configuration when a spawner is made: a kubeconfig naming an
# unreachable server satisfies it; nothing here calls the Kubernetes API.
with tempfile.NamedTemporaryFile("w", suffix=".kubeconfig", delete=False) as _handle:
    _handle.write(KUBECONFIG)
os.environ["KUBECONFIG"] = _handle.name
atexit.register(os.unlink, _handle.name)

from jupyterhub import orm  # noqa: E402
from jupyterhub.app import JupyterHub  # noqa: E402
from jupyterhub.objects import Hub  # noqa: E402
from jupyterhub.user import User  # noqa: E402
from jupyterhub.utils import maybe_future  # noqa: E402
from kubernetes_asyncio.client import ApiClient  # noqa: E402
from traitlets.config import Config  # noqa: E402


# The hub as the chart connects it (jupyterhub_config.py L97-107: hub_bind_url http://:8081, hub_connect_url
# http://hub:8081).
HUB = Hub(ip="", port=8081, base_url="/hub/", connect_url="http://hub:8081/hub/")


class ChartValues(object):
    """z2jh.py ``get_config`` (L93-112) and ``set_config_if_not_none`` (L115-122) over the values."""

    def __init__(self, values):
        self.values = values

    def get(self, key, default=None):
        value = self.values
        for level in key.split("."):
            if not isinstance(value, dict) or level not in value:
                return default
            value = value[level]
        return value

    def set_if_not_none(self, section, trait, key):
        value = self.get(key)
        if value is not None:
            setattr(section, trait, value)


def chart_hub_config(values, hub_config):
    """The traitlets config, and the namespace the extraConfig snippets ran in, for these values.

    Only what concerns the notebook pod, the authenticator and the snippets; cookie secrets,
    proxy, services, culler, scheduling and image pull secrets are left out.
    """
    chart = ChartValues(values)
    c = Config()
    c.JupyterHub.spawner_class = "kubespawner.KubeSpawner"  # L41
    c.KubeSpawner.namespace = "jupyterhub"  # L136, from POD_NAMESPACE
    # L145-181: singleuser.<camelCase> -> KubeSpawner.<trait> when not null (the part of the table that
    # shapes the pod's user, groups, volumes, environment and profiles).
    for trait, key in (
        ("uid", "uid"),
        ("fs_gid", "fsGid"),
        ("extra_labels", "extraLabels"),
        ("environment", "extraEnv"),
        ("profile_list", "profileList"),
        ("extra_pod_config", "extraPodConfig"),
    ):
        chart.set_if_not_none(c.KubeSpawner, trait, "singleuser." + key)
    # L183-189: the image name and tag.
    image = chart.get("singleuser.image.name")
    if image:
        tag = chart.get("singleuser.image.tag")
        c.KubeSpawner.image = "%s:%s" % (image, tag) if tag else image
    # L196-198: allowPrivilegeEscalation, null included.
    c.KubeSpawner.allow_privilege_escalation = chart.get("singleuser.allowPrivilegeEscalation")
    # Storage of type dynamic (4.2.0 L255-288, 4.4.0 L258-291): the home claim and its mount, then
    # extraVolumes / extraVolumeMounts (extraFiles, 4.2.0 L303-337 / 4.4.0 L309-340, are not used here).
    home_name = chart.get("singleuser.storage.dynamic.volumeNameTemplate")
    home_volume = {"name": home_name, "persistentVolumeClaim": {"claimName": "{pvc_name}"}}
    home_mount = {
        "mountPath": chart.get("singleuser.storage.homeMountPath"),
        "name": home_name,
        "subPath": chart.get("singleuser.storage.dynamic.subPath"),
    }
    assert chart.get("singleuser.storage.type") == "dynamic"
    c.KubeSpawner.storage_pvc_ensure = True
    if hub_config == "lists":
        # 4.2.0 L276-288, L339-343: lists, and the extra entries ``.extend()`` them - a mapping adds its keys.
        c.KubeSpawner.volumes = [home_volume]
        c.KubeSpawner.volume_mounts = [home_mount]
        c.KubeSpawner.volumes.extend(chart.get("singleuser.storage.extraVolumes", []))
        c.KubeSpawner.volume_mounts.extend(chart.get("singleuser.storage.extraVolumeMounts", []))
    else:
        # 4.4.0 L255-256, L279-291, L342-362: mappings; a mapping of extra entries updates them, a list
        # adds each volume under its name and each mount under "<index>-<name>".
        volumes = {home_name: home_volume}
        mounts = {home_name: home_mount}
        extra_volumes = chart.get("singleuser.storage.extraVolumes", {})
        if isinstance(extra_volumes, dict):
            volumes.update(extra_volumes)
        elif isinstance(extra_volumes, list):
            volumes.update((volume["name"], volume) for volume in extra_volumes)
        extra_mounts = chart.get("singleuser.storage.extraVolumeMounts", {})
        if isinstance(extra_mounts, dict):
            mounts.update(extra_mounts)
        elif isinstance(extra_mounts, list):
            mounts.update(("%d-%s" % (index, mount["name"]), mount) for index, mount in enumerate(extra_mounts))
        c.KubeSpawner.volumes = volumes
        c.KubeSpawner.volume_mounts = mounts
    # hub.config pass-through (4.2.0 L480-490, 4.4.0 L499-526): each section updates c[section]; 4.4.0
    # exits on a section whose name is not capitalised.
    for section, settings in chart.get("hub.config", {}).items():
        if hub_config == "mappings" and not section[:1].isupper():
            raise SystemExit("FATAL: Invalid hub.config section name: %s" % section)
        c[section].update(settings)
    # hub.extraConfig (4.2.0 L503-506, 4.4.0 L539-542): each snippet, in sorted key order, exec'd in the
    # config file's own module namespace, where c and the z2jh.py helpers are defined.
    namespace = {"c": c, "get_config": chart.get, "__name__": "jupyterhub_config"}
    for key, snippet in sorted(chart.get("hub.extraConfig", {}).items()):
        exec(compile(snippet, "hub.extraConfig." + key, "exec"), namespace)
    return c


class Captured(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


async def build(app, authenticator, db, case, captured):
    login = case["login"]
    name = authenticator.normalize_username(login)
    orm_user = orm.User.find(db, name)
    if orm_user is None:
        orm_user = orm.User(name=name)
        db.add(orm_user)
        db.commit()
    settings = {"authenticator": authenticator, "spawner_class": app.spawner_class, "config": app.config, "domain": "", "hub": HUB}
    user = User(orm_user, settings)
    if authenticator.manage_groups:
        user.sync_groups(case.get("groups", []))
    else:
        for group_name in case.get("groups", []):
            group = orm.Group.find(db, group_name) or orm.Group(name=group_name)
            if group not in orm_user.groups:
                orm_user.groups.append(group)
    db.commit()
    spawner = user.get_spawner("")
    if case.get("profile"):
        spawner.user_options = {"profile": case["profile"]}
    spawner.log.addHandler(captured)
    try:
        await spawner.load_user_options()
        pod = await spawner.get_pod_manifest()
        if spawner.modify_pod_hook:
            pod = await maybe_future(spawner.modify_pod_hook(spawner, pod))
    finally:
        spawner.log.removeHandler(captured)
    async with ApiClient() as api:
        return name, api.sanitize_for_serialization(pod)


async def main_async(request):
    config = chart_hub_config(request["values"], request["hub_config"])
    app = JupyterHub(config=config)
    try:
        authenticator = app.authenticator_class(parent=app)
    except Exception as exc:  # the hub would not start
        return {"authenticator": {"error": "%s: %s" % (type(exc).__name__, exc)}, "results": []}
    db = orm.new_session_factory("sqlite:///:memory:")()
    results = []
    for case in request["cases"]:
        captured = Captured()
        result = {"login": case["login"], "user": None, "groups": case.get("groups", []), "pod": None, "error": None}
        try:
            result["user"], result["pod"] = await build(app, authenticator, db, case, captured)
        except Exception as exc:  # reported, the test decides
            result["error"] = "%s: %s\n%s" % (type(exc).__name__, exc, traceback.format_exc())
        result["warnings"] = captured.messages
        results.append(result)
    return {
        "authenticator": {
            "class": type(authenticator).__name__,
            "manage_groups": authenticator.manage_groups,
            "auth_state_groups_key": getattr(authenticator, "auth_state_groups_key", None),
        },
        "results": results,
    }


def main():
    request = json.load(sys.stdin)
    json.dump(asyncio.run(main_async(request)), sys.stdout, default=str)


if __name__ == "__main__":
    main()
