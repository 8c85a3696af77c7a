#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: k8s_render
short_description: Write Kubernetes manifests to YAML files instead of applying them
version_added: 1.0.0
author: odh_rwx maintainers (@odh-rwx)
description:
  - Writes each object of O(definitions) to its own YAML file in O(dest), for a GitOps repository
    (Argo CD, Flux) to apply instead of Ansible.
  - A file is named C(<kind>_<namespace>_<name>.yaml) in lower case, with C(cluster) as the
    namespace of objects without C(metadata.namespace), for example
    C(storageclass_cluster_shared-rwx.yaml) or C(persistentvolumeclaim_rhods-notebooks_census.yaml).
  - The YAML is deterministic, so re-rendering unchanged objects changes no file. Keys are sorted,
    as C(kubectl get -o yaml) sorts them, whatever order the definitions had; multi-line strings are
    literal blocks; each file starts with C(---).
  - Files are replaced atomically, and only when their content changes.
  - Needs no kubeconfig and makes no API call. Files in O(dest) that no definition names are left alone.
options:
  definitions:
    description:
      - The Kubernetes objects to write, each a full manifest with at least C(kind) and C(metadata.name).
    type: list
    elements: dict
    required: true
  dest:
    description:
      - The directory to write the files to. It is created when missing.
    type: path
    required: true
attributes:
  check_mode:
    support: full
    description: In check mode nothing is written; RV(written) lists the files that would change.
  diff_mode:
    support: full
    description: Shows the old and new content of every file that changes.
requirements:
  - PyYAML
seealso:
  - module: odh_rwx.shared_resources.k8s_plan
"""

EXAMPLES = r"""
- name: Write the shared storage objects to the GitOps repository
  odh_rwx.shared_resources.k8s_render:
    definitions: "{{ shared_resources_objects }}"
    dest: "{{ gitops_repo }}/clusters/prod/shared-resources"
  register: rendered

- name: Show the files that changed
  ansible.builtin.debug:
    var: rendered.written
"""

RETURN = r"""
files:
  description: Every file of O(definitions), in the order of the definitions, changed or not.
  returned: success
  type: list
  elements: path
  sample: [/srv/gitops/shared/storageclass_cluster_shared-rwx.yaml, /srv/gitops/shared/persistentvolumeclaim_rhods-notebooks_census.yaml]
written:
  description: The files whose content changed (in check mode, would change).
  returned: success
  type: list
  elements: path
  sample: [/srv/gitops/shared/persistentvolumeclaim_rhods-notebooks_census.yaml]
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.manifest_files import check_definitions, render_files
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.yaml_text import HAS_YAML, YAML_IMPORT_ERROR


def main():
    module = AnsibleModule(
        argument_spec=dict(
            definitions=dict(type="list", elements="dict", required=True),
            dest=dict(type="path", required=True),
        ),
        supports_check_mode=True,
    )
    if not HAS_YAML:
        module.fail_json(msg=missing_required_lib("PyYAML"), exception=YAML_IMPORT_ERROR)

    definitions = module.params["definitions"]
    dest = module.params["dest"]
    errors = check_definitions(definitions)
    if errors:
        module.fail_json(msg="cannot render the definitions:\n  - " + "\n  - ".join(errors), errors=errors)

    files, written, diffs = render_files(module, definitions, dest)
    result = dict(changed=bool(written), files=files, written=written)
    if module._diff:
        result["diff"] = diffs
    module.exit_json(**result)


if __name__ == "__main__":
    main()
