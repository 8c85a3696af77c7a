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

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.yaml_text import dump_yaml


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
