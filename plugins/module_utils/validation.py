# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Building blocks of spec validation: an error collector and checks of common field types.

Each check adds ``<field path>: <problem and fix>`` to the collector and tells
whether the value was valid, so the whole spec is checked in one pass and every
problem is reported at once.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import posixpath
import re
from decimal import Decimal, InvalidOperation

MAX_GID = 2147483647
EVERYONE = "*"
# Mount paths nothing of the collection may take: the notebook home (JupyterHub images keep
# the user's own PVC there) and paths the kubelet or the image own.
RESERVED_MOUNT_PATHS = frozenset(["/", "/opt/app-root/src", "/home/jovyan", "/dev", "/dev/shm", "/proc", "/sys", "/tmp"])

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


class SpecError(ValueError):
    """The spec is invalid; ``errors`` lists one message per problem."""

    def __init__(self, errors):
        self.errors = list(errors)
        super(SpecError, self).__init__("invalid shared_resources spec:\n  - " + "\n  - ".join(self.errors))


class Collector(object):
    """Accumulates ``path: message`` errors."""

    def __init__(self):
        self.errors = []

    def add(self, path, message):
        self.errors.append("%s: %s" % (path, message))

    def raise_if_any(self):
        if self.errors:
            raise SpecError(self.errors)


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


def normalized_path(value):
    """``value`` as posixpath.normpath writes it, and with one leading '/' where POSIX keeps two."""
    normalized = posixpath.normpath(value)
    return "/" + normalized.lstrip("/") if normalized.startswith("//") else normalized


def suggest(value, candidates):
    close = difflib.get_close_matches(str(value), list(candidates), n=1, cutoff=0.6)
    return " (did you mean %r?)" % close[0] if close else ""


def describe_type(value):
    return type(value).__name__ if value is not None else "null"


def join_path(path, key):
    return "%s.%s" % (path, key) if path else str(key)


def check_keys(collector, path, data, allowed):
    for key in sorted(data, key=str):
        if key not in allowed:
            collector.add(
                join_path(path, key),
                "unknown field%s; allowed fields: %s" % (suggest(key, allowed), ", ".join(allowed)),
            )


def check_mapping(collector, path, value, what):
    """A mapping, or None when absent; complains about anything else."""
    if value is None or isinstance(value, dict):
        return True
    collector.add(path, "must be a mapping of %s, got %s" % (what, describe_type(value)))
    return False


def check_name(collector, path, value, what):
    if not is_dns1123_label(value):
        collector.add(
            path,
            "invalid %s %r: use a DNS-1123 label (lower-case letters, digits and '-', "
            "starting and ending with a letter or digit, at most 63 characters)" % (what, value),
        )
        return False
    return True


def check_subdomain(collector, path, value, what):
    if not is_dns1123_subdomain(value):
        collector.add(
            path, "invalid %s %r: use a DNS-1123 subdomain (lower-case letters, digits, '-' and '.')" % (what, value)
        )
        return False
    return True


def check_gid(collector, path, value):
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_GID:
        collector.add(path, "invalid gid %r: use an integer from 1 to %d" % (value, MAX_GID))
        return False
    return True


def check_bool(collector, path, value):
    if not isinstance(value, bool):
        collector.add(path, "must be true or false, got %r" % (value,))
        return False
    return True


def check_text(collector, path, value):
    if value is not None and not isinstance(value, str):
        collector.add(path, "must be a string, got %s" % describe_type(value))
        return False
    return True


def check_choice(collector, path, value, choices):
    if value not in choices:
        collector.add(path, "invalid value %r%s; choose one of: %s" % (value, suggest(value, choices), ", ".join(choices)))
        return False
    return True


def check_string_list(collector, path, value, what):
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        collector.add(path, "must be a list of %s, got %r" % (what, value))
        return False
    return True


def check_string_map(collector, path, value):
    """Kubernetes string maps (labels, StorageClass parameters): every value a string."""
    if not isinstance(value, dict):
        collector.add(path, "must be a mapping of strings, got %s" % describe_type(value))
        return False
    valid = True
    for key in sorted(value, key=str):
        if not isinstance(value[key], str):
            collector.add(
                join_path(path, key),
                "must be a string, got %s %r: quote it (Kubernetes stores these values as strings)"
                % (describe_type(value[key]), value[key]),
            )
            valid = False
    return valid


def check_quantity(collector, path, value, what="size"):
    """A positive Kubernetes quantity, with a hint for the common '50GB' mistake."""
    try:
        if parse_quantity(value) > 0:
            return True
        collector.add(path, "%s %r must be greater than zero" % (what, value))
        return False
    except ValueError:
        typo = _BYTE_UNIT_TYPO.match(value) if isinstance(value, str) else None
        hint = "%s%si" % (typo.group("number"), typo.group("prefix").upper()) if typo else "50Gi"
        collector.add(
            path,
            "invalid %s %r: use a Kubernetes quantity such as %s (binary units Ki, Mi, Gi, Ti) "
            "or 50G (decimal units)" % (what, value, hint),
        )
        return False


def check_principals(collector, path, value, restricted=False):
    """Validate a list of group names or ``*`` (readers, writers, audiences); return it as a tuple (empty when invalid)."""
    if not isinstance(value, list):
        collector.add(path, "must be a list of group names or '*', got %s" % describe_type(value))
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
