"""Mapping of request paths and methods to discovery documents or resource targets."""

from __future__ import annotations

from dataclasses import dataclass

from .registry import Registry


@dataclass(frozen=True)
class Discovery:
    """A discovery path: ``document`` is version, api, api_versions, groups, group or resources."""

    document: str
    group: str = ""
    version: str = ""


@dataclass(frozen=True)
class Target:
    group: str
    version: str
    plural: str
    namespace: str | None = None
    name: str | None = None
    subresource: str | None = None


def parse_path(path: str, registry: Registry) -> Discovery | Target | None:
    parts = [p for p in path.split("/") if p]
    if parts == ["version"]:
        return Discovery("version")
    if parts == ["api"]:
        return Discovery("api_versions")
    if parts == ["apis"]:
        return Discovery("groups")
    if len(parts) >= 2 and parts[0] == "api":
        return _resource_path("", parts[1], parts[2:], registry)
    if len(parts) == 2 and parts[0] == "apis":
        return Discovery("group", parts[1])
    if len(parts) >= 3 and parts[0] == "apis":
        return _resource_path(parts[1], parts[2], parts[3:], registry)
    return None


def _resource_path(group: str, version: str, rest: list[str], registry: Registry):
    if not rest:
        return Discovery("resources", group, version)
    namespace = None
    if len(rest) >= 3 and rest[0] == "namespaces":
        rtype = registry.lookup(group, version, rest[2])
        if rtype is not None and rtype.namespaced:
            namespace, rest = rest[1], rest[2:]
    if len(rest) > 3:
        return None
    return Target(
        group=group,
        version=version,
        plural=rest[0],
        namespace=namespace,
        name=rest[1] if len(rest) > 1 else None,
        subresource=rest[2] if len(rest) > 2 else None,
    )


def verb_for(method: str, target: Target, watch: bool) -> str:
    if method == "GET":
        if target.name:
            return "get"
        return "watch" if watch else "list"
    if method == "POST":
        return "create"
    if method == "PUT":
        return "update"
    if method == "PATCH":
        return "patch"
    if method == "DELETE":
        return "delete" if target.name else "deletecollection"
    return method.lower()
