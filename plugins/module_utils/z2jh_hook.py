# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The KubeSpawner ``modify_pod_hook`` that gives each Zero to JupyterHub user's pod its shares.

This module runs inside the hub of the zero-to-jupyterhub chart, not on the Ansible controller.
The values file of the ``z2jh`` flavour (``jupyterhub.z2jh_values``) carries its source, and the
sources of the modules it imports (access.py, validation.py), in one ``hub.extraConfig`` snippet:
:func:`load_package` loads them there as the package ``odh_rwx_shared_resources`` and
:func:`install` puts the hook in place with the spec's data. So the tier rules in the hub are
access.py's own, and the imports between these modules are relative: on the controller the same
files are ``ansible_collections.odh_rwx.shared_resources.plugins.module_utils``. Standard library
only (KubeSpawner's model helpers when the hub has them).

What the hook does to a pod, on top of whatever built it (the chart's values, a profile's
``kubespawner_override``, a ``modify_pod_hook`` configured before this one, which it calls first):

- the user's groups are the names of its JupyterHub groups (``spawner.user.groups``) plus the
  groups the collection's membership source (``shared_resources.users`` or OpenShift Groups) lists
  for the user, names compared as the hub's authenticator normalises them;
- every volume of a share is removed, whoever added it, with the mounts of those volumes; then
  each share those groups may see is added once (access.py), read-only in the volume source and
  the mount where the tiers say so, mounted in the notebook container;
- what every user gets (the LMod tree and environment, pod settings) is added where absent: a
  volume name, a mount path, an environment variable or a pod security setting the pod already
  has is left as the operator set it, and logged;
- ``supplementalGroups``: the gids of the mounted shares are added and the gids of the other
  shares removed; other gids stay.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import inspect
import json
import re
import sys
from collections import namedtuple

from . import access

HubShare = namedtuple("HubShare", "name volume_name claim_name mount_path gid readers writers")
HubSpec = namedtuple("HubSpec", "shares")

NOTEBOOK_CONTAINER = "notebook"
LOG_PREFIX = "odh_rwx.shared_resources: "
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def load_package(package, modules):
    """Load ``modules``, ``[(name, source)]`` with dependencies first, as the package ``package``.

    Each module is registered in ``sys.modules`` before it runs, so relative imports between them
    resolve, and stays importable afterwards (``import odh_rwx_shared_resources.z2jh_hook``).
    Self-contained (its imports are its own): the hub runs a copy of it before any module is loaded.
    """
    import sys
    import types

    root = types.ModuleType(package)
    root.__path__ = []
    sys.modules[package] = root
    for name, source in modules:
        module = types.ModuleType(package + "." + name)
        module.__package__ = package
        module.__file__ = "%s/%s.py" % (package, name)
        sys.modules[module.__name__] = module
        exec(compile(source, module.__file__, "exec"), module.__dict__)
        setattr(root, name, module)
    return root


# --------------------------------------------------------------------------
# Pod objects: KubeSpawner builds kubernetes_asyncio models, hooks and profiles may add dicts.


def snake_case(camel):
    return _CAMEL.sub("_", camel).lower()


def field(entry, camel):
    """``entry[camel]`` of a dict, or the snake_case attribute of a Kubernetes model; None when absent."""
    if entry is None:
        return None
    if isinstance(entry, dict):
        return entry.get(camel, entry.get(snake_case(camel)))
    return getattr(entry, snake_case(camel), None)


def set_field(entry, camel, value):
    if isinstance(entry, dict):
        entry.pop(snake_case(camel), None)
        entry[camel] = value
    else:
        setattr(entry, snake_case(camel), value)


def items(value):
    """A list from a list, a mapping (values in key order, as KubeSpawner sorts them) or None."""
    if value is None:
        return []
    if isinstance(value, dict):
        return [value[key] for key in sorted(value)]
    return list(value)


def kubespawner_models():
    """kind -> function(dict) -> the model KubeSpawner itself would build, or None outside the hub."""
    try:
        from kubernetes_asyncio.client.models import V1EnvVar, V1Volume, V1VolumeMount
        from kubespawner.utils import get_k8s_model
    except ImportError:
        return None

    def builder(model):
        return lambda value: get_k8s_model(model, value)

    return {"volume": builder(V1Volume), "volume_mount": builder(V1VolumeMount), "env": builder(V1EnvVar)}


def notebook_container(containers):
    for container in containers:
        if field(container, "name") == NOTEBOOK_CONTAINER:
            return container
    return containers[0]


class PodEditor(object):
    """Edits one pod; ``log`` is a logging.Logger (the spawner's), ``models`` from :func:`kubespawner_models`."""

    def __init__(self, pod, log, models=None, noted=None):
        self.pod = pod
        self.log = log
        self.models = models
        self.noted = noted if noted is not None else set()
        self.volumes = items(pod.spec.volumes)
        self.containers = items(pod.spec.containers)
        self.init_containers = items(getattr(pod.spec, "init_containers", None))
        self.notebook = notebook_container(self.containers)
        self.mounts = items(field(self.notebook, "volumeMounts"))

    def _new(self, kind, value):
        """A new pod entry from ``value``, which stays untouched: the hook's data serves every spawn."""
        value = copy.deepcopy(value)
        return self.models[kind](value) if self.models else value

    def _note_once(self, key, message, *args):
        if key not in self.noted:
            self.noted.add(key)
            self.log.warning(LOG_PREFIX + message, *args)

    def drop_volumes(self, is_dropped):
        """Remove the volumes for which ``is_dropped(volume)`` holds, and every mount of them."""
        dropped = set(field(volume, "name") for volume in self.volumes if is_dropped(volume))
        if not dropped:
            return dropped
        self.volumes = [volume for volume in self.volumes if field(volume, "name") not in dropped]
        for container in self.containers + self.init_containers:
            kept = [mount for mount in items(field(container, "volumeMounts")) if field(mount, "name") not in dropped]
            set_field(container, "volumeMounts", kept)
        self.mounts = items(field(self.notebook, "volumeMounts"))
        return dropped

    def add_volume(self, volume, mount, what):
        """Add ``volume`` and its ``mount`` in the notebook container, unless the name or the path is taken."""
        names = set(field(item, "name") for item in self.volumes)
        paths = set(field(item, "mountPath") for item in self.mounts)
        if volume["name"] in names or mount["mountPath"] in paths:
            self.log.error(
                LOG_PREFIX + "%s not mounted: the pod already has a volume named %s or a mount at %s",
                what, volume["name"], mount["mountPath"],
            )
            return False
        self.volumes.append(self._new("volume", volume))
        self.mounts.append(self._new("volume_mount", mount))
        return True

    def add_env(self, variables):
        """Set each ``{name, value | valueFrom}`` the notebook container does not set already."""
        env = items(field(self.notebook, "env"))
        present = dict((field(item, "name"), item) for item in env)
        for variable in variables:
            name = variable["name"]
            if name not in present:
                env.append(self._new("env", variable))
            elif field(present[name], "value") != variable.get("value"):
                self._note_once(("env", name), "environment variable %s is set by the pod's configuration: kept, not set to %r", name, variable.get("value"))
        set_field(self.notebook, "env", env)

    def security_context(self):
        context = self.pod.spec.security_context
        if context is None:
            context = {}
            self.pod.spec.security_context = context
        return context

    def add_security_settings(self, settings):
        """Set each pod securityContext field (camelCase) the pod does not set already."""
        context = self.security_context()
        for key in sorted(settings):
            current = field(context, key)
            if current is None:
                set_field(context, key, settings[key])
            elif current != settings[key]:
                self._note_once(("securityContext", key), "pod securityContext.%s is set by the pod's configuration: kept, not set to %r", key, settings[key])

    def set_supplemental_groups(self, add, remove):
        context = self.security_context()
        current = set(int(gid) for gid in field(context, "supplementalGroups") or [])
        wanted = sorted((current - set(remove)) | set(add))
        if isinstance(context, dict) and not wanted:
            context.pop("supplementalGroups", None)
            context.pop("supplemental_groups", None)
        else:
            set_field(context, "supplementalGroups", wanted or None)

    def add_pieces(self, pieces, what):
        """Volumes, mounts, env and pod settings of ``pieces`` (a ``{volumes, volume_mounts, env, security_context}``)."""
        mounts = dict((mount["name"], mount) for mount in pieces.get("volume_mounts") or [])
        for volume in pieces.get("volumes") or []:
            if volume["name"] in mounts:
                self.add_volume(volume, mounts[volume["name"]], "%s volume %s" % (what, volume["name"]))
        self.add_env(pieces.get("env") or [])
        self.add_security_settings(pieces.get("security_context") or {})

    def finish(self):
        self.pod.spec.volumes = self.volumes
        set_field(self.notebook, "volumeMounts", self.mounts)
        return self.pod


# --------------------------------------------------------------------------
# The hook


def _lower(name):
    return name.lower()


class ModifyPodHook(object):
    """The ``modify_pod_hook``: call the one configured before it, then give the pod the user's shares.

    Synchronous unless the previous hook returns an awaitable, so that a hook configured after
    this one can call it either way (KubeSpawner awaits what the hook returns when it must).
    """

    def __init__(self, data, previous=None):
        self.shares = tuple(
            HubShare(
                name=share["name"],
                volume_name=share["volume_name"],
                claim_name=share["claim_name"],
                mount_path=share["mount_path"],
                gid=share.get("gid"),
                readers=tuple(share["readers"]),
                writers=tuple(share["writers"]),
            )
            for share in data["shares"]
        )
        self.spec = HubSpec(self.shares)
        self.listed = data.get("users") or {}
        self.everyone = data.get("everyone") or {}
        self.with_share = data.get("with_share") or {}
        self.manage_groups = bool(data.get("manage_groups"))
        self.previous = previous
        self.noted = set()
        self._members = None

    def __deepcopy__(self, memo):
        # traitlets deep-copies configured values into each spawner: one hook, with its notes, serves them all.
        return self

    def __call__(self, spawner, pod):
        if self.previous is not None:
            pod = self.previous(spawner, pod)
            if inspect.isawaitable(pod):
                return self._after(spawner, pod)
        return self.apply(spawner, pod)

    async def _after(self, spawner, pending):
        return self.apply(spawner, await pending)

    def members(self, authenticator, log):
        """The membership list keyed by user name as the authenticator normalises it (groups merged)."""
        if self._members is None:
            normalize = getattr(authenticator, "normalize_username", None) or _lower
            members = {}
            for name in sorted(self.listed):
                try:
                    key = normalize(name)
                except Exception as exc:  # a PAM lookup of an unknown user, say: JupyterHub's default rule then
                    log.warning(LOG_PREFIX + "cannot normalise listed user %s (%s): matching it lower-cased", name, exc)
                    key = name.lower()
                members.setdefault(key, set()).update(self.listed[name])
            self._members = members
        return self._members

    def groups(self, spawner):
        """The names of the user's JupyterHub groups and of the groups the membership source lists for it."""
        user = spawner.user
        names = set(getattr(group, "name", group) for group in (getattr(user, "groups", None) or []))
        names.update(self.members(getattr(spawner, "authenticator", None), spawner.log).get(user.name, ()))
        return names

    def groups_managed(self, spawner):
        authenticator = getattr(spawner, "authenticator", None)
        return bool(getattr(authenticator, "manage_groups", self.manage_groups))

    def apply(self, spawner, pod):
        groups = self.groups(spawner)
        if not groups and not self.groups_managed(spawner) and ("no-groups", spawner.user.name) not in self.noted:
            self.noted.add(("no-groups", spawner.user.name))
            spawner.log.warning(
                LOG_PREFIX + "user %s has no group, and Authenticator.manage_groups is off: the pod gets only the shares "
                "every user gets. Let the authenticator manage groups (shared_resources.jupyterhub.z2jh.manage_groups), "
                "load them into JupyterHub (JupyterHub.load_groups, the REST API) or list the user in shared_resources.users.",
                spawner.user.name,
            )
        return self.edit(pod, access.access_for_groups(self.spec, groups), spawner.log, kubespawner_models())

    def edit(self, pod, accesses, log, models=None):
        """Give ``pod`` exactly ``accesses`` (access.py ShareAccess tuples) and what every user gets."""
        editor = PodEditor(pod, log, models, self.noted)
        names = set(share.volume_name for share in self.shares)
        claims = set(share.claim_name for share in self.shares)
        editor.drop_volumes(lambda volume: field(volume, "name") in names or field(field(volume, "persistentVolumeClaim"), "claimName") in claims)
        pieces = access.pod_volumes(accesses)
        mounted = set()
        for share_access, volume, mount in zip(accesses, pieces["volumes"], pieces["volume_mounts"]):
            if editor.add_volume(volume, mount, "share %s" % share_access.share.name):
                mounted.add(share_access.share)
        editor.add_pieces(self.everyone, "every user's")
        for share in self.shares:
            if share in mounted and share.name in self.with_share:
                editor.add_pieces(self.with_share[share.name], "share %s's" % share.name)
        gids = set(share.gid for share in mounted if share.gid is not None)
        editor.set_supplemental_groups(gids, set(share.gid for share in self.shares if share.gid is not None) - gids)
        return editor.finish()


def install(config, data):
    """Set ``config.KubeSpawner.modify_pod_hook`` to a ModifyPodHook of ``data`` (a mapping or its JSON text).

    The hook calls the ``modify_pod_hook`` configured before it. Returns the hook.
    """
    if not isinstance(data, dict):
        data = json.loads(data)
    section = config.KubeSpawner
    previous = section.modify_pod_hook if "modify_pod_hook" in section else None
    hook = ModifyPodHook(data, previous)
    section.modify_pod_hook = hook
    if data.get("manage_groups") and config.JupyterHub.get("load_groups"):
        # The hub's logging is not set up while it reads its configuration: stderr, as the chart's own messages.
        sys.stderr.write(
            LOG_PREFIX + "JupyterHub.load_groups is set and these values turn on Authenticator.manage_groups: JupyterHub "
            "refuses to start with both. Set shared_resources.jupyterhub.z2jh.manage_groups to false.\n"
        )
    return hook
