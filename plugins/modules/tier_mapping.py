#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: tier_mapping
short_description: Compute which users mount which shared tiers, and write the access report
version_added: 1.0.0
author: odh_rwx maintainers (@odh-rwx)
description:
  - Validates a C(shared_resources) spec and maps every user to the shares their groups entitle
    them to, read-write or read-only, with the pod volumes, mounts and supplemental groups that
    follow.
  - Groups users with identical access into signatures, so that later outputs (JupyterHub
    profiles, patches) scale with the number of distinct signatures, not with users.
  - Optionally writes the access report as Markdown tables.
  - Talks to no cluster; run it on the controller.
options:
  spec:
    description:
      - The C(shared_resources) spec with C(namespace), C(tiers), C(shares) and optionally C(users).
      - Every problem of the whole spec is reported at once, each named by its field path.
    type: dict
    required: true
  users:
    description:
      - Mapping of user name to the list of groups the user belongs to.
      - Defaults to C(spec.users).
    type: dict
  report_path:
    description:
      - Write the access report as Markdown to this file.
      - The module reports a change only when the file content changes.
    type: path
  return_mapping:
    description:
      - Return RV(users), RV(signatures) and RV(matrix).
      - With V(false) the module only validates, writes the report and returns RV(counts); the
        per-user mapping of a large organisation runs to megabytes that a rollout does not need.
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    description: In check mode the report is not written; the result says whether it would change.
  diff_mode:
    support: full
    description: Shows the old and new report content.
notes:
  - The mapping code lives in module_utils and does not depend on Ansible, so JupyterHub hooks can
    import the same rules.
seealso:
  - plugin: odh_rwx.shared_resources.tier_mounts
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Map users to their tiers and write the access report
  odh_rwx.shared_resources.tier_mapping:
    spec: "{{ shared_resources }}"
    report_path: "{{ playbook_dir }}/access-report.md"
  register: mapping

- name: Map users whose groups come from elsewhere
  odh_rwx.shared_resources.tier_mapping:
    spec: "{{ shared_resources }}"
    users:
      alice: [team-a, analysts]
      bob: [cleared]

- name: Show who can write the projects share
  ansible.builtin.debug:
    msg: "{{ mapping.matrix.projects | dict2items | selectattr('value', 'equalto', 'rw') | map(attribute='key') }}"
"""

RETURN = r"""
users:
  description: Per user, the shares mounted and the pod-spec pieces.
  returned: when O(return_mapping=true)
  type: dict
  sample:
    alice:
      signature: sig-1f0c2a9e3b
      shares:
        - {name: census, tier: public, mode: ro, claim_name: census,
           mount_path: /opt/app-root/src/shared/public/census}
      volumes:
        - name: shared-census
          persistentVolumeClaim: {claimName: census, readOnly: true}
      volume_mounts:
        - {name: shared-census, mountPath: /opt/app-root/src/shared/public/census, readOnly: true}
      supplemental_groups: [40001]
signatures:
  description: Users grouped by identical access, sorted by id; each has the fields of a user entry plus O(users).
  returned: when O(return_mapping=true)
  type: list
  elements: dict
  sample:
    - id: sig-1f0c2a9e3b
      users: [alice, carol]
      shares: [{name: census, tier: public, mode: ro, claim_name: census,
                mount_path: /opt/app-root/src/shared/public/census}]
      volumes: []
      volume_mounts: []
      supplemental_groups: [40001]
matrix:
  description: For every share and user, V(rw), V(ro) or V(none).
  returned: when O(return_mapping=true)
  type: dict
  sample: {census: {alice: ro, bob: ro}, hr-records: {alice: none, bob: rw}}
counts:
  description: How many users, shares and distinct access signatures the spec maps.
  returned: success
  type: dict
  sample: {users: 40, shares: 7, signatures: 16}
report_path:
  description: The report file, when O(report_path) is set.
  returned: when O(report_path) is set
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.access import (
    access_by_user,
    access_matrix,
    describe_accesses,
    describe_signature,
    group_by_signature,
)
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.report import render_report
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import SpecError, parse_spec, parse_users
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.text_files import read_text, write_text_atomically


def main():
    module = AnsibleModule(
        argument_spec=dict(
            spec=dict(type="dict", required=True),
            users=dict(type="dict"),
            report_path=dict(type="path"),
            return_mapping=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    try:
        spec = parse_spec(module.params["spec"])
        users = spec.users if module.params["users"] is None else parse_users(module.params["users"])
    except SpecError as exc:
        module.fail_json(msg=to_native(exc), errors=exc.errors)

    accesses = access_by_user(spec, users)
    signatures = group_by_signature(accesses)
    matrix = access_matrix(spec, accesses)
    result = dict(changed=False, counts=dict(users=len(accesses), shares=len(spec.shares), signatures=len(signatures)))
    if module.params["return_mapping"]:
        signature_of = dict((signature.accesses, signature.id) for signature in signatures)
        result.update(
            users=dict((user, dict(describe_accesses(granted), signature=signature_of[granted])) for user, granted in accesses.items()),
            signatures=[describe_signature(signature) for signature in signatures],
            matrix=matrix,
        )

    path = module.params["report_path"]
    if path:
        result["report_path"] = path
        report = render_report(spec, matrix, signatures)
        current = read_text(path)
        if current != report:
            result["changed"] = True
            if module._diff:
                result["diff"] = dict(before=current or "", after=report, before_header=path, after_header=path)
            if not module.check_mode:
                try:
                    write_text_atomically(module, path, report)
                except (IOError, OSError) as exc:
                    module.fail_json(msg="could not write the access report to %s: %s" % (path, to_native(exc)))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
