# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Notebook admission webhook's logic: its access map, and the answer to an AdmissionReview.

Plain Python, standard library only: the server (roles/jupyterhub/files/notebook-admission) runs
it from ConfigMaps on a stock Python image, with notebooks.py and the spec parsers, so the webhook
and the Ansible reconcile apply one set of rules (notebooks.NotebookRules). See
docs/notebook-admission.md.

The access map is what the role renders into the ConfigMap key ``config.json``: the spec (without
``users``), the resolved membership, the shares each other notebook namespace holds a claim of,
and ``restart_running``. Its digest (access_map_digest) is recorded on every notebook the
collection or the webhook changes (notebooks.ACCESS_MAP_ANNOTATION), so that a server still
holding an older map never undoes what a run with a newer one wrote.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import copy
import hashlib
import json
from collections import namedtuple

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.lmod import notebook_environment
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.notebooks import (
    ACCESS_MAP_ANNOTATION,
    NOTEBOOK_KIND,
    NotebookRules,
    apply_merge_patch,
    notebook_ref,
    restarts_nothing_more,
)
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import SpecError, parse_spec, parse_users

ACCESS_MAP_FORMAT = 1
ACCESS_MAP_KEYS = ("format", "shared_resources", "users", "available_shares", "restart_running")
REVIEW_API_VERSION = "admission.k8s.io/v1"
NOTEBOOK_GROUP = "kubeflow.org"
NOTEBOOK_RESOURCE = "notebooks"
MUTATED_OPERATIONS = ("CREATE", "UPDATE")

# What happened to one review, for the server's log and metrics.
PATCHED = "patched"  # the notebook gets its shares: a JSON patch
UNCHANGED = "unchanged"  # already as the rules want it
DEFERRED = "deferred"  # running, and this write restarts nothing: left for a stop, a restart, a run with restart_running
UNOWNED = "unowned"  # records no owner: not the dashboard's
SKIPPED = "skipped"  # not a Notebook of a notebook namespace, not CREATE/UPDATE, or cannot be reconciled
RUN_WRITE = "run-write"  # written by a run with another access map: the run wins

Verdict = namedtuple("Verdict", "outcome ref patch")


class BadReview(ValueError):
    """The request is not an AdmissionReview this webhook can answer: the server answers 400."""


class AccessMapError(ValueError):
    """The access map cannot be used; ``errors`` lists every problem."""

    def __init__(self, errors):
        self.errors = list(errors)
        super(AccessMapError, self).__init__("invalid access map:\n  - " + "\n  - ".join(self.errors))


# --------------------------------------------------------------------------
# The access map


def access_map(shared_resources, users, available_shares=None, restart_running=False):
    """The webhook's configuration: what NotebookRules are made of, as plain JSON data.

    ``shared_resources`` is the spec as given (validated by the caller); its ``users`` are left
    out, ``users`` is the resolved membership (user -> groups) that replaces them.
    """
    spec = dict((key, value) for key, value in shared_resources.items() if key != "users")
    return {
        "format": ACCESS_MAP_FORMAT,
        "shared_resources": spec,
        "users": dict((user, sorted(set(groups or ()))) for user, groups in users.items()),
        "available_shares": None if available_shares is None else dict(
            (namespace, sorted(set(names))) for namespace, names in available_shares.items()
        ),
        "restart_running": bool(restart_running),
    }


def access_map_text(config):
    """The canonical JSON text of an access map: the ConfigMap's ``config.json``, and what its digest is of."""
    return json.dumps(config, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def access_map_digest(config):
    return hashlib.sha256(access_map_text(config).encode("utf-8")).hexdigest()[:16]


def _available_shares(errors, value):
    if value is None:
        return None
    if not isinstance(value, dict) or not all(
        isinstance(names, list) and all(isinstance(name, str) for name in names) for names in value.values()
    ):
        errors.append("available_shares: must map each notebook namespace to a list of share names, got %r" % (value,))
        return None
    return value


def rules_from_access_map(config):
    """NotebookRules from an access map (parsed JSON); raises AccessMapError naming every problem."""
    if not isinstance(config, dict):
        raise AccessMapError(["must be a JSON object with %s" % ", ".join(ACCESS_MAP_KEYS)])
    errors = ["%s: unknown field" % key for key in sorted(config) if key not in ACCESS_MAP_KEYS]
    if config.get("format") != ACCESS_MAP_FORMAT:
        errors.append("format: %r is not %d: render the access map with the collection version that ships this server"
                      % (config.get("format"), ACCESS_MAP_FORMAT))
    restart_running = config.get("restart_running", False)
    if not isinstance(restart_running, bool):
        errors.append("restart_running: must be true or false, got %r" % (restart_running,))
    available = _available_shares(errors, config.get("available_shares"))
    spec = users = None
    try:
        spec = parse_spec(config.get("shared_resources"))
    except SpecError as exc:
        errors.extend("shared_resources.%s" % error for error in exc.errors)
    try:
        users = parse_users(config.get("users"))
    except SpecError as exc:
        errors.extend(exc.errors)
    if spec is not None and (spec.jupyterhub is None or spec.jupyterhub.flavor != "odh_notebooks"):
        errors.append("shared_resources.jupyterhub.flavor: the admission webhook serves flavour odh_notebooks only")
    if errors:
        raise AccessMapError(errors)
    return NotebookRules(spec, users, notebook_environment(spec), available, restart_running, access_map_digest(config))


# --------------------------------------------------------------------------
# JSON patch


def _pointer(path, key):
    return "%s/%s" % (path, str(key).replace("~", "~0").replace("/", "~1"))


def _same_scalar(left, right):
    """JSON equality of two scalars: true and 1 differ, as they do in JSON."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    return left == right


def json_patch(source, target, path=""):
    """RFC 6902 operations that turn ``source`` into ``target``.

    Mappings are compared key by key and lists of equal length item by item, so a patch names only
    what changed; a list whose length changes is replaced whole, which stays correct whatever
    other webhooks did to it.
    """
    if isinstance(source, dict) and isinstance(target, dict):
        operations = [{"op": "remove", "path": _pointer(path, key)} for key in source if key not in target]
        for key, value in target.items():
            if key in source:
                operations.extend(json_patch(source[key], value, _pointer(path, key)))
            else:
                operations.append({"op": "add", "path": _pointer(path, key), "value": copy.deepcopy(value)})
        return operations
    if isinstance(source, list) and isinstance(target, list) and len(source) == len(target):
        operations = []
        for index, (old, new) in enumerate(zip(source, target)):
            operations.extend(json_patch(old, new, _pointer(path, index)))
        return operations
    containers = (dict, list)
    if not isinstance(source, containers) and not isinstance(target, containers) and _same_scalar(source, target):
        return []
    return [{"op": "replace", "path": path, "value": copy.deepcopy(target)}]


# --------------------------------------------------------------------------
# AdmissionReview


def _field(document, name, kind, where):
    value = document.get(name)
    if not isinstance(value, kind):
        raise BadReview("%s.%s: expected %s, got %s" % (where, name, kind.__name__, type(value).__name__))
    return value


def review_request(document):
    """The ``request`` of an AdmissionReview ``admission.k8s.io/v1``; raises BadReview on anything else."""
    if not isinstance(document, dict):
        raise BadReview("the body must be a JSON object (an AdmissionReview), got %s" % type(document).__name__)
    if document.get("apiVersion") != REVIEW_API_VERSION or document.get("kind") != "AdmissionReview":
        raise BadReview("expected an AdmissionReview %s, got kind %r apiVersion %r (admissionReviewVersions must be [v1])"
                        % (REVIEW_API_VERSION, document.get("kind"), document.get("apiVersion")))
    request = _field(document, "request", dict, "AdmissionReview")
    if not _field(request, "uid", str, "request"):
        raise BadReview("request.uid: must not be empty")
    _field(request, "operation", str, "request")
    for name in ("object", "oldObject"):
        if request.get(name) is not None:
            _field(request, name, dict, "request")
    return request


def _is_notebook(request):
    resource = request.get("resource") or {}
    obj = request.get("object") or {}
    return (resource.get("group"), resource.get("resource")) == (NOTEBOOK_GROUP, NOTEBOOK_RESOURCE) and obj.get("kind") == NOTEBOOK_KIND


def _written_by_another_run(rules, notebook, old_notebook):
    """The write sets an access-map digest other than the rules': a run with another access map wrote it."""
    written = ((notebook.get("metadata") or {}).get("annotations") or {}).get(ACCESS_MAP_ANNOTATION)
    before = (((old_notebook or {}).get("metadata") or {}).get("annotations") or {}).get(ACCESS_MAP_ANNOTATION)
    return old_notebook is not None and written is not None and written != before and written != rules.access_map


def decide(rules, request):
    """The Verdict on one admission request (review_request): the JSON patch to answer, or why none."""
    notebook, old_notebook = request.get("object"), request.get("oldObject")
    ref = "%s/%s" % (request.get("namespace"), request.get("name") or ((notebook or {}).get("metadata") or {}).get("name"))
    if request["operation"] not in MUTATED_OPERATIONS or not notebook or not _is_notebook(request):
        return Verdict(SKIPPED, ref, None)
    namespace = request.get("namespace") or (notebook.get("metadata") or {}).get("namespace")
    notebook = dict(notebook, metadata=dict(notebook.get("metadata") or {}, namespace=namespace))
    ref = notebook_ref(notebook)
    if not rules.is_notebook_namespace(namespace):
        return Verdict(SKIPPED, ref, None)
    outcome, desired = rules.desired(notebook)
    if outcome != rules.CHANGED:
        return Verdict({rules.UNOWNED: UNOWNED, rules.SKIPPED: SKIPPED}.get(outcome, UNCHANGED), ref, None)
    if request["operation"] == "UPDATE" and not (rules.restart_running or restarts_nothing_more(notebook, old_notebook)):
        return Verdict(DEFERRED, ref, None)
    if request["operation"] == "UPDATE" and _written_by_another_run(rules, notebook, old_notebook):
        return Verdict(RUN_WRITE, ref, None)
    # The patch applies to the object as sent: only what the rules change, never its identity.
    for key in ("name", "namespace", "resourceVersion"):
        desired["metadata"].pop(key, None)
    return Verdict(PATCHED, ref, json_patch(request["object"], apply_merge_patch(request["object"], desired)))


def review_response(uid, patch=None):
    """The AdmissionReview answer: always allowed (the webhook only mutates), with the patch when there is one."""
    response = {"uid": uid, "allowed": True}
    if patch:
        response["patchType"] = "JSONPatch"
        response["patch"] = base64.b64encode(json.dumps(patch, separators=(",", ":")).encode("utf-8")).decode("ascii")
    return {"apiVersion": REVIEW_API_VERSION, "kind": "AdmissionReview", "response": response}
