"""Patch application: JSON merge patch, strategic merge patch, JSON patch and a simplified apply."""

from __future__ import annotations

import copy

import jsonpatch

from . import errors
from .schema import resolve

MERGE = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"
APPLY = "application/apply-patch+yaml"
PATCH_TYPES = (MERGE, STRATEGIC, JSON_PATCH, APPLY)

_DIRECTIVE = "$patch"
_SET_ORDER = "$setElementOrder/"
_DELETE_PRIMITIVES = "$deleteFromPrimitiveList/"
_RETAIN_KEYS = "$retainKeys"


def json_merge(original, patch):
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(original) if isinstance(original, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = json_merge(result.get(key), value)
    return result


def json_patch(original: dict, operations) -> dict:
    if not isinstance(operations, list):
        raise errors.bad_request("json patch must be a list of operations")
    try:
        return jsonpatch.apply_patch(original, operations)
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
        raise errors.ApiError(422, "Invalid", f"the server rejected our request due to an error in our request: {exc}")


def _child_schema(schema: dict | None, key: str) -> dict | None:
    if schema is None:
        return None
    schema = resolve(schema)
    prop = schema.get("properties", {}).get(key)
    if prop is None and isinstance(schema.get("additionalProperties"), dict):
        prop = schema["additionalProperties"]
    return prop


def _list_strategy(field_schema: dict | None) -> tuple[bool, str | None]:
    if field_schema is None:
        return False, None
    strategy = field_schema.get("x-kubernetes-patch-strategy", "")
    return "merge" in strategy.split(","), field_schema.get("x-kubernetes-patch-merge-key")


def strategic_merge(original, patch, schema: dict | None):
    """Kubernetes strategic merge patch, driven by the schema's patch metadata."""
    if not isinstance(patch, dict) or not isinstance(original, dict):
        return _strip_directives(copy.deepcopy(patch))
    directive = patch.get(_DIRECTIVE)
    if directive == "replace":
        return _strip_directives({k: v for k, v in patch.items() if k != _DIRECTIVE})
    if directive == "delete":
        return None
    if directive is not None:
        raise errors.bad_request(f"Unknown patch directive: {directive}")
    result = copy.deepcopy(original)
    for key, value in patch.items():
        if key == _RETAIN_KEYS or key.startswith(_SET_ORDER):
            continue
        if key.startswith(_DELETE_PRIMITIVES):
            target = key[len(_DELETE_PRIMITIVES):]
            result[target] = [v for v in result.get(target, []) if v not in value]
            continue
        field_schema = _child_schema(schema, key)
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict):
            merged = strategic_merge(result.get(key, {}), value, field_schema)
            if merged is None:
                result.pop(key, None)
            else:
                result[key] = merged
        elif isinstance(value, list):
            result[key] = _merge_list(result.get(key), value, field_schema)
        else:
            result[key] = value
    return result


def _merge_list(original, patch: list, field_schema: dict | None) -> list:
    merge, merge_key = _list_strategy(field_schema)
    if any(isinstance(i, dict) and i.get(_DIRECTIVE) == "replace" for i in patch):
        return _strip_directives([i for i in patch if not (isinstance(i, dict) and _DIRECTIVE in i)])
    if not merge or not isinstance(original, list):
        return _strip_directives([i for i in patch if not (isinstance(i, dict) and i.get(_DIRECTIVE) == "delete")])
    if merge_key is None:
        return list(original) + [i for i in patch if i not in original]
    item_schema = resolve(field_schema).get("items")
    result = copy.deepcopy(original)
    for item in patch:
        index = next(
            (i for i, existing in enumerate(result) if isinstance(existing, dict) and existing.get(merge_key) == item.get(merge_key)),
            None,
        )
        if item.get(_DIRECTIVE) == "delete":
            if index is not None:
                del result[index]
        elif index is None:
            result.append(_strip_directives(copy.deepcopy(item)))
        else:
            result[index] = strategic_merge(result[index], item, item_schema)
    return result


def _strip_directives(value):
    if isinstance(value, dict):
        return {
            k: _strip_directives(v)
            for k, v in value.items()
            if k not in (_DIRECTIVE, _RETAIN_KEYS) and not k.startswith((_SET_ORDER, _DELETE_PRIMITIVES))
        }
    if isinstance(value, list):
        return [_strip_directives(v) for v in value]
    return value


def apply_configuration(original: dict, applied: dict, schema: dict | None) -> dict:
    """Simplified server-side apply: merge the applied configuration into the live object.

    Field ownership is not tracked, so fields dropped from a later configuration
    are kept and conflicts between managers are never reported.
    """
    return strategic_merge(original, applied, schema)
