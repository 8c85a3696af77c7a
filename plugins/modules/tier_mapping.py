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
  - Warns, at default verbosity, about likely mistakes that are not errors - a group of the membership that
    no tier, share or notebook namespace names (with the closest name the spec uses), a group the spec names
    that has no member, a share nobody may mount.
  - Talks to no cluster, except to read the OpenShift Groups with O(read_openshift_groups).
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
      - Defaults to C(spec.users), or to the OpenShift Groups with O(read_openshift_groups).
    type: dict
  read_openshift_groups:
    description:
      - When the spec takes its membership from OpenShift (C(jupyterhub.groups_from=openshift)) and O(users)
        is not given, read the C(users) of every C(user.openshift.io/v1) Group once the spec is valid, and map,
        report and check that membership.
      - Otherwise, with C(groups_from=openshift), the mapping and the report use C(spec.users) and a warning
        says that the membership was not checked.
      - The connection options are those of kubernetes.core (also through C(module_defaults) of the
        action group C(odh_rwx.shared_resources.k8s)); the kubernetes Python library is needed only then.
    type: bool
    default: false
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
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
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
  - The warnings about likely mistakes are computed by C(plugins/module_utils/spec_warnings.py).
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

- name: Validate, and check the membership the cluster's OpenShift Groups give
  odh_rwx.shared_resources.tier_mapping:
    spec: "{{ shared_resources }}"
    read_openshift_groups: true
    return_mapping: false
  module_defaults:
    group/odh_rwx.shared_resources.k8s: "{{ shared_resources_k8s_auth | default({}) }}"

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
likely_mistakes:
  description: The likely mistakes the module warned about, each naming the fields concerned.
  returned: success
  type: list
  elements: str
  sample:
    - "users: group 'imagng' (alice) is named by no tier, share or notebook namespace, so it gives its members nothing (did you mean 'imaging'?)"
"""

import copy
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.common.text.converters import to_native
from ansible_collections.kubernetes.core.plugins.module_utils.args_common import AUTH_ARG_SPEC
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.client import get_api_client
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.exceptions import CoreException

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.access import (
    access_by_user,
    access_matrix,
    describe_accesses,
    describe_signature,
    group_by_signature,
)
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.jupyterhub import users_from_groups
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.report import render_report
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import SpecError, parse_spec, parse_users
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec_warnings import (
    Membership,
    inventory_membership,
    likely_mistakes,
    openshift_membership,
    unread_membership,
)
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.text_files import read_text, write_text_atomically

try:
    from kubernetes.dynamic.exceptions import DynamicApiError, ResourceNotFoundError
    from urllib3.exceptions import MaxRetryError
except ImportError:
    # Only read_openshift_groups needs the kubernetes library.
    KUBERNETES_IMPORT_ERROR = traceback.format_exc()
else:
    KUBERNETES_IMPORT_ERROR = None


def read_openshift_membership(module):
    """user -> groups from every user.openshift.io/v1 Group, or a warning and None when they cannot be read."""
    if KUBERNETES_IMPORT_ERROR:
        module.fail_json(msg=missing_required_lib("kubernetes", reason="to read the OpenShift Groups"),
                         exception=KUBERNETES_IMPORT_ERROR)
    try:
        client = get_api_client(**dict((name, module.params[name]) for name in AUTH_ARG_SPEC))
        groups = client.resources.get(api_version="user.openshift.io/v1", kind="Group")
        return users_from_groups(client.get(groups).to_dict()["items"])
    except ResourceNotFoundError:
        module.warn("jupyterhub.groups_from is openshift, but the cluster serves no user.openshift.io/v1 Group: "
                    "every user would be in no group")
    except CoreException as exc:
        module.fail_json(msg=to_native(exc))
    except MaxRetryError as exc:
        module.fail_json(msg="could not reach the Kubernetes API to read the OpenShift Groups: %s" % exc.reason)
    except DynamicApiError as exc:
        module.fail_json(msg="could not read the OpenShift Groups: %s %s" % (exc.status, exc.reason))
    return None


def membership(module, spec):
    """The Membership the mapping, the report and the warnings use."""
    if module.params["users"] is not None:
        return Membership(parse_users(module.params["users"]), "the users option", False)
    if spec.jupyterhub is None or spec.jupyterhub.groups_from != "openshift":
        return inventory_membership(spec.users)
    users = read_openshift_membership(module) if module.params["read_openshift_groups"] else None
    return openshift_membership(users) if users is not None else unread_membership()


def main():
    argument_spec = copy.deepcopy(AUTH_ARG_SPEC)
    argument_spec.update(
        spec=dict(type="dict", required=True),
        users=dict(type="dict"),
        report_path=dict(type="path"),
        return_mapping=dict(type="bool", default=True),
        read_openshift_groups=dict(type="bool", default=False),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    try:
        spec = parse_spec(module.params["spec"])
        members = membership(module, spec)
    except SpecError as exc:
        module.fail_json(msg=to_native(exc), errors=exc.errors)
    mistakes = likely_mistakes(spec, members)
    for mistake in mistakes:
        module.warn(mistake)
    users = spec.users if members.users is None else members.users

    accesses = access_by_user(spec, users)
    signatures = group_by_signature(accesses)
    matrix = access_matrix(spec, accesses)
    result = dict(
        changed=False, counts=dict(users=len(accesses), shares=len(spec.shares), signatures=len(signatures)), likely_mistakes=mistakes
    )
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
