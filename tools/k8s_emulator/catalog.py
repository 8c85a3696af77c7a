"""Built-in resource catalog derived from upstream generated material.

Every built-in group/version/resource, its kind, scope, verbs and subresources
is read from the REST paths in the generated ``kubernetes`` python client
(``kubernetes/client/api/*_api.py``).  Schemas come from the upstream OpenAPI
definitions shipped by ``kubernetes_validate``.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import kubernetes.client.api as client_api_package
import kubernetes_validate

SCHEMA_VERSION_DIR = "v1.37.0-local-strict"

# Operation-name prefix in the generated client -> Kubernetes verb.
OPERATION_VERBS = (
    ("delete_collection_", "deletecollection"),
    ("create_", "create"),
    ("delete_", "delete"),
    ("list_", "list"),
    ("read_", "get"),
    ("patch_", "patch"),
    ("replace_", "update"),
)

_SERIALIZE_RE = re.compile(
    r"def _(?P<op>\w+)_serialize\(.*?method='(?P<method>\w+)',\s*"
    r"resource_path='(?P<path>[^']+)'",
    re.S,
)
_RESPONSE_RE = re.compile(
    r"def (?P<op>\w+)_with_http_info\(.*?_response_types_map[^{]*\{\s*'200': \"(?P<model>\w+)\"",
    re.S,
)
# Generated model names look like V1StorageClass, V1beta1ResourceClaim or CoreV1Event.
_MODEL_RE = re.compile(r"^(?:[A-Z][a-z]+)*?V(?P<version>\d+(?:alpha\d+|beta\d+)?)(?P<kind>[A-Z]\w*)$")


@dataclass
class Subresource:
    name: str
    kind: str
    verbs: set[str] = field(default_factory=set)
    group: str | None = None
    version: str | None = None


@dataclass
class ResourceType:
    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool
    verbs: set[str] = field(default_factory=set)
    subresources: dict[str, Subresource] = field(default_factory=dict)
    singular: str = ""
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    # JSON schema of the object (a $ref into the upstream definitions or a CRD schema).
    schema: dict | None = None
    custom: bool = False

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_resource(self) -> str:
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def qualified_kind(self) -> str:
        return f"{self.kind}.{self.group}" if self.group else self.kind

    def has_status(self) -> bool:
        return "status" in self.subresources


@dataclass
class _Operation:
    verb: str
    path: str
    model: str


def _schema_dir() -> Path:
    return Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema" / SCHEMA_VERSION_DIR


@functools.cache
def definitions() -> dict:
    """Upstream OpenAPI definitions keyed by their fully qualified name."""
    with open(_schema_dir() / "_definitions.json", encoding="utf-8") as handle:
        return json.load(handle)["$defs"]


@functools.cache
def definition_by_gvk() -> dict[tuple[str, str, str], str]:
    index = {}
    for name, schema in definitions().items():
        for gvk in schema.get("x-kubernetes-group-version-kind", ()):
            index.setdefault((gvk["group"], gvk["version"], gvk["kind"]), name)
    return index


def kind_from_model(model: str) -> str:
    match = _MODEL_RE.match(model)
    return match["kind"] if match else model


def _subresource_group_version(model: str) -> tuple[str | None, str | None]:
    """Group and version of a subresource's own kind (e.g. Scale is autoscaling/v1)."""
    match = _MODEL_RE.match(model)
    if not match:
        return None, None
    version = "v" + match["version"]
    for group, gvk_version, kind in definition_by_gvk():
        if kind == match["kind"] and gvk_version == version:
            return group, version
    return None, None


def _operation_verb(operation: str) -> str | None:
    for prefix, verb in OPERATION_VERBS:
        if operation.startswith(prefix):
            return verb
    return None


def _operations(source: str):
    models = {m["op"]: m["model"] for m in _RESPONSE_RE.finditer(source)}
    for match in _SERIALIZE_RE.finditer(source):
        verb = _operation_verb(match["op"])
        if verb:
            yield _Operation(verb, match["path"], models.get(match["op"], ""))


def _split_path(path: str):
    """Return (group, version, namespaced, plural, has_name, subresource) or None."""
    parts = path.strip("/").split("/")
    if parts[0] == "api":
        group, rest = "", parts[1:]
    elif parts[0] == "apis" and len(parts) > 2:
        group, rest = parts[1], parts[2:]
    else:
        return None
    if "{" in group:
        return None
    version, rest = rest[0], rest[1:]
    if not rest or rest[0] == "watch":
        return None
    namespaced = len(rest) > 2 and rest[0] == "namespaces" and rest[1] == "{namespace}"
    if namespaced:
        rest = rest[2:]
    plural, rest = rest[0], rest[1:]
    has_name = bool(rest) and rest[0] == "{name}"
    subresource = rest[1] if has_name and len(rest) == 2 else None
    if len(rest) > 2 or (rest and not has_name):
        return None
    return group, version, namespaced, plural, has_name, subresource


def _add_operation(types: dict, op: _Operation) -> None:
    split = _split_path(op.path)
    if split is None:
        return
    group, version, namespaced, plural, _has_name, subresource = split
    rtype = types.setdefault(
        (group, version, plural),
        ResourceType(group=group, version=version, plural=plural, kind="", namespaced=False),
    )
    rtype.namespaced = rtype.namespaced or namespaced
    if subresource:
        sub = rtype.subresources.setdefault(subresource, Subresource(subresource, ""))
        sub.verbs.add(op.verb)
        if op.model and op.model != "str" and not sub.kind:
            sub.kind = kind_from_model(op.model)
            sub.group, sub.version = _subresource_group_version(op.model)
        return
    rtype.verbs.add(op.verb)
    if op.model and op.verb in ("get", "create", "update", "patch") and not rtype.kind:
        rtype.kind = kind_from_model(op.model)


def _finish(rtype: ResourceType) -> ResourceType:
    if "list" in rtype.verbs:
        rtype.verbs.add("watch")
    rtype.singular = rtype.kind.lower()
    for sub in rtype.subresources.values():
        sub.kind = sub.kind or rtype.kind
    definition = definition_by_gvk().get((rtype.group, rtype.version, rtype.kind))
    if definition:
        rtype.schema = {"$ref": f"#/$defs/{definition}"}
    return rtype


@functools.cache
def builtin_resource_types() -> tuple[ResourceType, ...]:
    types: dict[tuple[str, str, str], ResourceType] = {}
    api_dir = Path(client_api_package.__file__).parent
    for module in sorted(api_dir.glob("*_api.py")):
        for op in _operations(module.read_text(encoding="utf-8")):
            _add_operation(types, op)
    return tuple(_finish(t) for t in types.values() if t.kind)
