# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parse and validate the ``shared_resources`` spec.

This module is plain Python on purpose: Ansible modules and filters use it,
and so do hooks running inside JupyterHub, which have no Ansible installed.
Validation collects every problem of the whole spec before anything is
returned, and each message names the field path, the bad value and the fix.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import posixpath
from collections import namedtuple

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.validation import (
    EVERYONE,
    RESERVED_MOUNT_PATHS,
    Collector,
    SpecError,
    check_bool,
    check_gid,
    check_keys,
    check_mapping,
    check_name,
    check_principals,
    check_quantity,
    check_subdomain,
    check_text,
    describe_type,
    normalized_path,
    suggest,
)
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec_jupyterhub import parse_jupyterhub
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec_lmod import parse_lmod
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec_permissions import DEFAULT_PERMISSIONS, parse_permissions
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec_storage import STATIC_VOLUME_BACKENDS, parse_storage_class

DEFAULT_MOUNT_ROOT = "/opt/app-root/src/shared"
VOLUME_NAME_PREFIX = "shared-"


TOP_LEVEL_KEYS = (
    "namespace",
    "tiers",
    "shares",
    "users",
    "create_namespace",
    "storage_class",
    "quota",
    "lmod",
    "jupyterhub",
    "permissions",
)
TIER_KEYS = ("readers", "writers", "gid", "restricted", "description")
SHARE_KEYS = (
    "name",
    "tier",
    "size",
    "claim_name",
    "mount_path",
    "readers",
    "writers",
    "gid",
    "display_name",
    "description",
    "dashboard",
    "directories",
    "adopt",
)
QUOTA_KEYS = ("storage", "claims")

Tier = namedtuple("Tier", "name readers writers gid restricted description")
Share = namedtuple(
    "Share",
    "index name tier size claim_name mount_path readers writers gid restricted display_name description volume_name "
    "dashboard directories adopt",
)


class SharedResourcesSpec(object):
    """A validated spec: tiers by name, shares in declaration order, users."""

    def __init__(
        self, namespace, tiers, shares, users, storage_class=None, quota=None, create_namespace=False, lmod=None, jupyterhub=None,
        permissions=DEFAULT_PERMISSIONS,
    ):
        self.namespace = namespace
        self.tiers = tiers
        self.shares = shares
        self.users = users
        self.storage_class = storage_class
        self.quota = quota or {}
        self.create_namespace = create_namespace
        self.lmod = lmod
        self.jupyterhub = jupyterhub
        self.permissions = permissions

    def share(self, name):
        for share in self.shares:
            if share.name == name:
                return share
        raise KeyError(name)


def volume_name(share_name):
    """The pod volume name of a share: a DNS-1123 label unique per share name."""
    name = VOLUME_NAME_PREFIX + share_name
    if len(name) <= 63:
        return name
    digest = hashlib.sha256(share_name.encode("utf-8")).hexdigest()[:8]
    return name[: 63 - len(digest) - 1].rstrip("-") + "-" + digest


def default_mount_path(tier_name, share_name):
    return "%s/%s/%s" % (DEFAULT_MOUNT_ROOT, tier_name, share_name)


def _parse_tiers(collector, data):
    if not isinstance(data, dict) or not data:
        collector.add("tiers", "must be a non-empty mapping of tier name to {readers, writers, gid}")
        return {}
    tiers = {}
    for name in sorted(data, key=str):
        path = "tiers.%s" % (name,)
        body = data[name]
        if not check_name(collector, path, name, "tier name"):
            continue
        if not isinstance(body, dict):
            collector.add(path, "must be a mapping with readers, writers and gid, got %s" % describe_type(body))
            continue
        check_keys(collector, path, body, TIER_KEYS)
        restricted = body.get("restricted", False)
        if not check_bool(collector, path + ".restricted", restricted):
            restricted = False
        if "gid" not in body:
            collector.add(path + ".gid", "missing: every tier needs the gid that owns its directories")
        else:
            check_gid(collector, path + ".gid", body["gid"])
        tiers[name] = Tier(
            name=name,
            readers=check_principals(collector, path + ".readers", body.get("readers", []), restricted),
            writers=check_principals(collector, path + ".writers", body.get("writers", []), restricted),
            gid=body.get("gid"),
            restricted=restricted,
            description=_text_or_none(collector, path + ".description", body.get("description")),
        )
    return tiers


def _text_or_none(collector, path, value):
    return value if check_text(collector, path, value) else None


def _check_mount_path(collector, path, value):
    if not isinstance(value, str) or not value.startswith("/"):
        collector.add(path, "invalid mount path %r: use an absolute path such as /opt/app-root/src/shared/data" % (value,))
        return None
    normalized = normalized_path(value)
    if normalized != value:
        collector.add(path, "mount path %r is not normalized: write it as %r" % (value, normalized))
        return None
    if value in RESERVED_MOUNT_PATHS:
        collector.add(
            path,
            "mount path %r is reserved (the notebook home or a system path): mount the share below it" % (value,),
        )
        return None
    return value


def share_path(position, name):
    """``shares[3] (cohort-studies)``: a share's field path, with its name whenever it has one to show."""
    if isinstance(name, str) and name.strip() and name.isprintable():
        return "shares[%d] (%s)" % (position, name)
    return "shares[%d]" % position


def _parse_share(collector, position, data, tiers):
    path = share_path(position, data.get("name") if isinstance(data, dict) else None)
    if not isinstance(data, dict):
        collector.add(path, "must be a mapping with name, tier and size, got %s" % describe_type(data))
        return None
    check_keys(collector, path, data, SHARE_KEYS)
    for required in ("name", "tier", "size"):
        if required not in data:
            collector.add("%s.%s" % (path, required), "missing: every share needs name, tier and size")
    name = data.get("name")
    name_ok = "name" in data and check_name(collector, path + ".name", name, "share name")
    tier_name = data.get("tier")
    tier = tiers.get(tier_name) if isinstance(tier_name, str) else None
    if "tier" in data and tier is None:
        collector.add(
            path + ".tier",
            "unknown tier %r%s; known tiers: %s" % (tier_name, suggest(tier_name, tiers), ", ".join(sorted(tiers)) or "none"),
        )
    if "size" in data:
        check_quantity(collector, path + ".size", data["size"])

    claim_name = data.get("claim_name", name)
    if "claim_name" in data:
        check_subdomain(collector, path + ".claim_name", claim_name, "claim name")
    mount_path = None
    if "mount_path" in data:
        mount_path = _check_mount_path(collector, path + ".mount_path", data["mount_path"])
    elif name_ok and tier is not None:
        mount_path = default_mount_path(tier.name, name)

    restricted = tier.restricted if tier is not None else False
    readers = tier.readers if tier is not None else ()
    writers = tier.writers if tier is not None else ()
    if "readers" in data:
        readers = check_principals(collector, path + ".readers", data["readers"], restricted)
    if "writers" in data:
        writers = check_principals(collector, path + ".writers", data["writers"], restricted)
    gid = tier.gid if tier is not None else None
    if "gid" in data and check_gid(collector, path + ".gid", data["gid"]):
        gid = data["gid"]
    if "adopt" in data:
        check_bool(collector, path + ".adopt", data["adopt"])
    if not name_ok or tier is None:
        return None
    return Share(
        index=position,
        name=name,
        tier=tier.name,
        size=data.get("size"),
        claim_name=claim_name,
        mount_path=mount_path,
        readers=readers,
        writers=writers,
        gid=gid,
        restricted=restricted,
        display_name=_text_or_none(collector, path + ".display_name", data.get("display_name")),
        description=_text_or_none(collector, path + ".description", data.get("description")),
        volume_name=volume_name(name),
        dashboard=_dashboard_flag(collector, path + ".dashboard", data.get("dashboard", False), writers),
        directories=_directories(collector, path + ".directories", data.get("directories", [])),
        adopt=_bool_or_false(collector, path + ".adopt", data.get("adopt", False)),
    )


def _bool_or_false(collector, path, value):
    return value if check_bool(collector, path, value) else False


def _dashboard_flag(collector, path, value, writers):
    if not check_bool(collector, path, value):
        return False
    if value and EVERYONE not in writers:
        collector.add(
            path,
            "the ODH dashboard lets every project member attach a labelled PVC read-write: "
            "label only shares everybody may write (writers: ['*'])",
        )
        return False
    return value


def _directories(collector, path, value):
    """Relative directories created inside the share, e.g. [raw, curated/2026]."""
    if not isinstance(value, list):
        collector.add(path, "must be a list of relative directory paths, got %s" % describe_type(value))
        return ()
    for position, item in enumerate(value):
        item_path = "%s[%d]" % (path, position)
        if not isinstance(item, str) or not item or item.startswith("/") or posixpath.normpath(item) != item or item.startswith(".."):
            collector.add(item_path, "invalid directory %r: use a normalized relative path such as raw/2026" % (item,))
        elif any(character.isspace() for character in item):
            collector.add(item_path, "invalid directory %r: spaces are not allowed" % (item,))
    return tuple(value)


def _check_unique(collector, shares, attribute, what):
    seen = {}
    for share in shares:
        value = getattr(share, attribute)
        if value is None:
            continue
        if value in seen:
            collector.add(
                "%s.%s" % (share_path(share.index, share.name), attribute),
                "duplicate %s %r, already used by %s: give each share its own"
                % (what, value, share_path(seen[value].index, seen[value].name)),
            )
        else:
            seen[value] = share


def _check_tier_gids_unique(collector, tiers, declared):
    """Two tiers on one gid would let members of one into the other's directories; both are named."""
    tier_by_gid = {}
    for name in declared:
        tier = tiers.get(name)
        if tier is None or not isinstance(tier.gid, int):
            continue
        first = tier_by_gid.setdefault(tier.gid, tier.name)
        if first != tier.name:
            collector.add(
                "tiers.%s.gid" % tier.name,
                "gid %d is also tiers.%s.gid: tiers %r and %r would let each other's members into their directories; "
                "give each tier its own gid" % (tier.gid, first, first, tier.name),
            )


def _parse_shares(collector, data, tiers):
    if not isinstance(data, list) or not data:
        collector.add("shares", "must be a non-empty list of shares ({name, tier, size})")
        return ()
    shares = [_parse_share(collector, position, item, tiers) for position, item in enumerate(data)]
    shares = tuple(share for share in shares if share is not None)
    _check_unique(collector, shares, "name", "share name")
    _check_unique(collector, shares, "claim_name", "claim name")
    _check_unique(collector, shares, "mount_path", "mount path")
    return shares


def parse_users(data, path="users", collector=None):
    """Validate a user -> groups mapping; return it with group lists as tuples."""
    own = collector is None
    collector = collector or Collector()
    users = {}
    if data is None:
        data = {}
    if not isinstance(data, dict):
        collector.add(path, "must be a mapping of user name to a list of groups, got %s" % describe_type(data))
    else:
        for user in sorted(data, key=str):
            groups = data[user]
            user_path = "%s.%s" % (path, user)
            if not isinstance(user, str) or not user or user == EVERYONE:
                collector.add(user_path, "invalid user name %r" % (user,))
                continue
            if groups is None:
                groups = []
            if not isinstance(groups, list) or not all(isinstance(group, str) and group for group in groups):
                collector.add(user_path, "must be a list of group names, got %r" % (groups,))
                continue
            users[user] = tuple(dict.fromkeys(groups))
    if own:
        collector.raise_if_any()
    return users


def _parse_quota(collector, data, storage_class):
    if data is None or not check_mapping(collector, "quota", data, "storage and claims limits"):
        return {}
    check_keys(collector, "quota", data, QUOTA_KEYS)
    if not data:
        collector.add("quota", "set storage and/or claims, or remove quota")
    if "storage" in data:
        check_quantity(collector, "quota.storage", data["storage"], "quota")
    claims = data.get("claims")
    if "claims" in data and (isinstance(claims, bool) or not isinstance(claims, int) or claims < 0):
        collector.add("quota.claims", "invalid claims %r: use a whole number of PVCs, 0 or more" % (claims,))
    if storage_class is None:
        collector.add("quota", "caps the storage class per namespace: declare storage_class with its name")
    return data


def _check_static_volume_storage(collector, namespace, storage_class, jupyterhub):
    """Notebook namespaces besides the share namespace need static volumes on the shares' storage."""
    if jupyterhub is None or not jupyterhub.namespace_audiences or storage_class is None:
        return
    if storage_class.backend not in STATIC_VOLUME_BACKENDS:
        collector.add(
            "jupyterhub.notebook_namespaces",
            "%s: namespaces other than the share namespace %r need static volumes on the shares' storage, which "
            "backend %r cannot give (supported: %s): list only %s" % (
                ", ".join(sorted(jupyterhub.namespace_audiences)), namespace, storage_class.backend,
                ", ".join(STATIC_VOLUME_BACKENDS), namespace),
        )
    elif storage_class.backend == "cephfs" and not storage_class.static_volume_secret:
        collector.add(
            "storage_class.static_volume_secret",
            "missing: CephFS static volumes for the notebook namespaces %s mount with user credentials; "
            "name a Secret {name, namespace} holding userID and userKey" % ", ".join(sorted(jupyterhub.namespace_audiences)),
        )


def parse_spec(data):
    """Validate a whole ``shared_resources`` mapping and return a SharedResourcesSpec.

    Raises SpecError listing every problem found.
    """
    collector = Collector()
    if not isinstance(data, dict) or not data:
        raise SpecError(["shared_resources: must be a non-empty mapping with namespace, tiers and shares"])
    check_keys(collector, "", data, TOP_LEVEL_KEYS)
    namespace = data.get("namespace")
    if namespace is None:
        collector.add("namespace", "missing: name the namespace where notebooks and the shared PVCs live")
    else:
        check_name(collector, "namespace", namespace, "namespace")
    tiers = _parse_tiers(collector, data.get("tiers"))
    _check_tier_gids_unique(collector, tiers, list(data["tiers"]) if isinstance(data.get("tiers"), dict) else [])
    shares = _parse_shares(collector, data.get("shares"), tiers)
    users = parse_users(data.get("users"), collector=collector)
    storage_class = parse_storage_class(collector, data.get("storage_class"))
    quota = _parse_quota(collector, data.get("quota"), data.get("storage_class"))
    create_namespace = data.get("create_namespace", False)
    check_bool(collector, "create_namespace", create_namespace)
    lmod = parse_lmod(collector, data.get("lmod"), shares)
    jupyterhub = parse_jupyterhub(collector, data.get("jupyterhub"), namespace)
    _check_static_volume_storage(collector, namespace, storage_class, jupyterhub)
    permissions = parse_permissions(collector, data.get("permissions"), storage_class, shares)
    collector.raise_if_any()
    return SharedResourcesSpec(
        namespace=namespace,
        tiers=tiers,
        shares=shares,
        users=users,
        storage_class=storage_class,
        quota=quota,
        create_namespace=create_namespace,
        lmod=lmod,
        jupyterhub=jupyterhub,
        permissions=permissions,
    )
