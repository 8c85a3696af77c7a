#!/usr/bin/env python3
"""Write docs/spec.md, the reference of the shared_resources spec, from docs/shared_resources.schema.json.

The schema is the one source: every field's description, type, default and allowed values come from
it, so the page cannot drift from what editors check (tests/unit/test_spec_schema.py fails when
docs/spec.md is not what this script writes). Run `make spec-reference` after editing the schema.

    python tools/spec_reference.py            # rewrite docs/spec.md
    python tools/spec_reference.py --check    # exit 1 when docs/spec.md is stale
"""

import argparse
import json
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SCHEMA_PATH = REPO_ROOT / "docs" / "shared_resources.schema.json"
SPEC_MD_PATH = REPO_ROOT / "docs" / "spec.md"
DEFINITIONS = "#/definitions/"

INTRODUCTION = """\
<!-- Generated from docs/shared_resources.schema.json by tools/spec_reference.py: edit the schema, then run
     `make spec-reference`. -->
# The `shared_resources` spec

Everything the collection deploys comes from one variable, `shared_resources`. This page lists every
field: its type, its default and what it does. It is generated from the JSON Schema
[`shared_resources.schema.json`](shared_resources.schema.json), which the collection ships in `docs/`.

**In your editor.** Editors with the YAML language server (VS Code's Red Hat YAML extension, Neovim and
others) check a vars file against the schema as you type, complete field names and show these
descriptions. Put a modeline on the first line of the file that holds `shared_resources`, with the
path of the schema relative to that file, or its absolute path in the installed collection
(`ansible-galaxy collection list odh_rwx.shared_resources` shows where it is):

```yaml
# yaml-language-server: $schema=<collections path>/ansible_collections/odh_rwx/shared_resources/docs/shared_resources.schema.json
shared_resources:
  namespace: rhods-notebooks
```

`examples/inventory/group_vars/all/shared_resources.yml` carries one. The schema describes the file:
it requires `shared_resources` and leaves the file's other variables alone. Values written as Jinja
templates (`"{{ ... }}"`) are strings to an editor: a templated number or list is flagged although
Ansible would render it.

**What only the validator sees.** The schema checks structure, types, allowed values and formats. The
collection's validator (the first task of `site` and the `validate` playbook) checks all of that
again and also what a schema cannot express: references between fields (a share's `tier` must name a
tier, `lmod.share` a share everybody may read), duplicates (share names, claim names, mount paths,
tier gids, kernel names), comparisons (a limit below its request) and rules across sections (strict
permissions and the storage backend, notebook namespaces and static volumes). It reports every
problem at once, each with its field path, for example
`shares[3] (projects).tier: unknown tier 'privat' (did you mean 'private'?)`. Run
`ansible-playbook odh_rwx.shared_resources.validate -e @vars.yml` to see them without a cluster; it
also warns about likely mistakes that are not errors (a group nobody is in, a group no tier names, a
share nobody may read).

In the tables, a default in `code` is the value used when the field is left out. Where a type allows
`null`, it is the same as leaving the field out, except for `permissions.umask` (`null`: the notebook
image's own umask).
"""


def load_schema(path=SCHEMA_PATH):
    with open(path) as handle:
        return json.load(handle)


def resolve(definitions, node):
    """The schema a node stands for: through $ref and the allOf/anyOf wrappers that carry a $ref."""
    if "$ref" in node:
        return resolve(definitions, definitions[node["$ref"][len(DEFINITIONS):]])
    for wrapper in ("allOf", "anyOf"):
        refs = [item for item in node.get(wrapper, []) if isinstance(item, dict) and "$ref" in item]
        if refs and not node.get("properties"):
            return resolve(definitions, refs[0])
    return node


def branch_fields(then):
    """The fields an if/then branch declares (with descriptions); branches that only narrow fields declared
    above are rules, told in the descriptions."""
    return dict((name, sub) for name, sub in then.get("properties", {}).items() if isinstance(sub, dict) and "description" in sub)


class Reference(object):
    """Renders the schema as Markdown sections, one per object of the spec."""

    def __init__(self, schema):
        self.schema = schema
        self.definitions = schema["definitions"]
        self.sections = []

    def resolve(self, node):
        return resolve(self.definitions, node)

    def definition_link(self, node):
        for item in [node] + node.get("allOf", []) + node.get("anyOf", []):
            if isinstance(item, dict) and "$ref" in item:
                name = item["$ref"][len(DEFINITIONS):]
                return "[%s](#%s)" % (self.definitions[name]["title"], anchor("format-" + name))
        return None

    def nullable(self, node):
        types = node.get("type")
        return (isinstance(types, list) and "null" in types) or any(
            isinstance(item, dict) and item.get("type") == "null" for item in node.get("anyOf", []))

    def type_text(self, node, path):
        """The Type cell: a format link, a list of ..., a mapping (with a link to its section), an enum, ..."""
        link = self.definition_link(node)
        resolved = self.resolve(node)
        if "enum" in node:
            text = "one of " + ", ".join("`%s`" % value for value in node["enum"])
        elif link:
            text = link
        else:
            text = self.structural_type(node, path)
        extras = []
        if "minimum" in node and "maximum" in node:
            extras.append("%d to %d" % (node["minimum"], node["maximum"]))
        elif "minimum" in node:
            extras.append("at least %d" % node["minimum"])
        if node.get("minItems"):
            extras.append("at least %d item%s" % (node["minItems"], "s" if node["minItems"] > 1 else ""))
        if isinstance(node.get("not"), dict) and "const" in node["not"]:
            extras.append("not `%s`" % node["not"]["const"])
        if "pattern" in node and not link and "enum" not in node:
            extras.append("pattern `%s`" % node["pattern"].replace("|", "\\|"))
        if self.nullable(node) and "null" not in text:
            text += " or null"
        return text + ("; " + "; ".join(extras) if extras else "")

    def structural_type(self, node, path):
        types = node.get("type")
        types = [t for t in (types if isinstance(types, list) else [types]) if t and t != "null"]
        if "anyOf" in node and not types:
            return " or ".join(self.type_text(item, path) for item in node["anyOf"] if item.get("type") != "null")
        if types == ["array"]:
            return "list of %s" % self.items_text(node, path)
        if types == ["object"] and "properties" in node:
            return "mapping, see [%s](#%s)" % (path, anchor(path))
        if types == ["object"]:
            values = node.get("additionalProperties")
            if isinstance(values, dict) and self.resolve(values).get("properties"):
                return "mapping of names to mappings, see [%s](#%s)" % (path + ".<name>", anchor(path + ".<name>"))
            return "mapping of names to %s" % (self.type_text(values, path) if isinstance(values, dict) else "anything")
        return " or ".join(types) if types else "any"

    def items_text(self, node, path):
        items = node.get("items", {})
        if self.resolve(items).get("properties") or any("properties" in item for item in items.get("anyOf", [])):
            return "mappings, see [%s](#%s)" % (path + "[]", anchor(path + "[]"))
        text = self.type_text(items, path + "[]")
        return "%ss" % text if text in ("string", "integer", "boolean") else text

    def default_text(self, name, node, required):
        if name in required:
            return "**required**"
        if "default" in node:
            return "`%s`" % json.dumps(node["default"])
        return node.get("x-default", "")

    def row(self, name, node, required, path):
        description = node.get("description", "").replace("|", "\\|").replace("\n", " ")
        return "| `%s` | %s | %s | %s |" % (
            name, self.type_text(node, "%s.%s" % (path, name)), self.default_text(name, node, required), description)

    def table(self, properties, required, path):
        lines = ["| field | type | default | description |", "| --- | --- | --- | --- |"]
        lines.extend(self.row(name, node, required, path) for name, node in properties.items())
        return "\n".join(lines)

    def variants(self, node):
        """(condition, fields, required) of the if/then branches that bring fields of their own (lmod.source per type)."""
        found = []
        for rule in node.get("allOf", []):
            condition, then = rule.get("if", {}), rule.get("then", {})
            fields = branch_fields(then)
            for key, test in condition.get("properties", {}).items():
                if "const" in test and fields:
                    found.append(("%s: %s" % (key, test["const"]), fields, then.get("required", [])))
        return found

    def add_object(self, path, node, level):
        node = self.resolve(node)
        description = node.get("description", "")
        body = ["%s <a id=\"%s\"></a>`%s`" % ("#" * level, anchor(path), path), "", description, ""]
        if node.get("properties"):
            body += [self.table(node["properties"], node.get("required", []), path), ""]
        for condition, fields, required in self.variants(node):
            body += ["With `%s`:" % condition, "", self.table(fields, [r for r in required if r in fields], path), ""]
        self.sections.append("\n".join(body))
        children = list(node.get("properties", {}).items())
        for _condition, fields, _required in self.variants(node):
            children += list(fields.items())
        for name, child in children:
            self.add_children("%s.%s" % (path, name), child, level + 1)

    def add_children(self, path, node, level):
        resolved = self.resolve(node)
        types = resolved.get("type")
        types = types if isinstance(types, list) else [types]
        if "object" in types and resolved.get("properties"):
            self.add_object(path, resolved, level)
        elif "object" in types and isinstance(resolved.get("additionalProperties"), dict):
            values = self.resolve(resolved["additionalProperties"])
            if values.get("properties"):
                self.add_object(path + ".<name>", values, level)
        elif "array" in types:
            items = resolved.get("items", {})
            objects = [item for item in [items] + items.get("anyOf", []) if self.resolve(item).get("properties")]
            for item in objects:
                self.add_object(path + "[]", item, level)

    def formats(self):
        lines = ["## Formats", ""]
        for name, definition in sorted(self.definitions.items(), key=lambda item: item[1].get("title", "").lower()):
            if name == "spec":
                continue
            lines += ["### <a id=\"%s\"></a>%s" % (anchor("format-" + name), definition["title"]), "", definition["description"], ""]
            patterns = [definition.get("pattern")] + [definition.get("items", {}).get("pattern")]
            for pattern in [p for p in patterns if p]:
                lines += ["Pattern: `%s`" % pattern, ""]
        return "\n".join(lines)

    def render(self):
        spec = self.definitions["spec"]
        self.add_object("shared_resources", spec, 2)
        return INTRODUCTION + "\n" + "\n".join(self.sections) + "\n" + self.formats().rstrip("\n") + "\n"


def anchor(path):
    """An HTML id for a field path: lower-case, with every run of other characters turned into '-'."""
    out, dash = [], False
    for character in path.lower():
        if character.isalnum() or character == "_":
            out.append(character)
            dash = False
        elif not dash:
            out.append("-")
            dash = True
    return "".join(out).strip("-")


def render(schema=None):
    return Reference(schema or load_schema()).render()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when docs/spec.md is not what the schema gives")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = SPEC_MD_PATH.read_text() if SPEC_MD_PATH.exists() else ""
        if current != text:
            sys.stderr.write("docs/spec.md is stale: run make spec-reference\n")
            return 1
        return 0
    SPEC_MD_PATH.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
