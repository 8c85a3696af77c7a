# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation of ``shared_resources.jupyterhub``: the flavour and what it needs.

Spec parsing: depends on validation.py only. jupyterhub.py and notebooks.py build what each
flavour is given from the JupyterHubSpec this returns.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import namedtuple

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec_admission import parse_admission
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.validation import (
    EVERYONE,
    check_bool,
    check_choice,
    check_keys,
    check_name,
    check_principals,
    check_string_list,
    describe_type,
)

FLAVORS = ("odh_jsp", "odh_notebooks", "z2jh")
# What people call the platforms, lower-cased without punctuation, and which flavour each one is.
_OPENSHIFT_AI = "Red Hat OpenShift AI (RHOAI, formerly RHODS) and ODH 2.x are flavor odh_notebooks"
FLAVOR_HINTS = dict(
    [(name, _OPENSHIFT_AI) for name in (
        "rhoai", "openshiftai", "redhatopenshiftai", "rhods", "openshiftdatascience", "redhatopenshiftdatascience", "odh2",
        "opendatahub2", "notebooks", "kubeflow", "workbenches")]
    + [(name, "ODH 2.x and Red Hat OpenShift AI are flavor odh_notebooks; ODH 1.x's JupyterHub is odh_jsp")
       for name in ("odh", "opendatahub")]
    + [(name, "ODH 1.x's JupyterHub (jupyterhub-singleuser-profiles) is flavor odh_jsp")
       for name in ("odh1", "opendatahub1", "jsp", "jupyterhubsingleuserprofiles", "singleuserprofiles", "odhjupyterhub")]
    + [(name, "Zero to JupyterHub (the jupyterhub Helm chart) is flavor z2jh")
       for name in ("zerotojupyterhub", "jupyterhub", "kubespawner", "z2h", "helm")]
)
GROUP_SOURCES = ("inventory", "openshift")
JUPYTERHUB_KEYS = (
    "flavor", "namespace", "groups_from", "images", "notebook_namespaces", "restart_running", "values_path", "z2jh", "admission",
)
# Fields that only one flavour reads: setting them for another one is a mistake worth reporting.
FLAVOR_FIELDS = {
    "namespace": "odh_jsp",
    "images": "odh_jsp",
    "notebook_namespaces": "odh_notebooks",
    "restart_running": "odh_notebooks",
    "values_path": "z2jh",
    "z2jh": "z2jh",
    "admission": "odh_notebooks",
}

JupyterHubSpec = namedtuple(
    "JupyterHubSpec",
    "flavor namespace groups_from images notebook_namespaces namespace_audiences restart_running values_path z2jh admission",
)
NOTEBOOK_NAMESPACE_KEYS = ("name", "groups")
Z2JH_KEYS = ("manage_groups",)
# manage_groups: whether the values file turns on Authenticator.manage_groups (groups from the login).
Z2jhSpec = namedtuple("Z2jhSpec", "manage_groups")


def _parse_notebook_namespace(collector, path, item, spec_namespace):
    """One ``notebook_namespaces`` entry: a name, or {name, groups}; returns (name, audience) or None.

    The audience of a namespace other than the share namespace is who may work in it (the members
    of a Data Science Project); it defaults to ``*``, every user. The share namespace has none:
    it already holds every claim, and each notebook there gets its owner's own access.
    """
    if isinstance(item, dict):
        check_keys(collector, path, item, NOTEBOOK_NAMESPACE_KEYS)
        name = item.get("name")
        if not check_name(collector, path + ".name", name, "namespace"):
            return None
        if "groups" not in item:
            audience = (EVERYONE,)
        elif name == spec_namespace:
            collector.add(
                path + ".groups",
                "the share namespace %r holds every claim and each notebook there gets its owner's access: "
                "remove groups, they only apply to other namespaces" % name,
            )
            return None
        else:
            audience = check_principals(collector, path + ".groups", item["groups"])
            if not audience:
                if item["groups"] == []:
                    collector.add(path + ".groups", "is empty: list the groups whose members work in %r, or '*'" % name)
                return None
    elif check_name(collector, path, item, "namespace"):
        name, audience = item, (EVERYONE,)
    else:
        return None
    return name, (None if name == spec_namespace else audience)


def _parse_notebook_namespaces(collector, data, spec_namespace):
    """The notebook namespaces as (names, {other namespace: audience}), or None when invalid."""
    if "notebook_namespaces" not in data:
        return (spec_namespace,), {}
    items = data["notebook_namespaces"]
    if not isinstance(items, list) or not items:
        collector.add(
            "jupyterhub.notebook_namespaces",
            "must be a non-empty list of namespaces, each a name or {name, groups}, got %r" % (items,),
        )
        return None
    audiences, valid = {}, True
    for position, item in enumerate(items):
        path = "jupyterhub.notebook_namespaces[%d]" % position
        parsed = _parse_notebook_namespace(collector, path, item, spec_namespace)
        if parsed is None:
            valid = False
        elif parsed[0] in audiences and audiences[parsed[0]] != parsed[1]:
            collector.add(path, "namespace %r is listed twice with different groups: list it once" % parsed[0])
            valid = False
        else:
            audiences.setdefault(*parsed)
    if not valid:
        return None
    others = dict((name, audience) for name, audience in audiences.items() if audience is not None)
    return tuple(audiences), others


def _parse_z2jh(collector, data):
    """The ``z2jh`` section (flavor z2jh): a Z2jhSpec with its defaults, or None when invalid."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        collector.add("jupyterhub.z2jh", "must be a mapping such as {manage_groups: true}, got %s" % describe_type(data))
        return None
    check_keys(collector, "jupyterhub.z2jh", data, Z2JH_KEYS)
    manage_groups = data.get("manage_groups", True)
    if not check_bool(collector, "jupyterhub.z2jh.manage_groups", manage_groups) or set(data) - set(Z2JH_KEYS):
        return None
    return Z2jhSpec(manage_groups=manage_groups)


def _check_flavor(collector, flavor):
    """A known flavour; a platform's own name (rhoai, openshift_ai, odh, ...) is answered with its flavour."""
    hint = None
    if isinstance(flavor, str) and flavor not in FLAVORS:
        hint = FLAVOR_HINTS.get("".join(character for character in flavor.lower() if character.isalnum()))
    if hint is None:
        return check_choice(collector, "jupyterhub.flavor", flavor, FLAVORS)
    collector.add("jupyterhub.flavor", "invalid value %r: %s; choose one of: %s" % (flavor, hint, ", ".join(FLAVORS)))
    return False


def parse_jupyterhub(collector, data, spec_namespace):
    """Validate the ``jupyterhub`` section; return a JupyterHubSpec, or None when absent or invalid."""
    if data is None:
        return None
    if not isinstance(data, dict):
        collector.add("jupyterhub", "must be a mapping with at least flavor (%s), got %s" % (", ".join(FLAVORS), describe_type(data)))
        return None
    check_keys(collector, "jupyterhub", data, JUPYTERHUB_KEYS)
    valid = True
    flavor = data.get("flavor")
    if "flavor" not in data:
        collector.add("jupyterhub.flavor", "missing: choose one of: %s" % ", ".join(FLAVORS))
        valid = False
    elif not _check_flavor(collector, flavor):
        valid = False
    else:
        for field in sorted(FLAVOR_FIELDS):
            if field in data and FLAVOR_FIELDS[field] != flavor:
                collector.add(
                    "jupyterhub.%s" % field,
                    "is only used with flavor %s, not %s: remove it" % (FLAVOR_FIELDS[field], flavor),
                )
                valid = False

    namespace = data.get("namespace", spec_namespace)
    if "namespace" in data and not check_name(collector, "jupyterhub.namespace", namespace, "namespace"):
        valid = False

    groups_from = data.get("groups_from", "inventory")
    if not check_choice(collector, "jupyterhub.groups_from", groups_from, GROUP_SOURCES):
        valid = False

    images = data.get("images")
    if images is not None:
        if not check_string_list(collector, "jupyterhub.images", images, "notebook image names such as s2i-minimal-notebook:v0.0.4"):
            valid = False
        elif not images:
            collector.add("jupyterhub.images", "is empty: list the images the shares are for, or remove it to mean every image")
            valid = False
        else:
            images = tuple(dict.fromkeys(images))

    notebook_namespaces = _parse_notebook_namespaces(collector, data, spec_namespace)
    if notebook_namespaces is None:
        valid = False

    restart_running = data.get("restart_running", False)
    if not check_bool(collector, "jupyterhub.restart_running", restart_running):
        valid = False

    values_path = data.get("values_path")
    if flavor == "z2jh" and values_path is None:
        collector.add("jupyterhub.values_path", "missing: flavor z2jh needs the path of the Helm values file to write")
        valid = False
    elif values_path is not None and (not isinstance(values_path, str) or not values_path.strip() or "\n" in values_path):
        collector.add("jupyterhub.values_path", "must be a file path such as /srv/helm/jupyterhub-shared-resources.yaml, got %r" % (values_path,))
        valid = False

    z2jh = None
    if flavor == "z2jh":
        z2jh = _parse_z2jh(collector, data.get("z2jh"))
        valid = valid and z2jh is not None

    admission = parse_admission(collector, data.get("admission"))
    if admission is None:
        valid = False

    if not valid:
        return None
    return JupyterHubSpec(
        flavor=flavor,
        namespace=namespace,
        groups_from=groups_from,
        images=images,
        notebook_namespaces=notebook_namespaces[0] if notebook_namespaces else (),
        namespace_audiences=notebook_namespaces[1] if notebook_namespaces else {},
        restart_running=restart_running,
        values_path=values_path,
        z2jh=z2jh,
        admission=admission,
    )
