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

import difflib
import hashlib
import posixpath
import re
from collections import namedtuple
from decimal import Decimal, InvalidOperation

EVERYONE = "*"
DEFAULT_MOUNT_ROOT = "/opt/app-root/src/shared"
MAX_GID = 2147483647
VOLUME_NAME_PREFIX = "shared-"

# Mount paths a share may not take: the notebook home (JupyterHub images keep
# the user's own PVC there) and paths the kubelet or the image own.
RESERVED_MOUNT_PATHS = frozenset(["/", "/opt/app-root/src", "/home/jovyan", "/dev", "/dev/shm", "/proc", "/sys", "/tmp"])

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
)

_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_QUANTITY = re.compile(
    r"^(?P<number>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))"
    r"(?P<suffix>[eE][+-]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?$"
)
_BYTE_UNIT_TYPO = re.compile(r"^(?P<number>[0-9.]+)\s*(?P<prefix>[kKMGTPE])i?[bB]$")
_BINARY_SUFFIXES = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL_SUFFIXES = {
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "k": Decimal(10**3),
    "M": Decimal(10**6),
    "G": Decimal(10**9),
    "T": Decimal(10**12),
    "P": Decimal(10**15),
    "E": Decimal(10**18),
}

Tier = namedtuple("Tier", "name readers writers gid restricted description")
Share = namedtuple(
    "Share",
    "index name tier size claim_name mount_path readers writers gid restricted display_name description volume_name",
)


class SpecError(ValueError):
    """The spec is invalid; ``errors`` lists one message per problem."""

    def __init__(self, errors):
        self.errors = list(errors)
        super(SpecError, self).__init__("invalid shared_resources spec:\n  - " + "\n  - ".join(self.errors))


class SharedResourcesSpec(object):
    """A validated spec: tiers by name, shares in declaration order, users."""

    def __init__(self, namespace, tiers, shares, users, extra):
        self.namespace = namespace
        self.tiers = tiers
        self.shares = shares
        self.users = users
        self.extra = extra

    def share(self, name):
        for share in self.shares:
            if share.name == name:
                return share
        raise KeyError(name)


class _Collector(object):
    def __init__(self):
        self.errors = []

    def add(self, path, message):
        self.errors.append("%s: %s" % (path, message))


def is_dns1123_label(value):
    return isinstance(value, str) and len(value) <= 63 and bool(_DNS1123_LABEL.match(value))


def is_dns1123_subdomain(value):
    return (
        isinstance(value, str)
        and 0 < len(value) <= 253
        and all(_DNS1123_LABEL.match(label) for label in value.split("."))
    )


def parse_quantity(value):
    """Return a Kubernetes quantity string as a Decimal number of base units.

    Raises ValueError for anything the API server would refuse.
    """
    match = _QUANTITY.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError("not a Kubernetes quantity: %r" % (value,))
    try:
        number = Decimal(match.group("number"))
    except InvalidOperation:
        raise ValueError("not a Kubernetes quantity: %r" % (value,))
    suffix = match.group("suffix") or ""
    if suffix in _BINARY_SUFFIXES:
        return number * _BINARY_SUFFIXES[suffix]
    if suffix in _DECIMAL_SUFFIXES:
        return number * _DECIMAL_SUFFIXES[suffix]
    if suffix:
        return number * (Decimal(10) ** int(suffix[1:]))
    return number


def volume_name(share_name):
    """The pod volume name of a share: a DNS-1123 label unique per share name."""
    name = VOLUME_NAME_PREFIX + share_name
    if len(name) <= 63:
        return name
    digest = hashlib.sha256(share_name.encode("utf-8")).hexdigest()[:8]
    return name[: 63 - len(digest) - 1].rstrip("-") + "-" + digest


def default_mount_path(tier_name, share_name):
    return "%s/%s/%s" % (DEFAULT_MOUNT_ROOT, tier_name, share_name)


def _suggest(value, candidates):
    close = difflib.get_close_matches(str(value), list(candidates), n=1, cutoff=0.6)
    return " (did you mean %r?)" % close[0] if close else ""


def _describe_type(value):
    return type(value).__name__ if value is not None else "null"


def _check_keys(collector, path, data, allowed):
    for key in sorted(data, key=str):
        if key not in allowed:
            collector.add(
                "%s.%s" % (path, key) if path else str(key),
                "unknown field%s; allowed fields: %s" % (_suggest(key, allowed), ", ".join(allowed)),
            )


def _check_name(collector, path, value, what):
    if not is_dns1123_label(value):
        collector.add(
            path,
            "invalid %s %r: use a DNS-1123 label (lower-case letters, digits and '-', "
            "starting and ending with a letter or digit, at most 63 characters)" % (what, value),
        )
        return False
    return True


def _check_gid(collector, path, value):
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_GID:
        collector.add(path, "invalid gid %r: use an integer from 1 to %d" % (value, MAX_GID))
        return False
    return True


def _check_principals(collector, path, value, restricted):
    """Validate a readers/writers list; return it as a tuple (empty when invalid)."""
    if not isinstance(value, list):
        collector.add(path, "must be a list of group names or '*', got %s" % _describe_type(value))
        return ()
    valid = True
    for position, item in enumerate(value):
        item_path = "%s[%d]" % (path, position)
        if not isinstance(item, str) or not item.strip() or item != item.strip() or "/" in item or "%" in item:
            collector.add(
                item_path, "invalid group name %r: use a non-empty name without surrounding spaces, '/' or '%%'" % (item,)
            )
            valid = False
        elif item == EVERYONE and restricted:
            collector.add(
                item_path,
                "'*' (every user) is not allowed in a restricted tier: list the groups cleared for it",
            )
            valid = False
    return tuple(dict.fromkeys(value)) if valid else ()


def _check_bool(collector, path, value):
    if not isinstance(value, bool):
        collector.add(path, "must be true or false, got %r" % (value,))
        return False
    return value


def _check_text(collector, path, value):
    if value is not None and not isinstance(value, str):
        collector.add(path, "must be a string, got %s" % _describe_type(value))
        return None
    return value


def _parse_tiers(collector, data):
    if not isinstance(data, dict) or not data:
        collector.add("tiers", "must be a non-empty mapping of tier name to {readers, writers, gid}")
        return {}
    tiers = {}
    for name in sorted(data, key=str):
        path = "tiers.%s" % (name,)
        body = data[name]
        if not _check_name(collector, path, name, "tier name"):
            continue
        if not isinstance(body, dict):
            collector.add(path, "must be a mapping with readers, writers and gid, got %s" % _describe_type(body))
            continue
        _check_keys(collector, path, body, TIER_KEYS)
        restricted = _check_bool(collector, path + ".restricted", body.get("restricted", False))
        if "gid" not in body:
            collector.add(path + ".gid", "missing: every tier needs the gid that owns its directories")
        else:
            _check_gid(collector, path + ".gid", body["gid"])
        tiers[name] = Tier(
            name=name,
            readers=_check_principals(collector, path + ".readers", body.get("readers", []), restricted),
            writers=_check_principals(collector, path + ".writers", body.get("writers", []), restricted),
            gid=body.get("gid"),
            restricted=restricted,
            description=_check_text(collector, path + ".description", body.get("description")),
        )
    return tiers


def _check_size(collector, path, value):
    try:
        if parse_quantity(value) > 0:
            return
        collector.add(path, "size %r must be greater than zero" % (value,))
    except ValueError:
        typo = _BYTE_UNIT_TYPO.match(value) if isinstance(value, str) else None
        hint = (
            "%s%si" % (typo.group("number"), typo.group("prefix").upper())
            if typo
            else "50Gi"
        )
        collector.add(
            path,
            "invalid size %r: use a Kubernetes quantity such as %s (binary units Ki, Mi, Gi, Ti) "
            "or 50G (decimal units)" % (value, hint),
        )


def _check_mount_path(collector, path, value):
    if not isinstance(value, str) or not value.startswith("/"):
        collector.add(path, "invalid mount path %r: use an absolute path such as /opt/app-root/src/shared/data" % (value,))
        return None
    normalized = posixpath.normpath(value)
    if normalized != value or "/../" in value + "/" or "/./" in value + "/":
        collector.add(path, "mount path %r is not normalized: write it as %r" % (value, normalized))
        return None
    if value in RESERVED_MOUNT_PATHS:
        collector.add(
            path,
            "mount path %r is reserved (the notebook home or a system path): mount the share below it" % (value,),
        )
        return None
    return value


def _parse_share(collector, position, data, tiers):
    path = "shares[%d]" % position
    if not isinstance(data, dict):
        collector.add(path, "must be a mapping with name, tier and size, got %s" % _describe_type(data))
        return None
    _check_keys(collector, path, data, SHARE_KEYS)
    for required in ("name", "tier", "size"):
        if required not in data:
            collector.add("%s.%s" % (path, required), "missing: every share needs name, tier and size")
    name = data.get("name")
    name_ok = "name" in data and _check_name(collector, path + ".name", name, "share name")
    tier_name = data.get("tier")
    tier = tiers.get(tier_name) if isinstance(tier_name, str) else None
    if "tier" in data and tier is None:
        collector.add(
            path + ".tier",
            "unknown tier %r%s; known tiers: %s" % (tier_name, _suggest(tier_name, tiers), ", ".join(sorted(tiers)) or "none"),
        )
    if "size" in data:
        _check_size(collector, path + ".size", data["size"])

    claim_name = data.get("claim_name", name)
    if "claim_name" in data and not is_dns1123_subdomain(claim_name):
        collector.add(
            path + ".claim_name",
            "invalid claim name %r: use a DNS-1123 subdomain (lower-case letters, digits, '-' and '.')" % (claim_name,),
        )
    mount_path = None
    if "mount_path" in data:
        mount_path = _check_mount_path(collector, path + ".mount_path", data["mount_path"])
    elif name_ok and tier is not None:
        mount_path = default_mount_path(tier.name, name)

    restricted = tier.restricted if tier is not None else False
    readers = tier.readers if tier is not None else ()
    writers = tier.writers if tier is not None else ()
    if "readers" in data:
        readers = _check_principals(collector, path + ".readers", data["readers"], restricted)
    if "writers" in data:
        writers = _check_principals(collector, path + ".writers", data["writers"], restricted)
    gid = tier.gid if tier is not None else None
    if "gid" in data and _check_gid(collector, path + ".gid", data["gid"]):
        gid = data["gid"]
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
        display_name=_check_text(collector, path + ".display_name", data.get("display_name")),
        description=_check_text(collector, path + ".description", data.get("description")),
        volume_name=volume_name(name),
    )


def _check_unique(collector, shares, attribute, what):
    seen = {}
    for share in shares:
        value = getattr(share, attribute)
        if value is None:
            continue
        if value in seen:
            collector.add(
                "shares[%d].%s" % (share.index, attribute),
                "duplicate %s %r, already used by shares[%d] (%s): give each share its own"
                % (what, value, seen[value].index, seen[value].name),
            )
        else:
            seen[value] = share


def _check_tier_gids_unique(collector, tiers):
    """Two tiers on one gid would let members of one into the other's directories."""
    tier_by_gid = {}
    for tier in tiers.values():
        if not isinstance(tier.gid, int):
            continue
        if tier.gid in tier_by_gid:
            collector.add(
                "tiers.%s.gid" % tier.name,
                "gid %d is already the gid of tier %r: give each tier its own gid" % (tier.gid, tier_by_gid[tier.gid]),
            )
        tier_by_gid.setdefault(tier.gid, tier.name)


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
    collector = collector or _Collector()
    users = {}
    if data is None:
        data = {}
    if not isinstance(data, dict):
        collector.add(path, "must be a mapping of user name to a list of groups, got %s" % _describe_type(data))
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
    if own and collector.errors:
        raise SpecError(collector.errors)
    return users


def parse_spec(data):
    """Validate a whole ``shared_resources`` mapping and return a SharedResourcesSpec.

    Raises SpecError listing every problem found.
    """
    collector = _Collector()
    if not isinstance(data, dict) or not data:
        raise SpecError(["shared_resources: must be a non-empty mapping with namespace, tiers and shares"])
    _check_keys(collector, "", data, TOP_LEVEL_KEYS)
    namespace = data.get("namespace")
    if namespace is None:
        collector.add("namespace", "missing: name the namespace where notebooks and the shared PVCs live")
    else:
        _check_name(collector, "namespace", namespace, "namespace")
    tiers = _parse_tiers(collector, data.get("tiers"))
    _check_tier_gids_unique(collector, tiers)
    shares = _parse_shares(collector, data.get("shares"), tiers)
    users = parse_users(data.get("users"), collector=collector)
    if collector.errors:
        raise SpecError(collector.errors)
    extra = dict((key, value) for key, value in data.items() if key not in ("namespace", "tiers", "shares", "users"))
    return SharedResourcesSpec(namespace=namespace, tiers=tiers, shares=shares, users=users, extra=extra)
