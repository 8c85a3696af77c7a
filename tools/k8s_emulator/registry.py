"""The set of served resource types: upstream built-ins plus CRDs registered at run time."""

from __future__ import annotations

import re
import threading

from .catalog import ResourceType, Subresource, builtin_resource_types

_VERSION_RE = re.compile(r"^v(\d+)(?:(alpha|beta)(\d+))?$")
_STABILITY_RANK = {None: 0, "beta": 1, "alpha": 2}


def version_priority(version: str):
    """Sort key giving Kubernetes version priority (v2 > v1 > v1beta2 > v1beta1 > v1alpha1 > other)."""
    match = _VERSION_RE.match(version)
    if not match:
        return (3, 0, 0, version)
    major, stability, minor = match.groups()
    return (_STABILITY_RANK[stability], -int(major), -int(minor or 0), version)


def crd_resource_types(crd: dict) -> list[ResourceType]:
    spec = crd["spec"]
    names = spec["names"]
    types = []
    for version in spec.get("versions", ()):
        if not version.get("served", True):
            continue
        subresources = {}
        declared = version.get("subresources") or {}
        if "status" in declared:
            subresources["status"] = Subresource("status", names["kind"], {"get", "patch", "update"})
        if "scale" in declared:
            subresources["scale"] = Subresource("scale", "Scale", {"get", "patch", "update"}, "autoscaling", "v1")
        types.append(
            ResourceType(
                group=spec["group"],
                version=version["name"],
                plural=names["plural"],
                kind=names["kind"],
                namespaced=spec.get("scope") == "Namespaced",
                verbs={"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"},
                subresources=subresources,
                singular=names.get("singular") or names["kind"].lower(),
                short_names=tuple(names.get("shortNames", ())),
                categories=tuple(names.get("categories", ())),
                schema=_custom_schema(version),
                custom=True,
            )
        )
    return types


def _custom_schema(version: dict) -> dict:
    schema = dict((version.get("schema") or {}).get("openAPIV3Schema") or {"type": "object", "x-kubernetes-preserve-unknown-fields": True})
    properties = dict(schema.get("properties", {}))
    properties.setdefault("apiVersion", {"type": "string"})
    properties.setdefault("kind", {"type": "string"})
    properties["metadata"] = {"$ref": "#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}
    schema["properties"] = properties
    schema.setdefault("type", "object")
    return schema


class Registry:
    def __init__(self):
        self._lock = threading.RLock()
        self._types: dict[tuple[str, str, str], ResourceType] = {
            (t.group, t.version, t.plural): t for t in builtin_resource_types()
        }
        self._crd_keys: dict[str, list[tuple[str, str, str]]] = {}

    def lookup(self, group: str, version: str, plural: str) -> ResourceType | None:
        with self._lock:
            return self._types.get((group, version, plural))

    def by_plural(self, group: str, plural: str) -> ResourceType | None:
        """The preferred-version resource type stored under ``(group, plural)``."""
        with self._lock:
            candidates = [t for t in self._types.values() if t.group == group and t.plural == plural]
        return min(candidates, key=lambda t: version_priority(t.version), default=None)

    def types(self) -> list[ResourceType]:
        with self._lock:
            return list(self._types.values())

    def groups(self) -> dict[str, list[str]]:
        """Group name -> versions, highest priority first; the core group is ``""``."""
        grouped: dict[str, set[str]] = {}
        for rtype in self.types():
            grouped.setdefault(rtype.group, set()).add(rtype.version)
        return {group: sorted(versions, key=version_priority) for group, versions in grouped.items()}

    def types_in(self, group: str, version: str) -> list[ResourceType]:
        return [t for t in self.types() if t.group == group and t.version == version]

    def register_crd(self, crd: dict) -> None:
        with self._lock:
            self.unregister_crd(crd["metadata"]["name"])
            keys = []
            for rtype in crd_resource_types(crd):
                key = (rtype.group, rtype.version, rtype.plural)
                self._types[key] = rtype
                keys.append(key)
            self._crd_keys[crd["metadata"]["name"]] = keys

    def unregister_crd(self, name: str) -> None:
        with self._lock:
            for key in self._crd_keys.pop(name, ()):
                self._types.pop(key, None)
