"""Build notebook pods with the real KubeSpawner 7.1.0 and the z2jh values' hook (run in .venv-jsp).

stdin: {"values": Helm values (singleuser.storage.extraVolumes/extraVolumeMounts, singleuser.extraEnv,
        hub.extraConfig, optional singleuser.profileList), "cases": [{"user": name, "groups": [names],
        "profile": optional profile slug}]}
stdout: {"results": [{"user", "groups", "pod": the pod as KubeSpawner would send it, "error"}]}

The chart's hub config is reproduced for the parts that matter here (zero-to-jupyterhub-k8s
jupyterhub/files/hub/jupyterhub_config.py): dynamic home storage, extraVolumes /
extraVolumeMounts given as a mapping or a list and folded into the KubeSpawner.volumes /
volume_mounts mappings, extraEnv as KubeSpawner.environment, profileList as profile_list, and
every hub.extraConfig entry exec'd in key order with ``c`` in scope. Then, per user, what
KubeSpawner._start does before creating the pod: load_user_options(), get_pod_manifest(),
modify_pod_hook(spawner, pod). Users are real JupyterHub ORM users with real ORM groups.
The pod is serialized with kubernetes_asyncio's ApiClient.sanitize_for_serialization, as
create_namespaced_pod does.
"""

import asyncio
import atexit
import json
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

# kubernetes_asyncio reads KUBECONFIG when imported: a kubeconfig that names an unreachable
# server lets KubeSpawner load its client configuration; nothing here ever calls the API.
with tempfile.NamedTemporaryFile("w", suffix=".kubeconfig", delete=False) as _handle:
    _handle.write(KUBECONFIG)
os.environ["KUBECONFIG"] = _handle.name
atexit.register(os.unlink, _handle.name)

from jupyterhub import orm  # noqa: E402
from kubernetes_asyncio.client import ApiClient  # noqa: E402
from traitlets.config import Config  # noqa: E402


def chart_config(values):
    """What the chart's jupyterhub_config.py makes of these values (storage type dynamic)."""
    c = Config()
    singleuser = values.get("singleuser", {})
    storage = singleuser.get("storage", {})
    c.KubeSpawner.uid = 1000
    c.KubeSpawner.fs_gid = 100
    c.KubeSpawner.image = "quay.io/jupyter/base-notebook:2025-10-20"
    c.KubeSpawner.pvc_name_template = "claim-{username}{servername}"
    c.KubeSpawner.storage_pvc_ensure = True
    volume_name = "volume-{username}{servername}"
    volumes = {volume_name: {"name": volume_name, "persistentVolumeClaim": {"claimName": "{pvc_name}"}}}
    volume_mounts = {volume_name: {"mountPath": "/home/jovyan", "name": volume_name}}
    extra_volumes = storage.get("extraVolumes", {})
    if isinstance(extra_volumes, dict):
        volumes.update(extra_volumes)
    else:
        for volume in extra_volumes:
            volumes[volume["name"]] = volume
    extra_mounts = storage.get("extraVolumeMounts", {})
    if isinstance(extra_mounts, dict):
        volume_mounts.update(extra_mounts)
    else:
        for index, mount in enumerate(extra_mounts):
            volume_mounts["%d-%s" % (index, mount["name"])] = mount
    c.KubeSpawner.volumes = volumes
    c.KubeSpawner.volume_mounts = volume_mounts
    if singleuser.get("extraEnv"):
        c.KubeSpawner.environment = singleuser["extraEnv"]
    if singleuser.get("profileList"):
        c.KubeSpawner.profile_list = singleuser["profileList"]
    for key, snippet in sorted(values.get("hub", {}).get("extraConfig", {}).items()):
        exec(compile(snippet, "hub.extraConfig." + key, "exec"), {"c": c, "__name__": "jupyterhub_config"})
    return c


def orm_user(db, name, groups):
    user = orm.User(name=name)
    db.add(user)
    for group_name in groups:
        group = db.query(orm.Group).filter_by(name=group_name).first() or orm.Group(name=group_name)
        user.groups.append(group)
    db.commit()
    user.url = "/user/%s/" % name
    return user


async def build(config, db, case):
    from kubespawner import KubeSpawner
    from jupyterhub.utils import maybe_future

    user = orm_user(db, case["user"], case.get("groups", []))
    spawner = KubeSpawner(config=config, user=user, _mock=True, namespace="jupyterhub")
    if case.get("profile"):
        spawner.user_options = {"profile": case["profile"]}
    # KubeSpawner._start: load_user_options(), get_pod_manifest(), then modify_pod_hook.
    await spawner.load_user_options()
    pod = await spawner.get_pod_manifest()
    if spawner.modify_pod_hook:
        pod = await maybe_future(spawner.modify_pod_hook(spawner, pod))
    async with ApiClient() as api:
        return api.sanitize_for_serialization(pod)


async def main_async(request):
    config = chart_config(request["values"])
    db = orm.new_session_factory("sqlite:///:memory:")()
    results = []
    for case in request["cases"]:
        result = {"user": case["user"], "groups": case.get("groups", []), "pod": None, "error": None}
        try:
            result["pod"] = await build(config, db, case)
        except Exception as exc:  # reported, the test decides
            result["error"] = "%s: %s\n%s" % (type(exc).__name__, exc, traceback.format_exc())
        results.append(result)
    return results


def main():
    request = json.load(sys.stdin)
    results = asyncio.run(main_async(request))
    json.dump({"results": results}, sys.stdout, default=str)


if __name__ == "__main__":
    main()
