"""Discovery documents (/version, /api, /apis, APIResourceLists) built from the registry."""

from __future__ import annotations

from .catalog import SCHEMA_VERSION_DIR, ResourceType
from .registry import Registry


def server_version() -> dict:
    major, minor, patch = SCHEMA_VERSION_DIR.split("-")[0].lstrip("v").split(".")
    return {
        "major": major,
        "minor": minor,
        "gitVersion": f"v{major}.{minor}.{patch}",
        "gitCommit": "emulator",
        "gitTreeState": "clean",
        "buildDate": "1970-01-01T00:00:00Z",
        "goVersion": "go-none",
        "compiler": "gc",
        "platform": "linux/amd64",
    }


def core_versions(server_address: str) -> dict:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    }


def _group_document(name: str, versions: list[str]) -> dict:
    entries = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
    return {"name": name, "versions": entries, "preferredVersion": entries[0]}


def group_list(registry: Registry) -> dict:
    groups = [_group_document(name, versions) for name, versions in registry.groups().items() if name]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def group(registry: Registry, name: str) -> dict | None:
    versions = registry.groups().get(name)
    if not name or not versions:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group_document(name, versions)}


def _resource_entry(rtype: ResourceType) -> dict:
    entry = {
        "name": rtype.plural,
        "singularName": rtype.singular,
        "namespaced": rtype.namespaced,
        "kind": rtype.kind,
        "verbs": sorted(rtype.verbs),
    }
    if rtype.short_names:
        entry["shortNames"] = list(rtype.short_names)
    if rtype.categories:
        entry["categories"] = list(rtype.categories)
    return entry


def _subresource_entries(rtype: ResourceType) -> list[dict]:
    entries = []
    for sub in rtype.subresources.values():
        entry = {
            "name": f"{rtype.plural}/{sub.name}",
            "singularName": "",
            "namespaced": rtype.namespaced,
            "kind": sub.kind,
            "verbs": sorted(sub.verbs),
        }
        if sub.group is not None and (sub.group, sub.version) != (rtype.group, rtype.version):
            entry["group"], entry["version"] = sub.group, sub.version
        entries.append(entry)
    return entries


def resource_list(registry: Registry, group_name: str, version: str) -> dict | None:
    types = sorted(registry.types_in(group_name, version), key=lambda t: t.plural)
    if not types:
        return None
    resources = []
    for rtype in types:
        resources.append(_resource_entry(rtype))
        resources.extend(_subresource_entries(rtype))
    group_version = f"{group_name}/{version}" if group_name else version
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources}
