"""Request semantics of kube-apiserver: CRUD, patch, dry run, validation, cascading deletes."""

from __future__ import annotations

import copy
import json
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

import yaml

from . import discovery, errors, patch
from .catalog import ResourceType
from .controllers import Controllers
from .defaults import apply_defaults
from .quantity import parse_quantity
from .registry import Registry
from .routing import Discovery, Target, parse_path, verb_for
from .schema import Validator
from .selectors import parse_field_selector, parse_label_selector
from .storage import Store
from .validation import validate_name, validate_object, validate_update
from .webhooks import Webhooks

FIELD_VALIDATION = ("Ignore", "Warn", "Strict")
_NAME_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_WATCH_DEFAULT_SECONDS = 1800


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes = b""


@dataclass
class Response:
    code: int
    body: object  # dict (JSON), str (text/plain) or an iterator of bytes (watch stream)
    warnings: list[str] = field(default_factory=list)
    mutated: bool = False


@dataclass
class Context:
    """What the audit log needs to know about a request."""

    verb: str = "get"
    object_ref: dict | None = None
    dry_run: bool = False
    annotations: dict = field(default_factory=dict)  # audit annotations (admission webhooks)


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _meta(obj: dict) -> dict:
    return obj.setdefault("metadata", {})


def _comparable(obj: dict) -> dict:
    clone = copy.deepcopy(obj)
    for key in ("resourceVersion", "generation", "managedFields"):
        clone.get("metadata", {}).pop(key, None)
    return clone


def _spec_part(obj: dict) -> dict:
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "apiVersion", "kind")}


class ApiServer:
    def __init__(self, server_address: str = "127.0.0.1", webhook_services: dict[str, str] | None = None):
        self.registry = Registry()
        self.store = Store()
        self.controllers = Controllers(self)
        self.webhooks = Webhooks(self, webhook_services)
        self.server_address = server_address
        self.stopping = threading.Event()
        self._bootstrap()

    # -- bootstrap ---------------------------------------------------------

    def _bootstrap(self) -> None:
        namespaces = self.registry.lookup("", "v1", "namespaces")
        for name in ("default", "kube-system", "kube-public", "kube-node-lease"):
            self.create_object(namespaces, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})

    # -- entry point -------------------------------------------------------

    def plan(self, request: Request, context: Context):
        """Route and check ``request``, filling ``context``; return a callable that executes it."""
        route = parse_path(request.path, self.registry)
        if isinstance(route, Discovery):
            if request.method != "GET":
                raise errors.method_not_allowed()
            return lambda: self._discovery(route)
        if route is None:
            raise errors.ApiError(404, "NotFound", "the server could not find the requested resource", {})
        rtype = self.registry.lookup(route.group, route.version, route.plural)
        context.verb = verb_for(request.method, route, request.query.get("watch") in ("true", "1"))
        context.object_ref = self._object_ref(route)
        context.dry_run = self._dry_run(request.query)
        if rtype is None:
            raise errors.ApiError(404, "NotFound", "the server could not find the requested resource", {})
        self._check_scope(rtype, route, context.verb)
        return lambda: self._dispatch(rtype, route, request, context)

    @staticmethod
    def _object_ref(target: Target) -> dict:
        ref = {"resource": target.plural, "apiGroup": target.group, "apiVersion": target.version}
        if target.namespace:
            ref["namespace"] = target.namespace
        if target.name:
            ref["name"] = target.name
        if target.subresource:
            ref["subresource"] = target.subresource
        return ref

    @staticmethod
    def _dry_run(query: dict) -> bool:
        value = query.get("dryRun")
        if value is None:
            return False
        if value != "All":
            raise errors.bad_request(f'Invalid dry run value: unsupported dry run value "{value}"')
        return True

    @staticmethod
    def _check_scope(rtype: ResourceType, target: Target, verb: str) -> None:
        if target.subresource and target.subresource not in rtype.subresources:
            raise errors.ApiError(404, "NotFound", "the server could not find the requested resource", {})
        if target.namespace and not rtype.namespaced:
            raise errors.ApiError(404, "NotFound", "the server could not find the requested resource", {})
        if rtype.namespaced and not target.namespace and verb not in ("list", "watch"):
            raise errors.method_not_allowed()
        verbs = rtype.subresources[target.subresource].verbs if target.subresource else rtype.verbs
        if verb not in verbs and not (verb == "watch" and "list" in verbs):
            raise errors.method_not_allowed()

    def _discovery(self, route: Discovery) -> Response:
        if route.document == "version":
            return Response(200, discovery.server_version())
        if route.document == "api_versions":
            return Response(200, discovery.core_versions(self.server_address))
        if route.document == "groups":
            return Response(200, discovery.group_list(self.registry))
        if route.document == "group":
            document = discovery.group(self.registry, route.group)
        else:
            document = discovery.resource_list(self.registry, route.group, route.version)
        if document is None:
            raise errors.ApiError(404, "NotFound", "the server could not find the requested resource", {})
        return Response(200, document)

    def _dispatch(self, rtype: ResourceType, target: Target, request: Request, context: Context) -> Response:
        verb = context.verb
        if target.subresource not in (None, "status", "log", "scale"):
            raise errors.method_not_allowed(f"the emulator does not implement the {target.subresource} subresource")
        if verb == "get":
            return self._get(rtype, target, request.query)
        if verb == "list":
            return Response(200, self._list(rtype, target, request.query))
        if verb == "watch":
            return Response(200, self._watch(rtype, target, request.query))
        with self.store.lock:
            response = self._write(rtype, target, request, context)
        if target.subresource == "scale":
            response.body = _scale_of(response.body)
        return response

    def _write(self, rtype: ResourceType, target: Target, request: Request, context: Context) -> Response:
        verb = context.verb
        if verb == "create":
            return self._create(rtype, target, request, context.dry_run, context)
        if verb == "update":
            body = self._decode(request)
            return self._update(rtype, target, body, request.query, context.dry_run, context)
        if verb == "patch":
            return self._patch(rtype, target, request, context.dry_run, context)
        if verb == "delete":
            return self._delete(rtype, target, request, context.dry_run)
        return self._delete_collection(rtype, target, request, context.dry_run)

    # -- reads -------------------------------------------------------------

    def _present(self, rtype: ResourceType, obj: dict) -> dict:
        obj["apiVersion"] = rtype.group_version
        obj["kind"] = rtype.kind
        return obj

    def _existing(self, rtype: ResourceType, target: Target) -> dict:
        obj = self.store.get((rtype.group, rtype.plural), target.namespace or "", target.name)
        if obj is None:
            raise errors.not_found(rtype.group, rtype.plural, target.name)
        return self._present(rtype, obj)

    def _get(self, rtype: ResourceType, target: Target, query: dict) -> Response:
        obj = self._existing(rtype, target)
        if target.subresource == "log":
            return Response(200, self.controllers.pod_log(obj, query))
        if target.subresource == "scale":
            return Response(200, _scale_of(obj))
        return Response(200, obj)

    def _selected(self, rtype: ResourceType, target: Target, query: dict) -> list[dict]:
        labels = parse_label_selector(query.get("labelSelector", ""))
        fields = parse_field_selector(query.get("fieldSelector", ""))
        items = self.store.list((rtype.group, rtype.plural), target.namespace)
        return [o for o in items if labels(o["metadata"].get("labels")) and fields(o)]

    def _list(self, rtype: ResourceType, target: Target, query: dict) -> dict:
        with self.store.lock:
            items = self._selected(rtype, target, query)
            revision = str(self.store.revision)
        for item in items:
            if rtype.custom:
                self._present(rtype, item)
            else:
                item.pop("apiVersion", None)
                item.pop("kind", None)
        return {
            "kind": f"{rtype.kind}List",
            "apiVersion": rtype.group_version,
            "metadata": {"resourceVersion": revision},
            "items": items,
        }

    def _watch(self, rtype: ResourceType, target: Target, query: dict):
        labels = parse_label_selector(query.get("labelSelector", ""))
        fields = parse_field_selector(query.get("fieldSelector", ""))
        deadline = time.monotonic() + float(query.get("timeoutSeconds") or _WATCH_DEFAULT_SECONDS)
        key = (rtype.group, rtype.plural)

        def visible(obj: dict) -> bool:
            in_scope = target.namespace is None or obj["metadata"].get("namespace") == target.namespace
            return in_scope and labels(obj["metadata"].get("labels")) and fields(obj)

        def line(event_type: str, obj: dict) -> bytes:
            return (json.dumps({"type": event_type, "object": self._present(rtype, obj)}) + "\n").encode()

        def stream():
            with self.store.lock:
                since = query.get("resourceVersion")
                if since and since != "0":
                    revision = int(since)
                    backlog = []
                else:
                    revision = self.store.revision
                    backlog = [o for o in self.store.list(key, target.namespace) if visible(o)]
            for obj in backlog:
                yield line("ADDED", obj)
            while not self.stopping.is_set() and time.monotonic() < deadline:
                with self.store.changed:
                    events = self.store.events_after(revision, key)
                    if not events:
                        self.store.changed.wait(timeout=min(0.5, max(0.0, deadline - time.monotonic())))
                        continue
                revision = events[-1].resource_version
                for event in events:
                    if visible(event.object):
                        yield line(event.type, copy.deepcopy(event.object))

        return stream()

    # -- writes ------------------------------------------------------------

    def _decode(self, request: Request) -> dict:
        content_type = request.headers.get("content-type", "application/json").split(";")[0].strip()
        if "json" not in content_type and "yaml" not in content_type:
            raise errors.unsupported_media_type(content_type)
        try:
            if "yaml" in content_type:
                body = yaml.safe_load(request.body or b"")
            else:
                body = json.loads(request.body or b"null")
        except (ValueError, yaml.YAMLError) as exc:
            raise errors.bad_request(f"error decoding request body: {exc}")
        if body is None:
            raise errors.bad_request("the body of the request was empty")
        return body

    def _check_identity(self, rtype: ResourceType, body) -> None:
        if not isinstance(body, dict):
            raise errors.bad_request("the object provided is not a JSON object")
        if body.get("kind") not in (None, rtype.kind):
            raise errors.bad_request(
                f'the kind in the data ({body.get("kind")}) does not match the expected kind ({rtype.kind})'
            )
        if body.get("apiVersion") not in (None, rtype.group_version):
            raise errors.bad_request(
                f'the API version in the data ({body.get("apiVersion")}) does not match the expected API version ({rtype.group_version})'
            )

    def _require_namespace(self, namespace: str) -> None:
        if self.store.get(("", "namespaces"), "", namespace) is None:
            raise errors.not_found("", "namespaces", namespace)

    def _admit(self, rtype: ResourceType, obj: dict, query: dict, old: dict | None,
               context: Context | None = None) -> tuple[dict, list[str]]:
        """Prune/validate against the schema, default, call the mutating webhooks (client requests), run semantic validation."""
        mode = query.get("fieldValidation", "Warn")
        if mode not in FIELD_VALIDATION:
            raise errors.bad_request(f'fieldValidation parameter unsupported: "{mode}"')
        validator = Validator(rtype.schema or {}, custom=rtype.custom)
        first = validator.validate(obj)
        if first.type_errors:
            self._raise_type_errors(rtype, obj, first.type_errors)
        if first.unknown_fields and mode == "Strict":
            listed = ", ".join(f'unknown field "{f}"' for f in first.unknown_fields)
            raise errors.bad_request(f"strict decoding error: {listed}")
        warnings = [f'unknown field "{f}"' for f in first.unknown_fields] if mode == "Warn" else []
        obj = first.value
        apply_defaults(rtype.group, obj)
        if context is not None:
            operation = "CREATE" if old is None else "UPDATE"
            namespace = obj["metadata"].get("namespace")
            obj = self.webhooks.mutate(rtype, operation, obj, old, namespace, context.dry_run, context.annotations)
            apply_defaults(rtype.group, obj)
        second = validator.validate(obj)
        causes = second.causes + validate_name(rtype.group, rtype.kind, obj["metadata"].get("name"))
        causes += validate_object(rtype.group, obj)
        if old is not None:
            causes += validate_update(rtype.group, old, obj)
        if causes:
            raise errors.invalid(rtype.group, rtype.kind, obj["metadata"].get("name", ""), causes)
        return second.value, warnings

    @staticmethod
    def _raise_type_errors(rtype: ResourceType, obj: dict, causes: list[errors.Cause]) -> None:
        if rtype.custom:
            raise errors.invalid(rtype.group, rtype.kind, obj.get("metadata", {}).get("name", ""), causes)
        first = causes[0]
        raise errors.bad_request(
            f'{rtype.kind} in version "{rtype.version}" cannot be handled as a {rtype.kind}: '
            f"json: cannot unmarshal {first.message.split(': ', 2)[1]} into Go struct field {rtype.kind}.{first.field}"
        )

    def _create(self, rtype: ResourceType, target: Target, request: Request, dry_run: bool, context: Context) -> Response:
        body = self._decode(request)
        self._check_identity(rtype, body)
        if target.subresource:
            raise errors.method_not_allowed()
        return self._create_body(rtype, target.namespace, body, request.query, dry_run, context)

    def _create_body(self, rtype, namespace, body: dict, query: dict, dry_run: bool, context: Context | None = None) -> Response:
        body = copy.deepcopy(body)
        body["apiVersion"], body["kind"] = rtype.group_version, rtype.kind
        meta = _meta(body)
        if rtype.namespaced:
            if meta.get("namespace") not in (None, namespace):
                raise errors.bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request"
                )
            meta["namespace"] = namespace
            self._require_namespace(namespace)
        else:
            meta.pop("namespace", None)
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + "".join(random.choices(_NAME_SUFFIX_ALPHABET, k=5))
        for key in ("uid", "resourceVersion", "creationTimestamp", "deletionTimestamp", "generation", "managedFields"):
            meta.pop(key, None)
        if rtype.has_status():
            body.pop("status", None)
        obj, warnings = self._admit(rtype, body, query, None, context)
        key = (rtype.group, rtype.plural)
        if self.store.get(key, obj["metadata"].get("namespace", ""), obj["metadata"]["name"]) is not None:
            raise errors.already_exists(rtype.group, rtype.plural, obj["metadata"]["name"])
        meta = obj["metadata"]
        meta["uid"] = str(uuid.uuid4())
        meta["creationTimestamp"] = now()
        if self._tracks_generation(rtype):
            meta["generation"] = 1
        self.controllers.prepare_create(rtype, obj)
        if dry_run:
            return Response(201, obj, warnings)
        meta["resourceVersion"] = self.store.next_revision()
        self.store.put(key, obj, "ADDED")
        self.controllers.reconcile(rtype, obj, "ADDED")
        return Response(201, obj, warnings, mutated=True)

    def create_object(self, rtype: ResourceType, body: dict) -> dict:
        """Create an object on behalf of the emulator itself (bootstrap and controllers)."""
        namespace = body["metadata"].get("namespace")
        return self._create_body(rtype, namespace, body, {}, dry_run=False).body

    @staticmethod
    def _tracks_generation(rtype: ResourceType) -> bool:
        return rtype.custom or (rtype.has_status() and rtype.group != "") or rtype.kind == "Pod"

    def _update(self, rtype, target: Target, body, query: dict, dry_run: bool, context: Context | None = None) -> Response:
        existing = self._existing(rtype, target)
        if target.subresource == "scale":
            body = _apply_scale(existing, body)
        self._check_identity(rtype, body)
        candidate = self._merge_system_fields(rtype, target, existing, copy.deepcopy(body))
        obj, warnings = self._admit(rtype, candidate, query, existing, context if not target.subresource else None)
        self._admit_resize(rtype, existing, obj)
        if _comparable(obj) == _comparable(existing):
            return Response(200, existing, warnings)
        if self._tracks_generation(rtype) and _spec_part(obj) != _spec_part(existing):
            obj["metadata"]["generation"] = existing["metadata"].get("generation", 0) + 1
        if dry_run:
            return Response(200, obj, warnings)
        obj["metadata"]["resourceVersion"] = self.store.next_revision()
        self.store.put((rtype.group, rtype.plural), obj, "MODIFIED")
        self.controllers.reconcile(rtype, obj, "MODIFIED")
        return Response(200, obj, warnings, mutated=True)

    def _merge_system_fields(self, rtype, target: Target, existing: dict, body: dict) -> dict:
        meta, old_meta = _meta(body), existing["metadata"]
        if meta.get("name") not in (None, target.name):
            raise errors.bad_request(
                f"the name of the object ({meta.get('name')}) does not match the name on the URL ({target.name})"
            )
        if meta.get("resourceVersion") not in (None, "", old_meta["resourceVersion"]):
            raise errors.conflict(rtype.group, rtype.plural, target.name)
        if meta.get("namespace") not in (None, old_meta.get("namespace")):
            raise errors.bad_request("the namespace of the provided object does not match the namespace sent on the request")
        if target.subresource == "status":
            status = body.get("status")
            body = copy.deepcopy(existing)
            body["status"] = status
            meta = body["metadata"]
        elif rtype.has_status():
            body["status"] = copy.deepcopy(existing.get("status"))
        for key in ("name", "namespace", "uid", "creationTimestamp", "resourceVersion", "generation", "deletionTimestamp"):
            if key in old_meta:
                meta[key] = old_meta[key]
            else:
                meta.pop(key, None)
        body["apiVersion"], body["kind"] = rtype.group_version, rtype.kind
        return body

    def _admit_resize(self, rtype: ResourceType, existing: dict, obj: dict) -> None:
        """The PersistentVolumeClaimResize admission plugin."""
        if (rtype.group, rtype.kind) != ("", "PersistentVolumeClaim"):
            return
        requested = lambda o: parse_quantity(o["spec"].get("resources", {}).get("requests", {}).get("storage", 0))
        if requested(obj) is None or requested(existing) is None or requested(obj) <= requested(existing):
            return
        class_name = existing["spec"].get("storageClassName")
        storage_class = self.store.get(("storage.k8s.io", "storageclasses"), "", class_name) if class_name else None
        if not existing["spec"].get("volumeName") or not storage_class or not storage_class.get("allowVolumeExpansion"):
            raise errors.ApiError(
                403,
                "Forbidden",
                f'persistentvolumeclaims "{existing["metadata"]["name"]}" is forbidden: only dynamically provisioned '
                "pvc can be resized and the storageclass that provisions the pvc must support resize",
                {"name": existing["metadata"]["name"], "kind": "persistentvolumeclaims"},
            )

    def _patch(self, rtype: ResourceType, target: Target, request: Request, dry_run: bool, context: Context) -> Response:
        content_type = request.headers.get("content-type", "").split(";")[0].strip()
        if content_type not in patch.PATCH_TYPES:
            raise errors.unsupported_media_type(content_type)
        if content_type == patch.STRATEGIC and rtype.custom:
            raise errors.ApiError(415, "UnsupportedMediaType",
                                  "strategic merge patch is not supported for custom resources; use merge patch or apply")
        body = self._decode(request)
        try:
            existing = self._existing(rtype, target)
        except errors.ApiError as exc:
            if content_type == patch.APPLY and exc.code == 404:
                self._check_identity(rtype, body)
                return self._create_body(rtype, target.namespace, body, request.query, dry_run, context)
            raise
        if target.subresource == "scale":
            base = _scale_of(existing)
        else:
            base = existing
        patched = self._apply_patch(content_type, base, body, rtype)
        return self._update(rtype, target, patched, request.query, dry_run, context)

    @staticmethod
    def _apply_patch(content_type: str, base: dict, body, rtype: ResourceType) -> dict:
        if content_type == patch.JSON_PATCH:
            result = patch.json_patch(base, body)
        elif not isinstance(body, dict):
            raise errors.bad_request("the patch must be a JSON object")
        elif content_type == patch.MERGE:
            result = patch.json_merge(base, body)
        elif content_type == patch.STRATEGIC:
            result = patch.strategic_merge(base, body, rtype.schema)
        else:
            result = patch.apply_configuration(base, body, rtype.schema)
        if not isinstance(result, dict):
            raise errors.bad_request("the patch removed the whole object")
        return result

    def _delete(self, rtype: ResourceType, target: Target, request: Request, dry_run: bool) -> Response:
        existing = self._existing(rtype, target)
        options = self._delete_options(request)
        preconditions = options.get("preconditions") or {}
        if preconditions.get("uid") not in (None, existing["metadata"]["uid"]):
            raise errors.conflict(rtype.group, rtype.plural, target.name)
        if preconditions.get("resourceVersion") not in (None, existing["metadata"]["resourceVersion"]):
            raise errors.conflict(rtype.group, rtype.plural, target.name)
        if not dry_run:
            self.delete_object(rtype, existing, options.get("propagationPolicy") or request.query.get("propagationPolicy"))
        if rtype.custom or rtype.kind == "Namespace":
            return Response(200, existing, mutated=not dry_run)
        details = {"name": target.name, "kind": rtype.plural, "uid": existing["metadata"]["uid"]}
        if rtype.group:
            details["group"] = rtype.group
        status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}
        return Response(200, status, mutated=not dry_run)

    def _delete_options(self, request: Request) -> dict:
        if not request.body or not request.body.strip():
            return {}
        options = self._decode(request)
        return options if isinstance(options, dict) else {}

    def _delete_collection(self, rtype: ResourceType, target: Target, request: Request, dry_run: bool) -> Response:
        selected = self._selected(rtype, target, request.query)
        policy = self._delete_options(request).get("propagationPolicy")
        if not dry_run:
            for obj in selected:
                self.delete_object(rtype, self._present(rtype, obj), policy)
        body = {"kind": f"{rtype.kind}List", "apiVersion": rtype.group_version, "metadata": {}, "items": selected}
        return Response(200, body, mutated=bool(selected) and not dry_run)

    def delete_object(self, rtype: ResourceType, obj: dict, propagation: str | None = None) -> None:
        """Remove ``obj`` and cascade: namespace contents, custom resources of a CRD, owned dependents."""
        meta = obj["metadata"]
        removed = self.store.remove((rtype.group, rtype.plural), meta.get("namespace", ""), meta["name"])
        if removed is None:
            return
        if (rtype.group, rtype.kind) == ("", "Namespace"):
            self._delete_namespace_contents(meta["name"])
        self.controllers.reconcile(rtype, removed, "DELETED")
        self._collect_dependents(meta["uid"], orphan=propagation == "Orphan")

    def _delete_namespace_contents(self, namespace: str) -> None:
        for (group, plural), name in self.store.namespaced_keys(namespace):
            rtype = self.registry.by_plural(group, plural)
            obj = self.store.get((group, plural), namespace, name)
            if rtype and obj:
                self.delete_object(rtype, obj)

    def _collect_dependents(self, owner_uid: str, orphan: bool) -> None:
        for (group, plural), obj in self.store.all_objects():
            refs = obj["metadata"].get("ownerReferences") or []
            if not any(ref.get("uid") == owner_uid for ref in refs):
                continue
            rtype = self.registry.by_plural(group, plural)
            if rtype is None:
                continue
            if orphan:
                obj["metadata"]["ownerReferences"] = [r for r in refs if r.get("uid") != owner_uid]
                self.write_system(rtype, obj)
            else:
                self.delete_object(rtype, obj)

    def write_system(self, rtype: ResourceType, obj: dict) -> dict:
        """Store a change made by an emulated controller, bumping resourceVersion only if it changed."""
        key = (rtype.group, rtype.plural)
        current = self.store.get(key, obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
        if current is not None and _comparable(current) == _comparable(obj):
            return current
        obj["metadata"]["resourceVersion"] = self.store.next_revision()
        self.store.put(key, obj, "MODIFIED" if current is not None else "ADDED")
        return obj


def _scale_of(obj: dict) -> dict:
    meta = obj["metadata"]
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp") if k in meta},
        "spec": {"replicas": obj.get("spec", {}).get("replicas", 0)},
        "status": {"replicas": obj.get("status", {}).get("replicas", 0)},
    }


def _apply_scale(existing: dict, scale: dict) -> dict:
    updated = copy.deepcopy(existing)
    updated.setdefault("spec", {})["replicas"] = (scale.get("spec") or {}).get("replicas", 0)
    updated["metadata"]["resourceVersion"] = (scale.get("metadata") or {}).get("resourceVersion") or existing["metadata"]["resourceVersion"]
    return updated
