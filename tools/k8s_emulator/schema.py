"""Validation and pruning of objects against OpenAPI schemas.

Built-in kinds use the upstream definitions (where closed objects carry
``additionalProperties: false``); custom resources use their CRD's
``openAPIV3Schema`` with structural-schema semantics: unknown fields are pruned
unless ``x-kubernetes-preserve-unknown-fields`` is set, ``default`` values are
applied, and nulls are dropped.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

from . import errors
from .catalog import definitions

_JSON_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
}


@dataclass
class Outcome:
    """Result of validating one object."""

    value: object
    causes: list[errors.Cause] = field(default_factory=list)
    type_errors: list[errors.Cause] = field(default_factory=list)
    unknown_fields: list[str] = field(default_factory=list)


def resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = definitions()[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def declared_types(schema: dict) -> list[str]:
    declared = schema.get("type")
    if declared is None:
        return []
    types = [declared] if isinstance(declared, str) else list(declared)
    return [t for t in types if t != "null"]


class Validator:
    def __init__(self, schema: dict, custom: bool):
        self.schema = schema
        self.custom = custom

    def validate(self, obj: dict) -> Outcome:
        outcome = Outcome(value=None)
        outcome.value = self._walk(obj, self.schema, "", outcome)
        return outcome

    def _walk(self, value, schema: dict, path: str, outcome: Outcome):
        schema = resolve(schema)
        if schema.get("x-kubernetes-preserve-unknown-fields") and not schema.get("properties"):
            return value
        if "oneOf" in schema or "anyOf" in schema or schema.get("x-kubernetes-int-or-string"):
            return self._walk_alternatives(value, schema, path, outcome)
        types = declared_types(schema)
        if not types:
            if self.custom and schema.get("properties"):
                types = ["object"]
            else:
                return value
        if not any(_JSON_TYPES[t](value) for t in types):
            outcome.type_errors.append(errors.type_invalid(path or "<root>", value, types[0]))
            return value
        self._check_constraints(value, schema, path, outcome)
        if isinstance(value, dict):
            return self._walk_object(value, schema, path, outcome)
        if isinstance(value, list) and "items" in schema:
            return [self._walk(item, schema["items"], f"{path}[{i}]", outcome) for i, item in enumerate(value)]
        return value

    def _walk_alternatives(self, value, schema: dict, path: str, outcome: Outcome):
        if schema.get("x-kubernetes-int-or-string"):
            alternatives = [{"type": "integer"}, {"type": "string"}]
        else:
            alternatives = schema.get("oneOf") or schema.get("anyOf")
        for alternative in alternatives:
            trial = Outcome(value=None)
            result = self._walk(value, alternative, path, trial)
            if not trial.type_errors and not trial.causes:
                outcome.unknown_fields.extend(trial.unknown_fields)
                return result
        expected = " or ".join(t for alt in alternatives for t in declared_types(resolve(alt))) or "a valid value"
        outcome.type_errors.append(errors.type_invalid(path or "<root>", value, expected))
        return value

    def _walk_object(self, value: dict, schema: dict, path: str, outcome: Outcome) -> dict:
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        preserve = schema.get("x-kubernetes-preserve-unknown-fields", False)
        result = {}
        for key, item in value.items():
            item_path = f"{path}.{key}" if path else key
            if item is None:
                continue
            if key in properties:
                result[key] = self._walk(item, properties[key], item_path, outcome)
            elif isinstance(extra, dict):
                result[key] = self._walk(item, extra, item_path, outcome)
            elif preserve or self._is_open(schema, extra):
                result[key] = item
            else:
                outcome.unknown_fields.append(item_path)
        if self.custom:
            self._apply_defaults(result, properties)
        for key in schema.get("required", ()):
            if key not in result:
                outcome.causes.append(errors.required(f"{path}.{key}" if path else key))
        return result

    def _is_open(self, schema: dict, extra) -> bool:
        if extra is True:
            return True
        if self.custom:
            return False
        return extra is None and not schema.get("properties")

    @staticmethod
    def _apply_defaults(result: dict, properties: dict) -> None:
        for key, prop in properties.items():
            if key not in result and "default" in prop:
                result[key] = copy.deepcopy(prop["default"])

    def _check_constraints(self, value, schema: dict, path: str, outcome: Outcome) -> None:
        enum = schema.get("enum")
        if enum and value not in enum:
            outcome.causes.append(errors.unsupported_value(path, value, enum))
        for cause in _bound_violations(value, schema, path):
            outcome.causes.append(cause)


def _bound_violations(value, schema: dict, path: str):
    if isinstance(value, str):
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            yield errors.Cause("FieldValueTooLong", f"Too long: may not be more than {schema['maxLength']} bytes", path)
        if "minLength" in schema and len(value) < schema["minLength"]:
            yield errors.invalid_value(path, value, f"{path} in body should be at least {schema['minLength']} chars long")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            yield errors.invalid_value(path, value, f"{path} in body should match '{schema['pattern']}'")
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            yield errors.invalid_value(path, value, f"{path} in body should be greater than or equal to {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            yield errors.invalid_value(path, value, f"{path} in body should be less than or equal to {schema['maximum']}")
    elif isinstance(value, list):
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            yield errors.Cause("FieldValueTooMany", f"Too many: {len(value)}: must have at most {schema['maxItems']} items", path)
        if "minItems" in schema and len(value) < schema["minItems"]:
            yield errors.invalid_value(path, len(value), f"{path} in body should have at least {schema['minItems']} items")
