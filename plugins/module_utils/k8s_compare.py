# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Decide whether a live Kubernetes object already is what a manifest asks for.

Plain Python with no Ansible import, like spec.py: the k8s_plan module uses it,
and so can anything else that needs the same answer without a cluster write.

The comparison follows what the API server does to what it is sent, so that an
object applied once compares equal on the next run:

- a desired zero value (false, 0, "", [], {}, null) equals a missing live key,
  because Go's ``omitempty`` drops those from the server's answer;
- quantities in resource maps compare by value: "1024Mi" comes back as "1Gi";
- Secret ``stringData`` comes back base64-encoded in ``data``;
- otherwise values compare strictly: 1, "1" and true are three different values.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
from collections import namedtuple
from decimal import Decimal

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.validation import parse_quantity

LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration"

# Paths (as suffixes) of the maps whose values are resource quantities.
QUANTITY_MAPS = (("resources", "requests"), ("resources", "limits"), ("hard",), ("capacity",))


class _Unset(object):
    """A key absent from an object, as opposed to a key holding null."""

    def __repr__(self):
        return "unset"


UNSET = _Unset()

# Applying the manifest would change the value at ``path`` from ``before`` to ``after``.
Drift = namedtuple("Drift", "path before after")


def format_path(path):
    """``("spec", "accessModes", 0)`` -> ``"spec.accessModes[0]"``."""
    text = ""
    for key in path:
        if isinstance(key, int):
            text += "[%d]" % key
        else:
            text += "." + key if text else key
    return text


def describe_object(definition):
    """``"PersistentVolumeClaim rhods-notebooks/census"``, ``"StorageClass shared-rwx"``: for messages."""
    metadata = definition.get("metadata") or {}
    name = metadata.get("name")
    if metadata.get("namespace"):
        name = "%s/%s" % (metadata["namespace"], name)
    return "%s %s" % (definition.get("kind"), name)


def object_ref(definition):
    """``"PersistentVolumeClaim/rhods-notebooks/census"``, ``"StorageClass/shared-rwx"``: for lists."""
    return describe_object(definition).replace(" ", "/", 1)


def is_empty(value):
    """True for what the API server leaves out of its answers: zero values and maps of zero values."""
    if isinstance(value, dict):
        return all(is_empty(item) for item in value.values())
    if isinstance(value, bool):
        return value is False
    if isinstance(value, (int, float)):
        return value == 0
    return value is None or value == "" or value == []


def strictly_equal(left, right):
    """Structural equality where a bool never equals a number (Python says True == 1)."""
    if isinstance(left, dict) and isinstance(right, dict):
        return set(left) == set(right) and all(strictly_equal(left[key], right[key]) for key in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(strictly_equal(a, b) for a, b in zip(left, right))
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    return left == right


def _as_quantity(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    try:
        return parse_quantity(value)
    except ValueError:
        return None


def _in_quantity_map(path):
    parent = tuple(path[:-1])
    return any(parent[-len(suffix):] == suffix for suffix in QUANTITY_MAPS)


def _same_leaf(desired, live, path):
    if _in_quantity_map(path):
        wanted, actual = _as_quantity(desired), _as_quantity(live)
        if wanted is not None and actual is not None:
            return wanted == actual
    return strictly_equal(desired, live)


def find_drift(desired, live, last_applied=None, path=()):
    """Yield a Drift for each leaf where applying ``desired`` would change ``live``.

    A leaf drifts when ``desired`` sets it to something else than ``live`` holds,
    or when ``last_applied`` (the object applied the previous time) had a key
    that ``desired`` no longer has: apply removes it from the live object.
    Lists of the same length compare item by item, other lists as a whole.
    """
    if live is UNSET and is_empty(desired):
        return
    if isinstance(desired, dict) and (live is UNSET or isinstance(live, dict)):
        live = {} if live is UNSET else live
        previous = last_applied if isinstance(last_applied, dict) else {}
        for key, value in desired.items():
            yield from find_drift(value, live.get(key, UNSET), previous.get(key), path + (key,))
        for key in previous:
            if key not in desired and key in live:
                yield Drift(path + (key,), live[key], UNSET)
    elif isinstance(desired, list) and isinstance(live, list) and len(desired) == len(live):
        previous = last_applied if isinstance(last_applied, list) and len(last_applied) == len(desired) else [None] * len(desired)
        for index, (wanted, actual, before) in enumerate(zip(desired, live, previous)):
            yield from find_drift(wanted, actual, before, path + (index,))
    elif not _same_leaf(desired, live, path):
        yield Drift(path, live, desired)


def is_subset(desired, live):
    """True when every value ``desired`` sets is already in ``live``."""
    return not any(find_drift(desired, live))


def as_stored(definition):
    """The definition as the API server stores it, to compare with a live object.

    A Secret's ``stringData`` is write-only: the server merges it, base64-encoded, into ``data``.
    """
    if definition.get("kind") != "Secret" or not definition.get("stringData"):
        return definition
    stored = dict((key, value) for key, value in definition.items() if key != "stringData")
    stored["data"] = dict(definition.get("data") or {})
    for key, value in definition["stringData"].items():
        stored["data"][key] = base64.b64encode(value.encode("utf-8")).decode("ascii")
    return stored


def last_applied(live):
    """The manifest recorded by the last client-side apply (kubernetes.core ``apply: true`` or kubectl), or None."""
    annotations = (live.get("metadata") or {}).get("annotations") or {}
    try:
        return json.loads(annotations[LAST_APPLIED_ANNOTATION])
    except (KeyError, TypeError, ValueError):
        return None


def diff_before(live, desired, applied=None):
    """The part of ``live`` that ``desired`` or ``applied`` name: the "before" of a diff."""
    return _project(live, _merge_shapes(desired, applied))


def _merge_shapes(desired, applied):
    if not (isinstance(desired, dict) and isinstance(applied, dict)):
        return desired
    shape = dict(applied)
    for key, value in desired.items():
        shape[key] = _merge_shapes(value, applied.get(key))
    return shape


def _project(live, shape):
    if isinstance(live, dict) and isinstance(shape, dict):
        return dict((key, _project(live[key], shape[key])) for key in shape if key in live)
    if isinstance(live, list) and isinstance(shape, list):
        return [_project(item, shape[index]) if index < len(shape) else item for index, item in enumerate(live)]
    return live


def _describe_value(value):
    return repr(value) if isinstance(value, str) else str(value)


def forbid_change(field, before, after):
    """Any change of an immutable field is a conflict."""
    return "%s would change from %s to %s" % (field, _describe_value(before), _describe_value(after))


def forbid_shrink(field, before, after):
    """A quantity may grow, not shrink."""
    old, new = _as_quantity(before), _as_quantity(after)
    if old is None or new is None or new >= old:
        return None
    return "%s would shrink from %s to %s" % (field, before, after)


ImmutableFields = namedtuple("ImmutableFields", "kind paths check explanation on_recreate")

# The volume sources a PersistentVolumeSpec may inline (core/v1 PersistentVolumeSource).
PERSISTENT_VOLUME_SOURCES = (
    "awsElasticBlockStore", "azureDisk", "azureFile", "cephfs", "cinder", "csi", "fc", "flexVolume", "flocker",
    "gcePersistentDisk", "glusterfs", "hostPath", "iscsi", "local", "nfs", "photonPersistentDisk", "portworxVolume",
    "quobyte", "rbd", "scaleIO", "storageos", "vsphereVolume",
)

# One row per rule; a path covers everything below it. check(field, before, after) describes the
# refused change, or returns None when the change is allowed. on_recreate says what deleting and
# recreating the object (when allow_recreate permits it) costs.
IMMUTABLE_FIELDS = (
    ImmutableFields("StorageClass", ("provisioner", "parameters", "reclaimPolicy", "volumeBindingMode"), forbid_change,
                    "StorageClass parameters are immutable; set shared_resources_storageclass_recreate: true to delete and "
                    "recreate the class (existing PersistentVolumes keep their old settings)",
                    "existing PersistentVolumes keep their old settings"),
    ImmutableFields("PersistentVolumeClaim", ("spec.resources.requests.storage",), forbid_shrink,
                    "PVCs cannot shrink; restore the size or migrate the data to a new share",
                    "the data on its volume may be lost"),
    ImmutableFields("PersistentVolumeClaim", ("spec.storageClassName", "spec.accessModes", "spec.volumeMode", "spec.volumeName", "spec.selector"),
                    forbid_change, "the spec of an existing PVC is immutable; move the data to a new share instead",
                    "the data on its volume may be lost"),
    ImmutableFields("PersistentVolume", tuple("spec." + source for source in PERSISTENT_VOLUME_SOURCES) + ("spec.volumeMode",),
                    forbid_change, "the source of a PersistentVolume is immutable; delete the PersistentVolume (and its claim) "
                    "to recreate it", "its claim loses its volume"),
    ImmutableFields("Job", ("spec.template", "spec.selector", "spec.completions"), forbid_change,
                    "Jobs are immutable, and a Job's name carries a hash of its content: two different Jobs got one name, fix the naming",
                    "the Job runs again"),
)

# change: what would change; message: change, why it is refused and what to do instead.
Conflict = namedtuple("Conflict", "change message on_recreate")


def _covers(rule_path, path):
    keys = tuple(rule_path.split("."))
    return tuple(path[:len(keys)]) == keys


def immutable_conflicts(kind, drifts):
    """The Conflicts among ``drifts`` (of an object of ``kind``) that the API server would refuse."""
    conflicts = []
    for rule in IMMUTABLE_FIELDS:
        if rule.kind != kind:
            continue
        for drift in drifts:
            if any(_covers(rule_path, drift.path) for rule_path in rule.paths):
                change = rule.check(format_path(drift.path), drift.before, drift.after)
                if change:
                    conflicts.append(Conflict(change, "%s — %s" % (change, rule.explanation), rule.on_recreate))
    return conflicts


# What the plan does with one object.
CREATE, UPDATE, RECREATE, REFUSE, UNCHANGED = "create", "update", "recreate", "refuse", "unchanged"
Decision = namedtuple("Decision", "action conflicts")


def decide(definition, live, recreatable=False, applies=True):
    """Whether ``definition`` needs applying to ``live`` (None when the object does not exist), and how.

    Unchanged means: every value ``definition`` sets is already live, and, when the change would be
    sent as an apply (``applies``), the manifest recorded by the last apply is ``definition`` itself.
    A merge patch neither reads nor writes that record, so it is ignored then. kubernetes.core records the definition exactly as it
    sends it (``json.dumps`` of it, Secret ``stringData`` included), so when the record differs, the
    definition changed since; if only by a dropped field, only an apply removes it from the live object.
    """
    if live is None:
        return Decision(CREATE, [])
    applied = last_applied(live) if applies else None
    drifts = list(find_drift(as_stored(definition), live, applied))
    if not drifts and (applied is None or strictly_equal(definition, applied)):
        return Decision(UNCHANGED, [])
    conflicts = immutable_conflicts(definition.get("kind"), drifts)
    if not conflicts:
        return Decision(UPDATE, [])
    return Decision(RECREATE if recreatable else REFUSE, conflicts)


def _api_group(api_version):
    return api_version.rpartition("/")[0]


def _identity(reference):
    metadata = reference["metadata"]
    return (_api_group(reference["apiVersion"]), reference["kind"], metadata.get("namespace"), metadata["name"])


def find_orphans(live, desired):
    """The object references in ``live`` that no reference in ``desired`` names.

    References are minimal manifests: ``apiVersion``, ``kind`` and ``metadata.name`` (plus
    ``metadata.namespace`` for namespaced kinds). The API version within a group does not
    matter: it is the same object.
    """
    wanted = set(_identity(summary) for summary in desired)
    return [summary for summary in live if _identity(summary) not in wanted]
