"""Label and field selector parsing and matching."""

from __future__ import annotations

import re

from . import errors

_SET_RE = re.compile(r"^\s*([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")
_EQUALITY_RE = re.compile(r"^\s*([^\s!=]+)\s*(==|=|!=)\s*([^\s]*)\s*$")
_EXISTS_RE = re.compile(r"^\s*(!?)\s*([^\s!=(),]+)\s*$")


def _split_requirements(selector: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in selector:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [p for p in parts if p.strip()]


def parse_label_selector(selector: str):
    """Return a predicate over a labels dict."""
    checks = []
    for requirement in _split_requirements(selector or ""):
        if match := _SET_RE.match(requirement):
            key, operator, values = match[1], match[2], {v.strip() for v in match[3].split(",")}
            if operator == "in":
                checks.append(lambda labels, k=key, vs=values: labels.get(k) in vs)
            else:
                checks.append(lambda labels, k=key, vs=values: labels.get(k) not in vs)
        elif match := _EQUALITY_RE.match(requirement):
            key, operator, value = match.groups()
            if operator == "!=":
                checks.append(lambda labels, k=key, v=value: labels.get(k) != v)
            else:
                checks.append(lambda labels, k=key, v=value: labels.get(k) == v)
        elif match := _EXISTS_RE.match(requirement):
            negated, key = match.groups()
            checks.append(lambda labels, k=key, n=bool(negated): (k in labels) != n)
        else:
            raise errors.bad_request(f"unable to parse requirement: {requirement!r}")
    return lambda labels: all(check(labels or {}) for check in checks)


def _field_value(obj: dict, path: str) -> str:
    value = obj
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_field_selector(selector: str):
    """Return a predicate over an object; any dotted field path is accepted."""
    checks = []
    for requirement in _split_requirements(selector or ""):
        match = _EQUALITY_RE.match(requirement)
        if not match:
            raise errors.bad_request(f"invalid field selector: {requirement!r}")
        path, operator, value = match.groups()
        negate = operator == "!="
        checks.append(lambda obj, p=path, v=value, n=negate: (_field_value(obj, p) == v) != n)
    return lambda obj: all(check(obj) for check in checks)
