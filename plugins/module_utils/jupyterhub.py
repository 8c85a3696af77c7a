# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The notebook side: validation of ``shared_resources.jupyterhub`` and what each JupyterHub flavour is given.

Plain Python, no Ansible import, like spec.py and access.py.

- ``odh_jsp`` (ODH 1.x, jupyterhub-singleuser-profiles 0.7.0): ConfigMaps of profiles in the
  hub namespace. JSP has no groups, merges every profile that matches a user by concatenating
  their ``volumes`` (two entries of one share give a pod with two volumes of one name, which
  the API server rejects) and treats a profile whose ``users`` is missing, empty or holds
  ``*`` as a profile for every user. The rule used here, see :func:`jsp_profiles`: a share goes
  into the everyone-profile only when every user, listed or not, gets it in the same mode;
  every other share goes into exactly one profile per access signature, listing its users.
  JSP 0.7.0 cannot set supplemental groups, nor ``readOnly`` on a mount (only on the volume).
- ``z2jh`` (Zero to JupyterHub, KubeSpawner 7): a Helm values file whose static volumes carry
  what every user gets, and a ``modify_pod_hook`` with the mapping embedded as JSON and a
  self-contained evaluator of the same tier rules as access.py.
- ``odh_notebooks`` (ODH 2.x) lives in notebooks.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import access, manifests
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.lmod import notebook_environment, z2jh_image
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import parse_users


# --------------------------------------------------------------------------
# Membership


def users_from_groups(groups):
    """user -> sorted group names, from OpenShift ``user.openshift.io/v1`` Group objects (their ``users`` lists)."""
    users = {}
    for group in groups or []:
        name = (group.get("metadata") or {}).get("name")
        if not name:
            continue
        for user in group.get("users") or []:
            if isinstance(user, str) and user:
                users.setdefault(user, set()).add(name)
    return dict((user, sorted(names)) for user, names in sorted(users.items()))


def _users(spec, users):
    """The user -> groups map to use: ``users`` when given (validated), else the spec's."""
    if users is None:
        return dict(spec.users)
    return parse_users(users)


# --------------------------------------------------------------------------
# odh_jsp: jupyterhub-singleuser-profiles ConfigMaps

JSP_LABEL = "jupyterhub"
JSP_LABEL_VALUE = "singleuser-profiles"
JSP_DATA_KEY = "jupyterhub-singleuser-profiles.yaml"
JSP_COMPONENT = "jupyterhub-profiles"
JSP_CONFIG_MAP_PREFIX = "odh-rwx-profiles-"
JSP_EVERYONE = "everyone"
JSP_PROFILE_PREFIX = "odh-rwx shared resources: "
JSP_BASE_CONFIG_MAP = "jupyter-singleuser-profiles"


def common_accesses(spec, accesses_by_user):
    """The shares every user gets in one same mode, listed or not.

    A user JupyterHub knows but the membership source does not list has no known group:
    it gets what ``*`` grants. A share is common when ``*`` grants it and every listed user
    gets it in exactly that mode. A share ``*`` may read but some listed users may write is
    not common: an everyone-profile carrying it read-only plus a profile carrying it
    read-write would give those writers two volumes of one name.
    """
    baseline = access.access_for_groups(spec, ())
    modes = {}
    for accesses in set(accesses_by_user.values()):
        for item in accesses:
            modes.setdefault(item.share.name, set()).add(item.mode)
    common = [item for item in baseline if modes.get(item.share.name, set([item.mode])) == set([item.mode])]
    return tuple(common)


def jsp_volume(item):
    """A JSP profile volume entry; JSP derives the pod volume name from ``name`` (kept as is: already a DNS label)."""
    return {
        "name": item.share.volume_name,
        "persistentVolumeClaim": {"claimName": item.share.claim_name, "readOnly": item.mode != "rw"},
        "mountPath": item.share.mount_path,
    }


def _env_list(env):
    return [{"name": name, "value": env[name]} for name in sorted(env)]


def jsp_profiles(spec, users=None):
    """``[(suffix, profile)]``: the everyone-profile (when it carries anything), then one per access signature.

    The LMod environment is set wherever the tree is mounted, never without it.

    Every listed user matches the everyone-profile and exactly one signature profile; the two
    carry disjoint shares, so the merged profile holds each of the user's shares once. A user
    nobody lists matches the everyone-profile only: the common shares (see
    :func:`common_accesses`), never a share outside ``*``. Signatures without users give no
    profile (``users: []`` would mean everyone), nor do signatures whose shares are all common.
    """
    users = _users(spec, users)
    accesses_by_user = access.access_by_user(spec, users)
    common = common_accesses(spec, accesses_by_user)
    common_names = set(item.share.name for item in common)
    lmod = notebook_environment(spec)
    images = list(spec.jupyterhub.images) if spec.jupyterhub is not None and spec.jupyterhub.images else None

    def profile(name, profile_users, volumes, env=None):
        body = {"name": JSP_PROFILE_PREFIX + name, "users": profile_users}
        if images:
            body["images"] = images
        if env:
            body["env"] = _env_list(env)
        if volumes:
            body["volumes"] = volumes
        return body

    # The LMod environment goes with the tree: in the everyone-profile when the tree has a claim
    # of its own or sits on a common share, else with the signatures that mount its share.
    tree_share = getattr(spec.lmod, "share", None) if getattr(spec, "lmod", None) is not None else None
    env_for_everyone = tree_share is None or tree_share in common_names

    profiles = []
    everyone_volumes = [jsp_volume(item) for item in common] + [
        {
            "name": volume["name"],
            "persistentVolumeClaim": dict(volume["persistentVolumeClaim"]),
            "mountPath": _mount_path(lmod["volume_mounts"], volume["name"]),
        }
        for volume in lmod["volumes"]
    ]
    everyone_env = lmod["env"] if env_for_everyone else {}
    if everyone_volumes or everyone_env:
        profiles.append((JSP_EVERYONE, profile("every user", ["*"], everyone_volumes, everyone_env)))
    # ConfigMaps are numbered in signature-id order rather than named by id: a change that
    # alters every signature (a new share for everyone) then updates them in place instead of
    # deleting and recreating each one.
    for signature in access.group_by_signature(accesses_by_user):
        own = [jsp_volume(item) for item in signature.accesses if item.share.name not in common_names]
        env = {}
        if not env_for_everyone and any(item.share.name == tree_share for item in signature.accesses):
            env = lmod["env"]
        if signature.users and (own or env):
            number = len([suffix for suffix, _body in profiles if suffix != JSP_EVERYONE]) + 1
            profiles.append(("%03d" % number, profile(signature.id, list(signature.users), own, env)))
    return profiles


def _mount_path(mounts, name):
    for mount in mounts:
        if mount["name"] == name:
            return mount["mountPath"]
    raise ValueError("no mount for volume %r" % name)


def jsp_profile_configmaps(spec, users=None):
    """One ConfigMap per profile of :func:`jsp_profiles`, in the hub namespace, labelled for JSP and the collection.

    The data is JSON, which is YAML too: JSP reads it with ``yaml.load`` and the text is stable.
    """
    namespace = spec.jupyterhub.namespace if spec.jupyterhub is not None else spec.namespace
    config_maps = []
    for suffix, profile in jsp_profiles(spec, users):
        labels = manifests.managed_labels(JSP_COMPONENT, **{JSP_LABEL: JSP_LABEL_VALUE})
        config_maps.append(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": JSP_CONFIG_MAP_PREFIX + suffix, "namespace": namespace, "labels": labels},
                "data": {JSP_DATA_KEY: json.dumps({"profiles": [profile]}, indent=2, sort_keys=True) + "\n"},
            }
        )
    return config_maps


def jsp_selector():
    return manifests.managed_selector(JSP_COMPONENT)


# --------------------------------------------------------------------------
# z2jh: Helm values with a KubeSpawner modify_pod_hook

Z2JH_CONFIG_KEY = "odhRwxSharedResources"

# Runs inside the hub (z2jh exec()s hub.extraConfig entries with ``c`` in scope). It imports
# nothing from the collection: the mapping is embedded as JSON below, and the evaluator
# repeats access.py's rules (tests prove both agree). modify_pod_hook rather than
# pre_spawn_hook: KubeSpawner 7 calls it on the final V1Pod, after profile_list overrides,
# pod_security_context and extraPodConfig have been applied, so nothing undoes its edits.
HOOK_TEMPLATE = r'''# Generated by odh_rwx.shared_resources: edit the shared_resources spec, not this snippet.
# Gives each user's pod the shares of its JupyterHub groups (spawner.user.groups), each once,
# read-only where the tiers say so (volume and mount), with the tier gids as supplementalGroups.
import inspect as _odh_rwx_inspect
import json as _odh_rwx_json

ODH_RWX_MAPPING = _odh_rwx_json.loads(%(data)s)


def odh_rwx_accesses(groups):
    """[(share, 'rw' | 'ro')] for a member of groups, in spec order: the rules of access.py."""
    groups = set(groups)
    result = []
    for share in ODH_RWX_MAPPING["shares"]:
        if "*" in share["writers"] or groups.intersection(share["writers"]):
            result.append((share, "rw"))
        elif "*" in share["readers"] or groups.intersection(share["readers"]):
            result.append((share, "ro"))
    return result


def _odh_rwx_items(value):
    """A list of entries from a list, a dict (values in key order, as KubeSpawner sorts them) or None."""
    if value is None:
        return []
    if isinstance(value, dict):
        return [value[key] for key in sorted(value)]
    return list(value)


def _odh_rwx_field(entry, camel, snake):
    if isinstance(entry, dict):
        return entry.get(camel, entry.get(snake))
    return getattr(entry, snake, None)


def _odh_rwx_claim(volume):
    source = _odh_rwx_field(volume, "persistentVolumeClaim", "persistent_volume_claim")
    return _odh_rwx_field(source, "claimName", "claim_name") if source is not None else None


def _odh_rwx_container(pod):
    containers = _odh_rwx_items(pod.spec.containers)
    for container in containers:
        if _odh_rwx_field(container, "name", "name") == "notebook":
            return container
    return containers[0]


def _odh_rwx_set(entry, camel, snake, value):
    if isinstance(entry, dict):
        entry[camel] = value
    else:
        setattr(entry, snake, value)


def odh_rwx_apply(pod, groups, log=None):
    """Edit pod (a V1Pod whose lists hold models or dicts) for a member of groups; return it."""
    accesses = odh_rwx_accesses(groups)
    shares = ODH_RWX_MAPPING["shares"]
    ours = set(share["volume"] for share in shares) | set(share["claim"] for share in shares)
    # 1. Drop every volume of a share, whoever added it, and the mounts of those volumes.
    volumes = _odh_rwx_items(pod.spec.volumes)
    dropped = set()
    kept = []
    for volume in volumes:
        name = _odh_rwx_field(volume, "name", "name")
        if name in ours or _odh_rwx_claim(volume) in ours:
            dropped.add(name)
        else:
            kept.append(volume)
    containers = _odh_rwx_items(pod.spec.containers)
    for container in containers:
        mounts = _odh_rwx_items(_odh_rwx_field(container, "volumeMounts", "volume_mounts"))
        _odh_rwx_set(container, "volumeMounts", "volume_mounts", [m for m in mounts if _odh_rwx_field(m, "name", "name") not in dropped])
    pod.spec.containers = containers
    # 2. Add each share the user may see, once, unless another volume holds its name or path.
    notebook = _odh_rwx_container(pod)
    mounts = _odh_rwx_field(notebook, "volumeMounts", "volume_mounts")
    names = set(_odh_rwx_field(volume, "name", "name") for volume in kept)
    paths = set(_odh_rwx_field(mount, "mountPath", "mount_path") for mount in mounts)
    gids = set()
    for share, mode in accesses:
        if share["volume"] in names or share["path"] in paths:
            if log is not None:
                log.error("odh_rwx: share %%s not mounted: volume name %%s or path %%s is taken", share["name"], share["volume"], share["path"])
            continue
        read_only = mode == "ro"
        kept.append({"name": share["volume"], "persistentVolumeClaim": {"claimName": share["claim"], "readOnly": read_only}})
        mounts.append({"name": share["volume"], "mountPath": share["path"], "readOnly": read_only})
        names.add(share["volume"])
        paths.add(share["path"])
        if share["gid"] is not None:
            gids.add(share["gid"])
    pod.spec.volumes = kept
    # 3. supplementalGroups: the gids of the mounted shares; tier gids of other shares removed.
    foreign = set(share["gid"] for share in shares if share["gid"] is not None) - gids
    context = pod.spec.security_context
    if context is None:
        context = {}
        pod.spec.security_context = context
    current = _odh_rwx_field(context, "supplementalGroups", "supplemental_groups") or []
    wanted = sorted((set(int(gid) for gid in current) - foreign) | gids)
    _odh_rwx_set(context, "supplementalGroups", "supplemental_groups", wanted or None)
    if isinstance(context, dict) and not wanted:
        context.pop("supplementalGroups", None)
    return pod


def odh_rwx_groups(user):
    return sorted(getattr(group, "name", group) for group in (getattr(user, "groups", None) or []))


_odh_rwx_previous_hook = c.KubeSpawner.modify_pod_hook if "modify_pod_hook" in c.KubeSpawner else None


async def odh_rwx_modify_pod_hook(spawner, pod):
    if _odh_rwx_previous_hook is not None:
        pod = _odh_rwx_previous_hook(spawner, pod)
        if _odh_rwx_inspect.isawaitable(pod):
            pod = await pod
    return odh_rwx_apply(pod, odh_rwx_groups(spawner.user), spawner.log)


c.KubeSpawner.modify_pod_hook = odh_rwx_modify_pod_hook
'''


def hook_data(spec):
    """The mapping the hook embeds: every share with its principals, claim, path and gid."""
    return {
        "shares": [
            {
                "name": share.name,
                "volume": share.volume_name,
                "claim": share.claim_name,
                "path": share.mount_path,
                "gid": share.gid,
                "readers": list(share.readers),
                "writers": list(share.writers),
            }
            for share in spec.shares
        ]
    }


def hook_snippet(spec):
    data = json.dumps(hook_data(spec), sort_keys=True, separators=(",", ":"))
    return HOOK_TEMPLATE % {"data": repr(data)}


def z2jh_values(spec):
    """Helm values for the zero-to-jupyterhub chart.

    Volumes and mounts as mappings keyed by volume name: Helm merges mappings across values
    files (a list would replace the operator's own extraVolumes), and the chart accepts both.
    The static part is what every user gets (``*``), in the mode every user gets at least;
    the hook removes, adds and upgrades per user.
    """
    baseline = access.access_for_groups(spec, ())
    pieces = access.pod_volumes(baseline)
    lmod = notebook_environment(spec)
    volumes = dict((volume["name"], volume) for volume in pieces["volumes"] + lmod["volumes"])
    mounts = dict((mount["name"], mount) for mount in pieces["volume_mounts"] + lmod["volume_mounts"])
    singleuser = {"storage": {"extraVolumes": volumes, "extraVolumeMounts": mounts}}
    if lmod["env"]:
        singleuser["extraEnv"] = dict(lmod["env"])
    # The notebook image with Lmod (lmod.notebook_image) as every user's image: a mapping, which
    # Helm merges; a profileList entry would replace the operator's whole list.
    image = z2jh_image(spec)
    if image is not None:
        singleuser["image"] = image
    return {"singleuser": singleuser, "hub": {"extraConfig": {Z2JH_CONFIG_KEY: hook_snippet(spec)}}}
