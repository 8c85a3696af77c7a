"""The spec's JSON Schema (docs/shared_resources.schema.json) next to the validator: what each says about a spec.

Field paths are written as the validator writes them (``shares[0].size``, ``tiers.public.gid``); the
validator's share paths also carry the share's name (``shares[0] (census).size``), which
``field_path`` drops so that both sides compare.
"""

import copy
import json
import os
import re

import yaml
from jsonschema import Draft7Validator

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import SpecError, parse_spec

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCHEMA_PATH = os.path.join(REPO_ROOT, "docs", "shared_resources.schema.json")
EXAMPLE_PATH = os.path.join(REPO_ROOT, "examples", "inventory", "group_vars", "all", "shared_resources.yml")
CORPUS_DIR = os.path.join(REPO_ROOT, "tests", "corpus")

with open(SCHEMA_PATH) as handle:
    SCHEMA = json.load(handle)
VALIDATOR = Draft7Validator(SCHEMA)
_SHARE_NAME = re.compile(r"^(shares\[\d+\]) \([^)]*\)")


def load_yaml(path):
    with open(path) as handle:
        return yaml.safe_load(handle)


def example_spec():
    """The example inventory's spec, as the file holds it (templates unrendered), a fresh copy."""
    return copy.deepcopy(load_yaml(EXAMPLE_PATH)["shared_resources"])


def complete_specs():
    """(name, spec) of tests/corpus/complete_specs.yml: between them every field of the schema is set."""
    return [(case["name"], dict(example_spec(), **copy.deepcopy(case["sections"])))
            for case in load_yaml(os.path.join(CORPUS_DIR, "complete_specs.yml"))]


def schema_errors(spec):
    """The schema's errors for a vars file holding ``spec`` as shared_resources."""
    return list(VALIDATOR.iter_errors({"shared_resources": spec}))


def validator_errors(spec):
    try:
        parse_spec(spec)
    except SpecError as exc:
        return exc.errors
    return []


def schema_error_paths(errors):
    """The field path of every error and of every error under it (the branches of anyOf/oneOf)."""
    paths = set()
    pending = list(errors)
    while pending:
        error = pending.pop()
        paths.add(to_field_path(list(error.absolute_path)[1:]))
        pending.extend(error.context or [])
    return paths


def to_field_path(parts):
    """['shares', 0, 'size'] -> 'shares[0].size'."""
    path = ""
    for part in parts:
        path += "[%d]" % part if isinstance(part, int) else ("." if path else "") + str(part)
    return path


def field_path(message):
    """The field path a validator message names, without the share's name: 'shares[0].size'."""
    return _SHARE_NAME.sub(r"\1", message.split(": ", 1)[0])


def within(path, field):
    """Whether ``path`` is ``field`` or a path inside it; every path is inside the spec's own, ''."""
    return not field or path == field or path.startswith(field + ".") or path.startswith(field + "[")


def merged(base, over):
    """``over`` merged into ``base``: mappings merge recursively, anything else replaces."""
    if isinstance(base, dict) and isinstance(over, dict):
        result = dict(base)
        for key, value in over.items():
            result[key] = merged(base[key], value) if key in base else value
        return result
    return over
