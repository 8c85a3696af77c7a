#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: k8s_reconcile
short_description: Apply only the Kubernetes objects that changed, delete those no longer wanted, wait for Jobs; or render them
version_added: 1.3.0
author: odh_rwx maintainers (@odh-rwx)
description:
  - The engine of the role P(odh_rwx.shared_resources.k8s_apply#role), the one path by which the collection writes to a cluster.
  - With O(render_dir), writes each definition to a YAML file there as M(odh_rwx.shared_resources.k8s_render) does, and
    contacts no cluster at all; O(prune) and O(delete) are not rendered (a GitOps tool prunes what a repository no longer holds).
  - Otherwise plans the definitions as M(odh_rwx.shared_resources.k8s_plan) does, fails before any write when a change would be
    refused (an immutable field, a shrinking claim, a claim of a share the collection did not create), then deletes the objects
    to recreate, applies the changed objects one by one, deletes the orphans of O(prune) and the objects of O(delete), and waits
    for the Jobs among the definitions. A rerun without changes sends no write; check mode sends none at all.
  - Every object to create, update, recreate or delete counts as a change, in check mode as in a real run, and with C(--diff)
    shows a diff naming it, the objects as YAML (multi-line strings as lines, Secret values hidden, lines over 800 characters
    shortened with their length and digest).
  - B(Two runs at once) (a schedule and a person) are safe by optimistic concurrency, the API server's own. Every object has a
    fixed name, and both runs compute the same desired state; when a create answers 409 because the other run created the
    object since it was read, the module reads it again and is done if it is already as desired (a Job both runs planned runs
    once, and both wait for it). A patch that carries the resourceVersion it was computed from (notebook patches) and answers
    409 is read again, and left for the next run with a warning if it still differs. An object another writer created with
    other content fails the run without overwriting it. Deleting an object already gone is no error.
  - B(Claims the collection did not create) are refused before any write, unless their share adopts them. A claim definition
    carrying the ownership record annotation C(shared-resources.odh-rwx.io/created-as) (the claims of P(odh_rwx.shared_resources.shared_pvcs#role))
    may only be applied to a claim that has the record naming it, or that the collection applied before the record existed
    (its last-applied annotation labels it as a share's claim). A claim definition annotated C(shared-resources.odh-rwx.io/adopted)
    is sent as a JSON merge patch of the labels and annotations it carries, whatever O(method) says, and only to a claim that
    exists and is C(ReadWriteMany).
options:
  definitions:
    description:
      - Full manifests of the desired objects, in apply order, each with C(apiVersion), C(kind), C(metadata.name), and
        C(metadata.namespace) for namespaced kinds.
    type: list
    elements: dict
    default: []
  method:
    description:
      - V(apply) applies like C(kubectl apply) and M(kubernetes.core.k8s) with O(kubernetes.core.k8s#module:apply=true) (the
        last-applied annotation; fields dropped from a definition are removed). V(merge) sends a JSON merge patch, which replaces
        whole lists - for objects another controller owns, such as Notebooks. A definition with C(metadata.resourceVersion) is
        a patch; it is sent only if the object still exists, and only if nobody changed it since.
    type: str
    choices: [apply, merge]
    default: apply
  allow_recreate:
    description: Kinds whose immutable-field changes are applied by deleting and recreating the object.
    type: list
    elements: str
    default: []
  delete:
    description: References (C(apiVersion), C(kind), C(metadata.name), C(metadata.namespace)) of objects to delete after the
      applies, in this order; those already gone are left out.
    type: list
    elements: dict
    default: []
  wait_jobs:
    description: Wait for the Jobs among the definitions (changed or not); fail with the tail of their logs when one failed.
    type: bool
    default: false
  job_timeout:
    description: Seconds to wait for the Jobs.
    type: int
    default: 600
  render_dir:
    description: Render into this directory instead of applying; relative paths are relative to the module's working directory.
    type: path
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - odh_rwx.shared_resources.prune
attributes:
  check_mode:
    support: full
    description: Plans and reports what would be created, updated, recreated and deleted, and sends no write, not even a dry run.
  diff_mode:
    support: full
    description: One diff per object created, updated, recreated or deleted (in render mode, per file written).
requirements:
  - kubernetes >= 24.2.0 (not in render mode)
  - PyYAML
notes:
  - The account needs C(get) and C(list) on every kind it applies or prunes, C(create) and C(patch) on what it applies,
    C(delete) on what it deletes, and for O(wait_jobs) C(get) on Jobs and C(list) on Pods and C(pods/log) (examples/rbac/automation.yml).
seealso:
  - module: odh_rwx.shared_resources.k8s_plan
  - module: odh_rwx.shared_resources.k8s_render
  - module: kubernetes.core.k8s
"""

EXAMPLES = r"""
- name: Apply the claims, and delete those of shares no longer declared
  odh_rwx.shared_resources.k8s_reconcile:
    definitions: "{{ shared_resources | odh_rwx.shared_resources.shared_volume_objects }}"
    prune:
      label_selector: app.kubernetes.io/managed-by=my-playbook
      kinds: [{api_version: v1, kind: PersistentVolumeClaim}]
      namespaces: [rhods-notebooks]
      delete: true
  register: claims

- name: Render the same objects for GitOps
  odh_rwx.shared_resources.k8s_reconcile:
    definitions: "{{ shared_resources | odh_rwx.shared_resources.shared_volume_objects }}"
    render_dir: /srv/gitops/shared-resources
"""

RETURN = r"""
apply:
  description: The definitions created, updated or recreated (in check mode, that would be).
  returned: success
  type: list
  elements: dict
recreate:
  description: The definitions whose live object was deleted and created again.
  returned: success
  type: list
  elements: dict
creates:
  description: The objects created, as C(Kind/namespace/name) or C(Kind/name).
  returned: success
  type: list
  elements: str
  sample: [PersistentVolumeClaim/rhods-notebooks/census]
updates:
  description: The objects updated in place.
  returned: success
  type: list
  elements: str
unchanged:
  description: The objects already as desired, including those another run wrote meanwhile.
  returned: success
  type: list
  elements: str
orphans:
  description: Live objects matching O(prune) that nothing declares, as references (C(apiVersion), C(kind), C(metadata)).
  returned: success
  type: list
  elements: dict
delete:
  description: The references deleted (in check mode, that would be), orphans and O(delete) alike.
  returned: success
  type: list
  elements: dict
kept:
  description: The orphans kept, each with C(object) and C(reason).
  returned: success
  type: list
  elements: dict
  sample: [{object: PersistentVolumeClaim/rhods-notebooks/old, reason: "set shared_resources_prune: true to delete it"}]
files:
  description: In render mode, every file of O(definitions).
  returned: success
  type: list
  elements: path
written:
  description: In render mode, the files whose content changed.
  returned: success
  type: list
  elements: path
"""

import copy
import time

from ansible.module_utils.common.dict_transformations import dict_merge
from ansible.module_utils.common.text.converters import to_native
from ansible_collections.kubernetes.core.plugins.module_utils.args_common import AUTH_ARG_SPEC
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.client import get_api_client
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.core import AnsibleK8SModule
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.exceptions import CoreException

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.k8s_compare import UNCHANGED, decide, describe_object, object_ref
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.k8s_planning import (
    LiveObjects,
    PlanError,
    incomplete_definitions,
    make_plan,
    method_of,
    prune_argument_spec,
    read_live,
    without_resource_version,
)
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.manifest_files import check_definitions, diff_text, render_files

try:
    from ansible_collections.kubernetes.core.plugins.module_utils.apply import annotate
    from kubernetes.dynamic.exceptions import ConflictError, DynamicApiError, NotFoundError
    from urllib3.exceptions import MaxRetryError
except ImportError:
    # Render mode needs no kubernetes library; apply mode requires it (module.requires).
    pass

MERGE_PATCH = "application/merge-patch+json"
# What the module reads besides the objects it applies and prunes: the Jobs it waits for, the pods of a failed one
# and their logs (examples/rbac/automation.yml grants it; tests/unit/test_rbac_example.py checks).
READS = (("batch/v1", "Job"), ("v1", "Pod"))
# The tail of a failed Job's log in the failure message, and how often Jobs are polled.
LOG_LINES = 20
POLL_SECONDS = 2
DELETE_TIMEOUT = 120


def argument_spec():
    spec = copy.deepcopy(AUTH_ARG_SPEC)
    spec.update(
        definitions=dict(type="list", elements="dict", default=[]),
        method=dict(type="str", choices=["apply", "merge"], default="apply"),
        allow_recreate=dict(type="list", elements="str", default=[]),
        prune=prune_argument_spec(),
        delete=dict(type="list", elements="dict", default=[]),
        wait_jobs=dict(type="bool", default=False),
        job_timeout=dict(type="int", default=600),
        render_dir=dict(type="path"),
    )
    return spec


class WriteError(Exception):
    """A write that failed; the message names the object and what was written before."""


class Writer(object):
    """Writes a plan, one object at a time, resolving the conflicts with a concurrent run."""

    def __init__(self, module, client, plan):
        self.module = module
        self.client = client
        self.plan = plan
        self.method = module.params["method"]
        self.resources = {}
        self.written = []

    def resource(self, reference):
        key = (reference["apiVersion"], reference["kind"])
        if key not in self.resources:
            self.resources[key] = self.client.resources.get(api_version=key[0], kind=key[1])
        return self.resources[key]

    def fail(self, reference, exc):
        done = ", ".join(self.written) or "nothing"
        return WriteError("%s: %s (written before: %s)" % (describe_object(reference), exc.summary(), done))

    def delete(self, reference):
        """Delete the object (its dependents in the background, as kubectl does); True if it was there."""
        metadata = reference["metadata"]
        try:
            self.client.delete(self.resource(reference), name=metadata["name"], namespace=metadata.get("namespace"),
                               propagation_policy="Background")
        except NotFoundError:
            return False
        except DynamicApiError as exc:
            raise self.fail(reference, exc)
        self.written.append(object_ref(reference))
        return True

    def wait_gone(self, definition):
        deadline = time.time() + DELETE_TIMEOUT
        while read_live(self.client, self.resource(definition), definition, describe_object(definition)) is not None:
            if time.time() > deadline:
                raise WriteError("%s: still there %d seconds after its deletion" % (describe_object(definition), DELETE_TIMEOUT))
            time.sleep(1)

    def send(self, definition, live):
        """Create or change the object as its method says; returns the object the API server answered with.

        A create is a create (409 when another writer made the object since it was read), with the last-applied
        annotation kubernetes.core's apply records; a change of an applied object is kubernetes.core's apply.
        """
        resource = self.resource(definition)
        metadata = definition["metadata"]
        applies = method_of(definition, self.method) == "apply"
        if live is None:
            body = dict_merge(copy.deepcopy(definition), annotate(definition)) if applies else definition
            return self.client.create(resource, body, namespace=metadata.get("namespace")).to_dict()
        if applies:
            return self.client.apply(resource, definition, namespace=metadata.get("namespace")).to_dict()
        return self.client.patch(resource, definition, name=metadata["name"], namespace=metadata.get("namespace"),
                                 content_type=MERGE_PATCH).to_dict()

    def apply(self, definition, live):
        """Send ``definition``; True when this run changed the object, False when another run had already done it."""
        try:
            answer = self.send(definition, live)
        except ConflictError:
            return self.resolve_conflict(definition)
        except DynamicApiError as exc:
            raise self.fail(definition, exc)
        before = (live or {}).get("metadata", {}).get("resourceVersion")
        changed = live is None or (answer.get("metadata") or {}).get("resourceVersion") != before
        if changed:
            self.written.append(object_ref(definition))
        return changed

    def resolve_conflict(self, definition):
        """409: another writer created or changed the object since it was read. Done if it is as desired now."""
        what = describe_object(definition)
        try:
            live = read_live(self.client, self.resource(definition), definition, what)
        except PlanError as exc:
            raise WriteError(str(exc))
        wanted = without_resource_version(definition)
        applies = method_of(definition, self.method) == "apply"
        if live is not None and decide(wanted, live, applies=applies).action == UNCHANGED:
            return False
        if wanted is not definition:
            self.module.warn("%s was changed by someone else since this run read it: left for the next run" % what)
            return False
        raise WriteError("%s was written by someone else while this run applied it, with other content; this run stopped "
                         "there without overwriting it (written before: %s). Rerun to converge." % (what, ", ".join(self.written) or "nothing"))


def job_state(job):
    conditions = ((job or {}).get("status") or {}).get("conditions") or []
    for condition in conditions:
        if condition.get("type") in ("Complete", "Failed") and condition.get("status") == "True":
            return condition["type"]
    return None


def wait_for_jobs(module, writer, jobs, timeout):
    """Poll the Jobs until each is Complete or Failed; fail with the tail of the failed ones' logs."""
    deadline = time.time() + timeout
    states = {}
    pending = list(jobs)
    while pending:
        live_objects = LiveObjects(writer.client, pending)
        for job in pending:
            states[object_ref(job)] = job_state(live_objects.read(writer.resource(job), job, describe_object(job)))
        pending = [job for job in pending if states[object_ref(job)] is None]
        if pending and time.time() > deadline:
            module.fail_json(msg="Jobs not finished within %d seconds: %s" % (timeout, ", ".join(describe_object(job) for job in pending)))
        if pending:
            time.sleep(POLL_SECONDS)
    failed = [job for job in jobs if states[object_ref(job)] == "Failed"]
    if failed:
        namespace = failed[0]["metadata"].get("namespace")
        reports = ["Job %s/%s failed. Last log lines:\n%s" % (job["metadata"].get("namespace"), job["metadata"]["name"], job_log(writer, job))
                   for job in failed]
        module.fail_json(msg="\n".join(reports) + "\nFix the cause, delete the failed Jobs (kubectl -n %s delete job NAME) and rerun." % namespace,
                         failed_jobs=[object_ref(job) for job in failed])


def job_log(writer, job):
    """The tail of the log of the Job's latest pod, or why there is none."""
    metadata = job["metadata"]
    pods = writer.client.resources.get(api_version=READS[1][0], kind=READS[1][1])
    try:
        live = writer.client.get(writer.resource(job), name=metadata["name"], namespace=metadata.get("namespace")).to_dict()
        selector = ",".join("%s=%s" % item for item in sorted((live["spec"].get("selector") or {}).get("matchLabels", {}).items()))
        items = writer.client.get(pods, namespace=metadata.get("namespace"), label_selector=selector).to_dict()["items"]
        if not items:
            return "(no pod left)"
        latest = max(items, key=lambda item: item["metadata"].get("creationTimestamp") or "")
        response = pods.log.get(name=latest["metadata"]["name"], namespace=metadata.get("namespace"), serialize=False,
                                query_params=[("tailLines", LOG_LINES)])
        return to_native(response.data).rstrip("\n")
    except DynamicApiError as exc:
        return "(could not read the log: %s)" % exc.summary()


def render(module):
    params = module.params
    errors = check_definitions(params["definitions"])
    if errors:
        module.fail_json(msg="cannot render the definitions:\n  - " + "\n  - ".join(errors), errors=errors)
    # The AnsibleModule itself: AnsibleK8SModule proxies none of its file helpers.
    files, written, diffs = render_files(module._module, params["definitions"], params["render_dir"])
    result = dict(changed=bool(written), files=files, written=written, apply=[], recreate=[], creates=[], updates=[], unchanged=[],
                  orphans=[], delete=[], kept=[])
    if module._diff:
        result["diff"] = diffs
    module.exit_json(**result)


def reconcile(module, client):
    params = module.params
    plan = make_plan(client, params, with_diff=True)
    if plan.errors:
        module.fail_json(msg="nothing was applied:\n  - " + "\n  - ".join(plan.errors), errors=plan.errors)
    for warning in plan.warnings:
        module.warn(warning)
    for kept in plan.kept:
        module.warn("%s is no longer declared and is kept: %s" % (kept["object"], kept["reason"]))
    result = plan.result(module.check_mode)
    diffs = dict(((entry["after_header"]), diff_text(entry)) for entry in result.pop("diff"))
    if not module.check_mode:
        writer = Writer(module, client, plan)
        try:
            for definition in plan.recreate:
                writer.delete(definition)
                writer.wait_gone(definition)
            for definition in plan.apply:
                if not writer.apply(definition, None if definition in plan.recreate else plan.live[object_ref(definition)]):
                    result["unchanged"].append(object_ref(definition))
                    diffs.pop(describe_object(definition), None)
            for reference in plan.delete:
                if not writer.delete(reference):
                    diffs.pop(describe_object(reference) + " (deleted)", None)
        except WriteError as exc:
            module.fail_json(msg=str(exc), written=writer.written)
        if params["wait_jobs"]:
            jobs = [definition for definition in params["definitions"] if definition["kind"] == "Job"]
            wait_for_jobs(module, writer, jobs, params["job_timeout"])
        applied = set(writer.written)
        result["apply"] = [definition for definition in plan.apply if object_ref(definition) in applied]
        result["creates"] = [ref for ref in result["creates"] if ref in applied]
        result["updates"] = [ref for ref in result["updates"] if ref in applied]
        result["delete"] = [reference for reference in plan.delete if object_ref(reference) in applied]
        result["changed"] = bool(writer.written)
    if module._diff:
        result["diff"] = list(diffs.values())
    module.exit_json(**result)


def main():
    module = AnsibleK8SModule(argument_spec=argument_spec(), supports_check_mode=True, check_k8s=False)
    params = module.params
    if params["render_dir"]:
        render(module)
    module.requires("kubernetes")
    errors = incomplete_definitions(params["definitions"]) + incomplete_definitions(params["delete"], "delete")
    if errors:
        module.fail_json(msg="invalid definitions:\n  - " + "\n  - ".join(errors), errors=errors)
    try:
        reconcile(module, get_api_client(module))
    except CoreException as exc:
        module.fail_from_exception(exc)
    except MaxRetryError as exc:
        module.fail_json(msg="could not reach the Kubernetes API: %s" % exc.reason)


if __name__ == "__main__":
    main()
