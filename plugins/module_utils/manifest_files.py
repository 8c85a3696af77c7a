# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Name and render Kubernetes manifests as one YAML file per object, for GitOps repositories.

The output must be byte-for-byte stable so that a re-render of unchanged objects changes no
file: keys are sorted (as ``kubectl get -o yaml`` does), whatever order the inventory or a
template gave them, and multi-line strings (ConfigMap data, scripts) are literal blocks
(yaml_text.py, which also takes ansible-core's tagged data).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import os

from ansible.module_utils.common.text.converters import to_native

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.text_files import read_text, write_text_atomically
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.yaml_text import dump_yaml

# Longer lines of a diff are shortened (with their length and digest, so that a change still shows): a
# script or a JSON document on one line would otherwise print tens of thousands of characters.
MAX_DIFF_LINE = 800
HIDDEN = "<hidden>"


def missing_fields(definition):
    """The fields a manifest needs to be named, that ``definition`` lacks."""
    if not isinstance(definition, dict):
        return ["kind", "metadata.name"]
    metadata = definition.get("metadata")
    missing = [] if definition.get("kind") else ["kind"]
    if not (isinstance(metadata, dict) and metadata.get("name")):
        missing.append("metadata.name")
    return missing


def manifest_filename(definition):
    """``<kind>_<namespace or "cluster">_<name>.yaml``, lower case."""
    metadata = definition["metadata"]
    return ("%s_%s_%s.yaml" % (definition["kind"], metadata.get("namespace") or "cluster", metadata["name"])).lower()


def render_manifest(definition):
    """The YAML document of one object: block style, sorted keys, starting with ``---``."""
    return dump_yaml(definition, explicit_start=True)


def check_definitions(definitions):
    """One message per definition that cannot be written, and per file two definitions would share."""
    errors = []
    owner_of = {}
    for index, definition in enumerate(definitions):
        missing = missing_fields(definition)
        if missing:
            errors.append("definitions[%d]: needs %s to name its file" % (index, " and ".join(missing)))
            continue
        filename = manifest_filename(definition)
        if filename in owner_of:
            errors.append("definitions[%d]: %s is already the file of definitions[%d]" % (index, filename, owner_of[filename]))
        owner_of.setdefault(filename, index)
    return errors


def render_files(module, definitions, dest):
    """Write each definition to its file in ``dest`` (nothing in check mode): (files, written, diffs).

    Fails the module when a file cannot be written; call check_definitions first.
    """
    files, written, diffs = [], [], []
    for definition in definitions:
        path = os.path.join(dest, manifest_filename(definition))
        files.append(path)
        content = render_manifest(definition)
        current = read_text(path)
        if current == content:
            continue
        written.append(path)
        diffs.append(dict(before=shorten_lines(current or ""), after=shorten_lines(content), before_header=path, after_header=path))
        if module.check_mode:
            continue
        try:
            os.makedirs(dest, exist_ok=True)
            write_text_atomically(module, path, content)
        except (IOError, OSError) as exc:
            module.fail_json(msg="could not write %s: %s" % (path, to_native(exc)))
    return files, written, diffs


def _shorten(line):
    if len(line) <= MAX_DIFF_LINE:
        return line
    digest = hashlib.sha256(line.encode("utf-8")).hexdigest()[:12]
    return "%s... [%d characters, sha256 %s]" % (line[:200], len(line), digest)


def shorten_lines(text):
    """``text`` with every line longer than MAX_DIFF_LINE shortened, for a diff."""
    return "".join(_shorten(line) + "\n" for line in text.splitlines())


def _hide_secret_data(before, after):
    """The Secret values of ``before`` and ``after`` replaced by a marker that still tells which key changed."""
    hidden = []
    for document, other in ((before, after), (after, before)):
        if not document or document.get("kind", (other or {}).get("kind")) != "Secret":
            hidden.append(document)
            continue
        document = dict(document)
        for field in ("data", "stringData"):
            if isinstance(document.get(field), dict):
                theirs = (other or {}).get(field) or {}
                document[field] = dict(
                    (key, HIDDEN if theirs.get(key) == value else HIDDEN + " (changed)") for key, value in document[field].items())
        hidden.append(document)
    return hidden


def diff_text(entry):
    """A diff entry whose ``before`` and ``after`` objects are YAML text: Ansible then shows a line diff of
    objects, multi-line strings as lines; Secret values are hidden and overlong lines shortened."""
    before, after = _hide_secret_data(entry["before"], entry["after"])
    texts = []
    for document in (before, after):
        texts.append(shorten_lines(dump_yaml(document)) if document else "")
    return dict(entry, before=texts[0], after=texts[1])
