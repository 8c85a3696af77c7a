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
- ``z2jh`` (Zero to JupyterHub, KubeSpawner 7): a Helm values file with a ``hub.extraConfig``
  snippet that loads z2jh_hook.py (and access.py, whose rules it applies) in the hub and installs
  its ``modify_pod_hook`` with the spec's data; see :func:`z2jh_values`.
- ``odh_notebooks`` (ODH 2.x) lives in notebooks.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import inspect
import json
import os
import textwrap

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import access, manifests, z2jh_hook
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.data_plane import notebook_pod_settings
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.lmod import notebook_environment, z2jh_image
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import parse_users
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.yaml_text import plain_data


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


def jupyterhub_user_names(users):
    """``users`` (user -> groups) keyed by the name JupyterHub knows each user by: lower-case.

    JupyterHub lower-cases the name a user logs in with before anything compares it (the default
    ``Authenticator.normalize_username``, jupyterhub/auth.py); two spellings of one name are one
    JupyterHub user, whose groups are those of both.
    """
    merged = {}
    for user in sorted(users):
        merged.setdefault(user.lower(), []).extend(users[user])
    return dict((user, tuple(dict.fromkeys(groups))) for user, groups in merged.items())


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

    Profiles list users by the names JupyterHub gives them (:func:`jupyterhub_user_names`): JSP
    compares them with the spawner's user name.

    The LMod environment is set wherever the tree is mounted, never without it.

    Every listed user matches the everyone-profile and exactly one signature profile; the two
    carry disjoint shares, so the merged profile holds each of the user's shares once. A user
    nobody lists matches the everyone-profile only: the common shares (see
    :func:`common_accesses`), never a share outside ``*``. Signatures without users give no
    profile (``users: []`` would mean everyone), nor do signatures whose shares are all common.
    """
    users = jupyterhub_user_names(_users(spec, users))
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
    # JSP profiles carry env but no securityContext: the notebook settings' environment goes to every user.
    everyone_env = dict(notebook_pod_settings(spec)["env"])
    everyone_env.update(lmod["env"] if env_for_everyone else {})
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


# z2jh: Helm values whose hub.extraConfig snippet installs z2jh_hook's modify_pod_hook

# After the operator's own snippets: the chart runs hub.extraConfig in sorted key order
# (zero-to-jupyterhub-k8s jupyterhub/files/hub/jupyterhub_config.py, "execute hub.extraConfig entries").
Z2JH_CONFIG_KEY = "zz-odh-rwx-shared-resources"
Z2JH_PACKAGE = "odh_rwx_shared_resources"
Z2JH_HEADER = """\
# Generated by odh_rwx.shared_resources (role jupyterhub, flavor z2jh): change the inventory and rerun the role.
# Gives each user's notebook pod the shares of its groups, each once, read-only where the tier says so, with
# their gids as supplementalGroups. The modules below are the collection's own plugins/module_utils files,
# loaded as the package %(package)s; the hook calls any c.KubeSpawner.modify_pod_hook set before it.
# A snippet that sorts after %(key)s and sets c.KubeSpawner.modify_pod_hook must call the hook it replaces.
"""


def _absolute_collection_import(node):
    """The Ansible module an import statement names absolutely, or None."""
    if isinstance(node, ast.ImportFrom):
        names = [node.module or ""] if node.level == 0 else []
    elif isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        return None
    return next((name for name in names if name.split(".")[0] in ("ansible", "ansible_collections")), None)


def hub_modules(name="z2jh_hook"):
    """``[(module name, source)]``: ``name`` and the module_utils it imports relatively, dependencies first.

    These run in the hub, where the collection is not installed: each may import the others only
    relatively (``from . import access``). An absolute import of the collection is a bug, refused here.
    """
    directory = os.path.dirname(os.path.abspath(__file__))
    ordered, seen = [], set()

    def visit(module):
        if module in seen:
            return
        seen.add(module)
        with open(os.path.join(directory, module + ".py")) as handle:
            source = handle.read()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                for dependency in [node.module] if node.module else [alias.name for alias in node.names]:
                    visit(dependency)
            elif _absolute_collection_import(node):
                raise ValueError(
                    "%s.py imports %s: code the z2jh hub runs may import the collection only relatively"
                    % (module, _absolute_collection_import(node))
                )
        if "'''" in source or source.endswith("\\"):
            raise ValueError("%s.py cannot be embedded in a raw ''' string" % module)
        ordered.append((module, source))

    visit(name)
    return ordered


def hook_data(spec, users=None):
    """What z2jh_hook.ModifyPodHook works from: the shares and their principals, the membership, what every user gets."""
    lmod = notebook_environment(spec)
    lmod_pieces = {"volumes": lmod["volumes"], "volume_mounts": lmod["volume_mounts"], "env": _env_list(lmod["env"])}
    tree_share = spec.lmod.share if spec.lmod is not None else None
    settings = notebook_pod_settings(spec)
    everyone = {"env": _env_list(settings["env"]), "security_context": settings["security_context"]}
    if tree_share is None:
        everyone.update(volumes=lmod_pieces["volumes"], volume_mounts=lmod_pieces["volume_mounts"], env=everyone["env"] + lmod_pieces["env"])
    return {
        "shares": [
            {
                "name": share.name,
                "volume_name": share.volume_name,
                "claim_name": share.claim_name,
                "mount_path": share.mount_path,
                "gid": share.gid,
                "readers": list(share.readers),
                "writers": list(share.writers),
            }
            for share in spec.shares
        ],
        "users": dict((user, list(groups)) for user, groups in sorted(_users(spec, users).items()) if groups),
        # The notebook pod settings are for everyone; the LMod environment goes with the tree:
        # for everyone, or for those who mount its share.
        "everyone": everyone,
        "with_share": {tree_share: lmod_pieces} if tree_share is not None else {},
        "manage_groups": spec.jupyterhub.z2jh.manage_groups,
    }


def _raw_string(text):
    return "r'''" + text + "'''"


def z2jh_snippet(spec, users=None):
    """The ``hub.extraConfig`` snippet: loads z2jh_hook and its dependencies, then installs the hook with :func:`hook_data`.

    The data is JSON with ``'`` escaped, so that it fits a raw ``'''`` string whatever names it holds.
    """
    data = json.dumps(plain_data(hook_data(spec, users)), indent=1, sort_keys=True).replace("'", "\\u0027")
    loader = textwrap.indent(inspect.getsource(z2jh_hook.load_package), "    ")
    modules = "".join("        (%r, %s),\n" % (name, _raw_string(source)) for name, source in hub_modules())
    return "".join(
        [
            Z2JH_HEADER % {"package": Z2JH_PACKAGE, "key": Z2JH_CONFIG_KEY},
            "def _odh_rwx_shared_resources(c):\n",
            "    # z2jh_hook.load_package\n",
            loader,
            "    modules = [\n",
            modules,
            "    ]\n",
            "    hook_data = %s\n" % _raw_string(data),
            "    load_package(%r, modules).z2jh_hook.install(c, hook_data)\n" % Z2JH_PACKAGE,
            "\n\n_odh_rwx_shared_resources(c)\ndel _odh_rwx_shared_resources\n",
        ]
    )


def z2jh_values(spec, users=None):
    """Helm values for the zero-to-jupyterhub chart: only keys Helm merges into the operator's values.

    Every pod setting (shares, LMod) is made by the hook, none by ``singleuser`` values: Helm's
    ``-f theirs.yaml -f ours.yaml`` replaces lists, and ``singleuser.storage.extraVolumes`` and
    ``extraVolumeMounts`` are lists before chart 4.3.0 and may be lists after; the hook also leaves
    an operator's environment variable of the same name alone, and sets the LMod environment only
    for the users who mount the tree. What is left are mappings in mappings that every chart from
    4.0.0 to 4.4.0 accepts: a ``hub.extraConfig`` entry, unless ``z2jh.manage_groups`` is false the
    pass-through ``hub.config.Authenticator.manage_groups``, and with ``lmod.notebook_image`` the
    ``singleuser.image`` name and tag.
    """
    hub = {"extraConfig": {Z2JH_CONFIG_KEY: z2jh_snippet(spec, users)}}
    if spec.jupyterhub.z2jh.manage_groups:
        hub["config"] = {"Authenticator": {"manage_groups": True}}
    values = {"hub": hub}
    # The notebook image with Lmod (lmod.notebook_image) as every user's image: a mapping of
    # scalars, which Helm merges; a profileList entry would replace the operator's whole list.
    image = z2jh_image(spec)
    if image is not None:
        values["singleuser"] = {"image": image}
    return values
