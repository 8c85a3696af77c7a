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
  prune:
    description:
      - Report the live objects that match a label selector but are not among O(definitions), as RV(orphans).
      - The module never deletes anything.
    type: dict
    suboptions:
      label_selector:
        description: The label selector the objects of this rollout carry, for example V(app.kubernetes.io/managed-by=odh-rwx).
        type: str
        required: true
      kinds:
        description: The kinds to look for orphans of.
        type: list
        elements: dict
        required: true
        suboptions:
          api_version:
            description: API version of the kind, for example V(v1) or V(storage.k8s.io/v1).
            type: str
            required: true
          kind:
            description: The kind, for example V(PersistentVolumeClaim).
            type: str
            required: true
      namespaces:
        description: Look for orphans of namespaced kinds in these namespaces only; by default in all of them.
        type: list
        elements: str
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
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

import collections
import copy

from ansible_collections.kubernetes.core.plugins.module_utils.args_common import AUTH_ARG_SPEC
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.client import get_api_client
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.core import AnsibleK8SModule
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.exceptions import CoreException

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.k8s_compare import (
    CREATE,
    RECREATE,
    REFUSE,
    UNCHANGED,
    decide,
    describe_object,
    diff_before,
    find_orphans,
    last_applied,
    object_ref,
)

try:
    from kubernetes.dynamic.exceptions import DynamicApiError, NotFoundError, ResourceNotFoundError
    from urllib3.exceptions import MaxRetryError
except ImportError:
    # AnsibleK8SModule fails with a clear message when the kubernetes library is missing.
    pass


class PlanError(Exception):
    """A definition that cannot be planned; the message names it."""


def argument_spec():
    spec = copy.deepcopy(AUTH_ARG_SPEC)
    spec.update(
        definitions=dict(type="list", elements="dict", required=True),
        allow_recreate=dict(type="list", elements="str", default=[]),
        method=dict(type="str", choices=["apply", "merge"], default="apply"),
        prune=dict(
            type="dict",
            options=dict(
                label_selector=dict(type="str", required=True),
                kinds=dict(
                    type="list",
                    elements="dict",
                    required=True,
                    options=dict(api_version=dict(type="str", required=True), kind=dict(type="str", required=True)),
                ),
                namespaces=dict(type="list", elements="str"),
            ),
        ),
    )
    return spec


def incomplete_definitions(definitions):
    """One message per definition missing apiVersion, kind or metadata.name."""
    errors = []
    for index, definition in enumerate(definitions):
        metadata = definition.get("metadata")
        present = dict(apiVersion=definition.get("apiVersion"), kind=definition.get("kind"))
        present["metadata.name"] = metadata.get("name") if isinstance(metadata, dict) else None
        missing = [field for field in ("apiVersion", "kind", "metadata.name") if not present[field]]
        if missing:
            errors.append("definitions[%d]: needs %s" % (index, " and ".join(missing)))
    return errors


def find_resource(client, api_version, kind, what):
    try:
        return client.resources.get(api_version=api_version, kind=kind)
    except ResourceNotFoundError:
        raise PlanError("%s: the cluster serves no kind %s in %s; is its CustomResourceDefinition installed?" % (what, kind, api_version))


def read_live(client, resource, definition, what):
    metadata = definition["metadata"]
    if resource.namespaced and not metadata.get("namespace"):
        raise PlanError("%s: metadata.namespace is required, %s is a namespaced kind" % (what, resource.kind))
    try:
        return client.get(resource, name=metadata["name"], namespace=metadata.get("namespace")).to_dict()
    except NotFoundError:
        return None
    except DynamicApiError as exc:
        raise PlanError("%s: could not read the live object: %s" % (what, exc.summary()))


class LiveObjects(object):
    """Reads the live objects: one list per kind and namespace that several definitions share, else one GET."""

    def __init__(self, client, definitions):
        self.client = client
        self.wanted = collections.Counter(self.key(definition) for definition in definitions)
        self.listed = {}

    @staticmethod
    def key(definition):
        return (definition["apiVersion"], definition["kind"], definition["metadata"].get("namespace"))

    def read(self, resource, definition, what):
        key = self.key(definition)
        if self.wanted[key] < 2:
            return read_live(self.client, resource, definition, what)
        if key not in self.listed:
            self.listed[key] = self.list_by_name(resource, key[2], what)
        return self.listed[key].get(definition["metadata"]["name"])

    def list_by_name(self, resource, namespace, what):
        if resource.namespaced and not namespace:
            raise PlanError("%s: metadata.namespace is required, %s is a namespaced kind" % (what, resource.kind))
        try:
            items = self.client.get(resource, namespace=namespace).to_dict()["items"]
        except DynamicApiError as exc:
            raise PlanError("%s: could not list the live objects: %s" % (what, exc.summary()))
        # List items carry no kind or apiVersion of their own.
        return dict((item["metadata"]["name"], dict(item, apiVersion=resource.group_version, kind=resource.kind)) for item in items)


def summarize(resource, metadata):
    """The reference of an object, as RV(orphans) returns it: a manifest kubernetes.core.k8s can delete."""
    reference = {"name": metadata["name"]}
    if resource.namespaced:
        reference["namespace"] = metadata.get("namespace")
    if metadata.get("labels"):
        reference["labels"] = dict(metadata["labels"])
    return dict(apiVersion=resource.group_version, kind=resource.kind, metadata=reference)


def list_candidates(client, prune):
    """Summaries of the live objects of the prune kinds that carry the prune label selector."""
    candidates = []
    for wanted in prune["kinds"]:
        what = "prune.kinds %s %s" % (wanted["api_version"], wanted["kind"])
        resource = find_resource(client, wanted["api_version"], wanted["kind"], what)
        namespaces = (prune["namespaces"] or [None]) if resource.namespaced else [None]
        for namespace in namespaces:
            try:
                listed = client.get(resource, namespace=namespace, label_selector=prune["label_selector"]).to_dict()
            except DynamicApiError as exc:
                raise PlanError("%s: could not list the live objects: %s" % (what, exc.summary()))
            candidates.extend(summarize(resource, item["metadata"]) for item in listed["items"])
    return candidates


class Plan(object):
    """What to do with each definition, built up one definition at a time."""

    def __init__(self, allow_recreate, with_diff, applies=True):
        self.allow_recreate = allow_recreate
        self.applies = applies
        self.with_diff = with_diff
        self.apply, self.recreate, self.creates, self.updates, self.unchanged = [], [], [], [], []
        self.diff, self.errors, self.warnings, self.orphans = [], [], [], []
        # Summaries of every object planned, to tell orphans from them.
        self.planned = []

    def add(self, definition, resource, live):
        self.planned.append(summarize(resource, definition["metadata"]))
        decision = decide(definition, live, definition["kind"] in self.allow_recreate, self.applies)
        if decision.action == UNCHANGED:
            self.unchanged.append(object_ref(definition))
            return
        if decision.action == REFUSE:
            self.errors.extend("%s: %s" % (describe_object(definition), conflict.message) for conflict in decision.conflicts)
            return
        self.apply.append(definition)
        if decision.action == CREATE:
            self.creates.append(object_ref(definition))
        elif decision.action == RECREATE:
            self.recreate.append(definition)
            self.warnings.append(recreate_warning(definition, decision.conflicts))
        else:
            self.updates.append(object_ref(definition))
        if self.with_diff:
            header = describe_object(definition)
            before = {} if live is None else diff_before(live, definition, last_applied(live))
            self.diff.append(dict(before=before, after=definition, before_header=header, after_header=header))

    def result(self, check_mode):
        result = dict(
            changed=check_mode and bool(self.apply),
            apply=self.apply,
            recreate=self.recreate,
            creates=self.creates,
            updates=self.updates,
            unchanged=self.unchanged,
            orphans=self.orphans,
        )
        if self.with_diff:
            result["diff"] = self.diff
        return result


def recreate_warning(definition, conflicts):
    changes = ", ".join(conflict.change for conflict in conflicts)
    costs = "; ".join(sorted(set(conflict.on_recreate for conflict in conflicts)))
    return "%s will be deleted and recreated because %s; %s" % (describe_object(definition), changes, costs)


def make_plan(client, params, with_diff):
    plan = Plan(params["allow_recreate"], with_diff, applies=params["method"] == "apply")
    live_objects = LiveObjects(client, params["definitions"])
    for index, definition in enumerate(params["definitions"]):
        what = "definitions[%d] (%s)" % (index, describe_object(definition))
        try:
            resource = find_resource(client, definition["apiVersion"], definition["kind"], what)
            live = live_objects.read(resource, definition, what)
        except PlanError as exc:
            plan.errors.append(str(exc))
            continue
        plan.add(definition, resource, live)
    if params["prune"]:
        try:
            plan.orphans = find_orphans(list_candidates(client, params["prune"]), plan.planned)
        except PlanError as exc:
            plan.errors.append(str(exc))
    return plan


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
