#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: k8s_plan
short_description: Decide which Kubernetes objects need applying, without writing anything
version_added: 1.0.0
author: odh_rwx maintainers (@odh-rwx)
description:
  - Reads the live object of every definition (one list per kind and namespace that several
    definitions share, one GET otherwise) and tells which ones a following
    M(kubernetes.core.k8s) task with O(kubernetes.core.k8s#module:apply=true) must apply, which ones
    are already as desired, and which changes the API server would refuse.
  - Makes no write at all, in check mode or not, so that a rerun of a rollout sends no write and
    C(--check) needs neither write permissions nor existing namespaces.
  - An object is unchanged when every value its definition sets is already live, and when the
    C(kubectl.kubernetes.io/last-applied-configuration) annotation, if present, records this very
    definition (otherwise a field dropped from the definition would never leave the cluster).
  - Values compare as the API server returns them. A desired zero value (V(false), V(0), V(""),
    V([]), V({})) equals a missing live key; quantities in C(resources.requests),
    C(resources.limits), C(hard) and C(capacity) compare by value (V(1024Mi) equals V(1Gi));
    C(stringData) of a Secret compares with the encoded C(data); otherwise V(1) and V("1") differ.
  - Fails on changes the API server would refuse, listing all of them at once, so that the apply task
    never starts a half rollout. Those are changes to StorageClass C(provisioner), C(parameters),
    C(reclaimPolicy), C(volumeBindingMode); to PersistentVolumeClaim C(spec.storageClassName),
    C(spec.accessModes), C(spec.volumeMode), C(spec.volumeName), C(spec.selector), and a shrinking
    C(spec.resources.requests.storage); to Job C(spec.template), C(spec.selector), C(spec.completions).
options:
  definitions:
    description:
      - Full manifests of the desired objects, each with C(apiVersion), C(kind), C(metadata.name), and
        C(metadata.namespace) for namespaced kinds.
      - Pass them unchanged to the M(kubernetes.core.k8s) task that applies RV(apply), so that the
        last-applied annotation it records compares equal on the next run.
    type: list
    elements: dict
    required: true
  method:
    description:
      - How the definitions will be sent. V(apply) (kubernetes.core.k8s with O(kubernetes.core.k8s#module:apply=true))
        records the applied manifest on the object, and a field dropped from a definition since the last
        apply counts as a change. V(merge) (a JSON merge patch) records nothing, so only the values the
        definitions set are compared.
    type: str
    choices: [apply, merge]
    default: apply
  allow_recreate:
    description:
      - Kinds whose immutable changes are planned as delete and create, listed in RV(recreate), instead
        of refused. The module warns what that costs, for example that existing PersistentVolumes keep
        the old settings of a recreated StorageClass.
      - Recreating a PersistentVolumeClaim deletes its volume unless the PersistentVolume is retained.
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - odh_rwx.shared_resources.prune
attributes:
  check_mode:
    support: full
    description:
      - The module only reads, so check mode changes nothing in what it does. It changes what it reports, because
        the apply task is skipped in check mode; in check mode C(changed) is V(true) when something would be
        applied or recreated, so that C(--check) reports the rollout honestly.
      - Outside check mode C(changed) is always V(false); the apply task reports the change.
  diff_mode:
    support: full
    description:
      - Returns, for every object to create, update or recreate, the live values the definition or the last apply
        names as C(before) and the definition as C(after); C(before) is empty for new objects.
      - Ansible shows a diff only for a changed result, so in check mode; outside check mode the apply task
        shows its own.
requirements:
  - kubernetes >= 24.2.0
notes:
  - Resources are looked up by exactly the C(apiVersion) and C(kind) of the definition; a kind the cluster
    does not serve (a CustomResourceDefinition not installed yet) fails the module, naming the definition.
  - Without a last-applied annotation (objects created by other means than a client-side apply), a definition
    setting a field to its zero value, for example V(false), counts as unchanged when the live object lacks the field,
    even where the API server defaults that field to another value.
seealso:
  - module: kubernetes.core.k8s
  - module: odh_rwx.shared_resources.k8s_render
"""

EXAMPLES = r"""
- name: Plan the shared storage objects
  odh_rwx.shared_resources.k8s_plan:
    definitions: "{{ shared_resources_objects }}"
    allow_recreate: "{{ ['StorageClass'] if shared_resources_storageclass_recreate | bool else [] }}"
    prune:
      label_selector: app.kubernetes.io/managed-by=odh-rwx
      kinds:
        - {api_version: v1, kind: PersistentVolumeClaim}
      namespaces: [rhods-notebooks]
  register: shared_resources_plan

- name: Delete the objects that must be recreated
  kubernetes.core.k8s:
    state: absent
    definition: "{{ shared_resources_plan.recreate }}"
    wait: true
  when: shared_resources_plan.recreate | length > 0 and not ansible_check_mode

- name: Apply what changed
  kubernetes.core.k8s:
    apply: true
    definition: "{{ shared_resources_plan.apply }}"
  when: shared_resources_plan.apply | length > 0 and not ansible_check_mode

- name: Report objects left over from earlier rollouts
  ansible.builtin.debug:
    msg: "{{ shared_resources_plan.orphans }}"
  when: shared_resources_plan.orphans | length > 0
"""

RETURN = r"""
apply:
  description: The definitions to apply, in the order of O(definitions), including the ones to recreate.
  returned: success
  type: list
  elements: dict
  sample:
    - {apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: census, namespace: rhods-notebooks},
       spec: {accessModes: [ReadWriteMany], resources: {requests: {storage: 50Gi}}, storageClassName: shared-rwx}}
recreate:
  description: The definitions whose live object must be deleted before they are applied.
  returned: success
  type: list
  elements: dict
  sample: []
creates:
  description: The objects to create, as C(Kind/namespace/name), or C(Kind/name) for cluster-scoped kinds.
  returned: success
  type: list
  elements: str
  sample: [PersistentVolumeClaim/rhods-notebooks/census]
updates:
  description: The objects to update in place, as C(Kind/namespace/name), or C(Kind/name).
  returned: success
  type: list
  elements: str
  sample: [StorageClass/shared-rwx]
unchanged:
  description: The objects already as desired, as C(Kind/namespace/name), or C(Kind/name).
  returned: success
  type: list
  elements: str
  sample: [PersistentVolumeClaim/rhods-notebooks/projects]
orphans:
  description:
    - Live objects matching O(prune) that no definition names, as minimal manifests (C(apiVersion), C(kind),
      C(metadata) with C(name), C(namespace) for namespaced kinds and C(labels)), ready to hand to
      M(kubernetes.core.k8s) with O(kubernetes.core.k8s#module:state=absent).
  returned: success
  type: list
  elements: dict
  sample:
    - apiVersion: v1
      kind: PersistentVolumeClaim
      metadata: {name: old-share, namespace: rhods-notebooks, labels: {app.kubernetes.io/managed-by: odh_rwx.shared_resources}}
delete:
  description:
    - The orphans to delete under O(prune.delete), as references; the module deletes nothing, the caller does (or use
      M(odh_rwx.shared_resources.k8s_reconcile)).
  returned: success
  type: list
  elements: dict
  sample: []
kept:
  description: The orphans kept, each with C(object) and C(reason).
  returned: success
  type: list
  elements: dict
  sample: [{object: PersistentVolumeClaim/rhods-notebooks/old, reason: "set shared_resources_prune: true to delete it"}]
diff:
  description: One entry per object to create, update or recreate.
  returned: in diff mode
  type: list
  elements: dict
  sample:
    - before: {spec: {resources: {requests: {storage: 50Gi}}}}
      after: {spec: {resources: {requests: {storage: 80Gi}}}}
      before_header: PersistentVolumeClaim rhods-notebooks/census
      after_header: PersistentVolumeClaim rhods-notebooks/census
"""

import copy

from ansible_collections.kubernetes.core.plugins.module_utils.args_common import AUTH_ARG_SPEC
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.client import get_api_client
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.core import AnsibleK8SModule
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.exceptions import CoreException

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.k8s_planning import (
    incomplete_definitions,
    make_plan,
    prune_argument_spec,
)

try:
    from urllib3.exceptions import MaxRetryError
except ImportError:
    # AnsibleK8SModule fails with a clear message when the kubernetes library is missing.
    pass


def argument_spec():
    spec = copy.deepcopy(AUTH_ARG_SPEC)
    spec.update(
        definitions=dict(type="list", elements="dict", required=True),
        allow_recreate=dict(type="list", elements="str", default=[]),
        method=dict(type="str", choices=["apply", "merge"], default="apply"),
        prune=prune_argument_spec(),
    )
    return spec


def main():
    module = AnsibleK8SModule(argument_spec=argument_spec(), supports_check_mode=True, check_pyyaml=False)
    params = module.params
    errors = incomplete_definitions(params["definitions"])
    if errors:
        module.fail_json(msg="invalid definitions:\n  - " + "\n  - ".join(errors), errors=errors)

    try:
        plan = make_plan(get_api_client(module), params, module._diff)
    except CoreException as exc:
        module.fail_from_exception(exc)
    except MaxRetryError as exc:
        module.fail_json(msg="could not reach the Kubernetes API: %s" % exc.reason)
    if plan.errors:
        module.fail_json(msg="nothing can be applied:\n  - " + "\n  - ".join(plan.errors), errors=plan.errors)

    for warning in plan.warnings:
        module.warn(warning)
    module.exit_json(**plan.result(module.check_mode))


if __name__ == "__main__":
    main()
