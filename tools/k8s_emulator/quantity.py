"""Parsing of Kubernetes resource quantities ("10Gi", "500M", "1.5")."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_SUFFIXES = {
    "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60,
    "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": 1,
    "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18,
}
_QUANTITY_RE = re.compile(r"^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$")


def parse_quantity(value) -> Decimal | None:
    match = _QUANTITY_RE.match(str(value).strip())
    if not match:
        return None
    try:
        return Decimal(match[1]) * Decimal(_SUFFIXES[match[2] or ""])
    except InvalidOperation:
        return None
