# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plan desired objects against a cluster: read the live objects, decide each one, find the orphans.

The planning of the modules k8s_plan (which stops there) and k8s_reconcile (which then writes the
plan). Reads only; k8s_compare.py decides each object, manifests.py says which claims are the
collection's own.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import copy

from ansible_collections.kubernetes.core.plugins.module_utils.selector import LabelSelectorFilter

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
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.manifests import (
    claim_ownership_problems,
    deletion_refusal,
    is_adoption,
)

try:
    from kubernetes.dynamic.exceptions import DynamicApiError, ForbiddenError, NotFoundError, ResourceNotFoundError
except ImportError:
    # The modules fail with a clear message when the kubernetes library is missing.
    pass


def prune_argument_spec():
    """The ``prune`` option of k8s_plan and k8s_reconcile."""
    return dict(
        type="dict",
        options=dict(
            label_selector=dict(type="str", required=True),
            kinds=dict(
                type="list",
                elements="dict",
                required=True,
                options=dict(
                    api_version=dict(type="str", required=True),
                    kind=dict(type="str", required=True),
                    optional=dict(type="bool", default=False),
                ),
            ),
            namespaces=dict(type="list", elements="str"),
            delete=dict(type="bool", default=False),
            keep=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(label_selectors=dict(type="list", elements="str", required=True), reason=dict(type="str", required=True)),
            ),
            desired=dict(type="list", elements="dict", default=[]),
        ),
    )


class PlanError(Exception):
    """A definition that cannot be planned; the message names it."""


def incomplete_definitions(definitions, what="definitions"):
    """One message per definition missing apiVersion, kind or metadata.name."""
    errors = []
    for index, definition in enumerate(definitions):
        metadata = definition.get("metadata")
        present = dict(apiVersion=definition.get("apiVersion"), kind=definition.get("kind"))
        present["metadata.name"] = metadata.get("name") if isinstance(metadata, dict) else None
        missing = [field for field in ("apiVersion", "kind", "metadata.name") if not present[field]]
        if missing:
            errors.append("%s[%d]: needs %s" % (what, index, " and ".join(missing)))
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


def _unreadable(exc):
    return isinstance(exc, ForbiddenError)


def list_candidates(client, prune):
    """(summary, live object) of the live objects of the prune kinds that carry the prune label selector.

    A kind marked ``optional`` that the cluster does not serve, or that the account may not list, has none.
    """
    candidates = []
    for wanted in prune["kinds"]:
        what = "prune.kinds %s %s" % (wanted["api_version"], wanted["kind"])
        try:
            resource = find_resource(client, wanted["api_version"], wanted["kind"], what)
        except PlanError:
            if wanted.get("optional"):
                continue
            raise
        namespaces = (prune.get("namespaces") or [None]) if resource.namespaced else [None]
        for namespace in namespaces:
            try:
                listed = client.get(resource, namespace=namespace, label_selector=prune["label_selector"]).to_dict()
            except DynamicApiError as exc:
                if wanted.get("optional") and _unreadable(exc):
                    break
                raise PlanError("%s: could not list the live objects: %s" % (what, exc.summary()))
            for item in listed["items"]:
                item = dict(item, apiVersion=resource.group_version, kind=resource.kind)
                candidates.append((summarize(resource, item["metadata"]), item))
    return candidates


def keep_reason(live, prune):
    """Why the orphan ``live`` stays: the collection may not delete it, pruning is off, or a keep rule says so."""
    reason = deletion_refusal(live)
    if reason:
        return reason
    for rule in prune.get("keep") or []:
        if LabelSelectorFilter(rule["label_selectors"]).isMatching(live):
            return rule["reason"]
    if not prune.get("delete"):
        return "prune.delete is false"
    return None


def without_resource_version(definition):
    """``definition`` without metadata.resourceVersion (a patch's precondition, not a value to compare)."""
    if "resourceVersion" not in (definition.get("metadata") or {}):
        return definition
    trimmed = copy.deepcopy(definition)
    del trimmed["metadata"]["resourceVersion"]
    return trimmed


def is_patch(definition):
    """A definition that changes an existing object and must never create one: an adopted claim, or a
    patch that carries the resourceVersion it was computed from (notebook_plan's notebook patches)."""
    return is_adoption(definition) or "resourceVersion" in (definition.get("metadata") or {})


def method_of(definition, method):
    """How ``definition`` is sent: adopted claims always as a JSON merge patch, the rest with ``method``."""
    return "merge" if is_adoption(definition) else method


class Plan(object):
    """What to do with each definition, built up one definition at a time."""

    def __init__(self, allow_recreate, with_diff, method="apply"):
        self.allow_recreate = allow_recreate
        self.method = method
        self.with_diff = with_diff
        self.apply, self.recreate, self.creates, self.updates, self.unchanged = [], [], [], [], []
        self.diff, self.errors, self.warnings, self.orphans = [], [], [], []
        self.delete, self.kept, self.vanished = [], [], []
        # Summaries of every object planned, to tell orphans from them.
        self.planned = []
        # The live object of each definition to apply, by reference, for the writer.
        self.live = {}

    def add(self, definition, resource, live):
        self.planned.append(summarize(resource, definition["metadata"]))
        problems = claim_ownership_problems(definition, live)
        if problems:
            self.errors.extend("%s: %s" % (describe_object(definition), problem) for problem in problems)
            return
        if live is None and is_patch(definition):
            self.vanished.append(object_ref(definition))
            self.warnings.append("%s no longer exists: its patch is not applied (a patch never creates an object)" % describe_object(definition))
            return
        applies = method_of(definition, self.method) == "apply"
        decision = decide(definition, live, definition["kind"] in self.allow_recreate, applies)
        if decision.action == UNCHANGED:
            self.unchanged.append(object_ref(definition))
            return
        if decision.action == REFUSE:
            self.errors.extend("%s: %s" % (describe_object(definition), conflict.message) for conflict in decision.conflicts)
            return
        self.apply.append(definition)
        self.live[object_ref(definition)] = live
        if decision.action == CREATE:
            self.creates.append(object_ref(definition))
        elif decision.action == RECREATE:
            self.recreate.append(definition)
            self.warnings.append(recreate_warning(definition, decision.conflicts))
        else:
            self.updates.append(object_ref(definition))
        if self.with_diff:
            header = describe_object(definition)
            before = {} if live is None else diff_before(live, definition, last_applied(live) if applies else None)
            self.diff.append(dict(before=before, after=definition, before_header=header, after_header=header))

    def add_deletion(self, summary):
        self.delete.append(summary)
        if self.with_diff:
            header = describe_object(summary)
            self.diff.append(dict(before=summary, after={}, before_header=header, after_header=header + " (deleted)"))

    def result(self, check_mode):
        result = dict(
            changed=check_mode and bool(self.apply or self.delete),
            apply=self.apply,
            recreate=self.recreate,
            creates=self.creates,
            updates=self.updates,
            unchanged=self.unchanged,
            orphans=self.orphans,
            delete=self.delete,
            kept=self.kept,
        )
        if self.with_diff:
            result["diff"] = self.diff
        return result


def recreate_warning(definition, conflicts):
    changes = ", ".join(conflict.change for conflict in conflicts)
    costs = "; ".join(sorted(set(conflict.on_recreate for conflict in conflicts)))
    return "%s will be deleted and recreated because %s; %s" % (describe_object(definition), changes, costs)


def plan_prune(client, plan, prune):
    """Find the orphans of ``prune``, and sort them into those to delete and those to keep (with why)."""
    desired = list(plan.planned)
    for index, definition in enumerate(prune.get("desired") or []):
        desired.append(dict(apiVersion=definition["apiVersion"], kind=definition["kind"], metadata=dict(definition["metadata"])))
    candidates = list_candidates(client, prune)
    orphans = find_orphans([summary for summary, _live in candidates], desired)
    live_by_ref = dict((object_ref(summary), live) for summary, live in candidates)
    plan.orphans = orphans
    for orphan in orphans:
        reason = keep_reason(live_by_ref[object_ref(orphan)], prune)
        if reason:
            plan.kept.append(dict(object=object_ref(orphan), reason=reason))
        else:
            plan.add_deletion(orphan)


def read_live_objects(client, plan, objects, option):
    """(resource, object, live object or None) for each of ``objects``; those that cannot be read become plan errors."""
    live_objects = LiveObjects(client, objects)
    for index, obj in enumerate(objects):
        what = "%s[%d] (%s)" % (option, index, describe_object(obj))
        try:
            resource = find_resource(client, obj["apiVersion"], obj["kind"], what)
            live = live_objects.read(resource, obj, what)
        except PlanError as exc:
            plan.errors.append(str(exc))
            continue
        yield resource, obj, live


def plan_deletions(client, plan, references):
    """Explicit deletions: the references that still exist are deleted, in order."""
    for resource, reference, live in read_live_objects(client, plan, references, "delete"):
        if live is not None and object_ref(reference) not in [object_ref(deleted) for deleted in plan.delete]:
            plan.add_deletion(summarize(resource, dict(reference["metadata"], labels=(live.get("metadata") or {}).get("labels"))))


def make_plan(client, params, with_diff):
    """The Plan of ``params`` (definitions, allow_recreate, method, prune, and delete when given) against the cluster."""
    plan = Plan(params["allow_recreate"], with_diff, params["method"])
    for resource, definition, live in read_live_objects(client, plan, params["definitions"], "definitions"):
        plan.add(definition, resource, live)
    if params.get("prune"):
        try:
            plan_prune(client, plan, params["prune"])
        except PlanError as exc:
            plan.errors.append(str(exc))
    if params.get("delete"):
        plan_deletions(client, plan, params["delete"])
    return plan
