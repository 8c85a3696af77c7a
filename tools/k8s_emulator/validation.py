"""Semantic validation beyond the schema: names, kind-specific rules and immutable fields."""

from __future__ import annotations

import json
import re

from . import errors
from .errors import Cause
from .quantity import parse_quantity

_DNS_SUBDOMAIN_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS_LABEL_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_SUBDOMAIN_MESSAGE = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
    "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
_LABEL_MESSAGE = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
    "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
    "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
# Kinds whose names must be DNS labels rather than subdomains.
_LABEL_NAMED_KINDS = {("", "Namespace"), ("", "Service")}
_ACCESS_MODES = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"]
PVC_SPEC_IMMUTABLE = "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"


def validate_name(group: str, kind: str, name: str | None) -> list[Cause]:
    if not name:
        return [errors.required("metadata.name", "name or generateName is required")]
    if (group, kind) in _LABEL_NAMED_KINDS:
        if len(name) > 63 or not _DNS_LABEL_RE.match(name):
            return [errors.invalid_value("metadata.name", name, _LABEL_MESSAGE)]
    elif len(name) > 253 or not _DNS_SUBDOMAIN_RE.match(name):
        return [errors.invalid_value("metadata.name", name, _SUBDOMAIN_MESSAGE)]
    return []


def _pvc(obj: dict) -> list[Cause]:
    spec = obj.get("spec", {})
    causes = []
    if not spec.get("accessModes"):
        causes.append(errors.required("spec.accessModes", "at least 1 access mode is required"))
    if "storage" not in spec.get("resources", {}).get("requests", {}):
        causes.append(errors.required("spec.resources[storage]"))
    for mode in spec.get("accessModes", []):
        if mode not in _ACCESS_MODES:
            causes.append(errors.unsupported_value("spec.accessModes", mode, _ACCESS_MODES))
    if spec.get("volumeMode", "Filesystem") not in ("Block", "Filesystem"):
        causes.append(errors.unsupported_value("spec.volumeMode", spec["volumeMode"], ["Block", "Filesystem"]))
    return causes


def _job(obj: dict) -> list[Cause]:
    policy = obj.get("spec", {}).get("template", {}).get("spec", {}).get("restartPolicy")
    if policy not in ("OnFailure", "Never"):
        if policy is None:
            return [errors.required("spec.template.spec.restartPolicy", 'valid values: "OnFailure", "Never"')]
        return [errors.unsupported_value("spec.template.spec.restartPolicy", policy, ["OnFailure", "Never"])]
    return []


def _crd(obj: dict) -> list[Cause]:
    spec = obj.get("spec", {})
    expected = f"{spec.get('names', {}).get('plural')}.{spec.get('group')}"
    name = obj["metadata"].get("name")
    causes = []
    if name != expected:
        causes.append(errors.invalid_value("metadata.name", name, 'must be spec.names.plural+"."+spec.group'))
    storage = [v["name"] for v in spec.get("versions", []) if v.get("storage")]
    if len(storage) != 1:
        causes.append(errors.invalid_value("spec.versions", storage, "must have exactly one version marked as storage version"))
    return causes


_CREATE_RULES = {
    ("", "PersistentVolumeClaim"): _pvc,
    ("batch", "Job"): _job,
    ("apiextensions.k8s.io", "CustomResourceDefinition"): _crd,
}


def validate_object(group: str, obj: dict) -> list[Cause]:
    rule = _CREATE_RULES.get((group, obj.get("kind")))
    return rule(obj) if rule else []


def _immutable(path: str, old, new) -> list[Cause]:
    if old == new:
        return []
    return [errors.invalid_value(path, json.dumps(new, sort_keys=True), "field is immutable")]


def _storage_class_update(old: dict, new: dict) -> list[Cause]:
    causes = []
    if old.get("parameters") != new.get("parameters"):
        causes.append(errors.forbidden("parameters", "updates to parameters are forbidden."))
    if old.get("provisioner") != new.get("provisioner"):
        causes.append(errors.forbidden("provisioner", "updates to provisioner are forbidden."))
    if old.get("reclaimPolicy") != new.get("reclaimPolicy"):
        causes.append(errors.forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden."))
    if old.get("volumeBindingMode") != new.get("volumeBindingMode"):
        causes.append(errors.invalid_value("volumeBindingMode", new.get("volumeBindingMode"), "field is immutable"))
    return causes


def _requested_storage(pvc: dict):
    return pvc.get("spec", {}).get("resources", {}).get("requests", {}).get("storage")


def _pvc_update(old: dict, new: dict) -> list[Cause]:
    old_spec, new_spec = dict(old.get("spec", {})), dict(new.get("spec", {}))
    for spec in (old_spec, new_spec):
        spec.pop("resources", None)
        spec.pop("volumeAttributesClassName", None)
    if not old_spec.get("volumeName"):
        new_spec.pop("volumeName", None)
        old_spec.pop("volumeName", None)
    bound = old.get("status", {}).get("phase") == "Bound"
    if old_spec != new_spec or (not bound and _requested_storage(old) != _requested_storage(new)):
        return [errors.forbidden("spec", PVC_SPEC_IMMUTABLE)]
    old_size = parse_quantity(_requested_storage(old) or 0)
    new_size = parse_quantity(_requested_storage(new) or 0)
    if old_size is not None and new_size is not None and new_size < old_size:
        return [errors.forbidden("spec.resources.requests.storage", "field can not be less than previous value")]
    return []


def _job_update(old: dict, new: dict) -> list[Cause]:
    old_spec, new_spec = old.get("spec", {}), new.get("spec", {})
    causes = _immutable("spec.selector", old_spec.get("selector"), new_spec.get("selector"))
    causes += _immutable("spec.template", old_spec.get("template"), new_spec.get("template"))
    causes += _immutable("spec.completions", old_spec.get("completions"), new_spec.get("completions"))
    return causes


def _selector_update(old: dict, new: dict) -> list[Cause]:
    return _immutable("spec.selector", old.get("spec", {}).get("selector"), new.get("spec", {}).get("selector"))


def _immutable_data_update(old: dict, new: dict) -> list[Cause]:
    if not old.get("immutable"):
        return []
    causes = []
    for field in ("data", "binaryData"):
        if old.get(field) != new.get(field):
            causes.append(errors.forbidden(field, "field is immutable when `immutable` is set"))
    if not new.get("immutable"):
        causes.append(errors.forbidden("immutable", "field is immutable when `immutable` is set"))
    return causes


def _without_images(spec: dict) -> dict:
    spec = json.loads(json.dumps(spec))
    for container in spec.get("containers", []) + spec.get("initContainers", []):
        container.pop("image", None)
    for field in ("activeDeadlineSeconds", "tolerations", "terminationGracePeriodSeconds"):
        spec.pop(field, None)
    return spec


# Every field of spec that is not a volume source (PersistentVolumeSpec inlines PersistentVolumeSource).
_PV_SPEC_FIELDS = (
    "accessModes", "capacity", "claimRef", "mountOptions", "nodeAffinity", "persistentVolumeReclaimPolicy",
    "storageClassName", "volumeAttributesClassName", "volumeMode",
)


def _pv_source(spec: dict) -> dict:
    return {key: value for key, value in spec.items() if key not in _PV_SPEC_FIELDS}


def _pv_update(old: dict, new: dict) -> list[Cause]:
    old_spec, new_spec = old.get("spec", {}), new.get("spec", {})
    causes = []
    if _pv_source(old_spec) != _pv_source(new_spec):
        causes.append(errors.forbidden("spec.persistentvolumesource", "spec.persistentvolumesource is immutable after creation"))
    return causes + _immutable("volumeMode", old_spec.get("volumeMode"), new_spec.get("volumeMode"))


def _pod_update(old: dict, new: dict) -> list[Cause]:
    if _without_images(old.get("spec", {})) != _without_images(new.get("spec", {})):
        return [errors.forbidden("spec", "pod updates may not change fields other than `spec.containers[*].image`,"
                                 "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` "
                                 "(only additions to existing tolerations),`spec.terminationGracePeriodSeconds` "
                                 "(allow it to be set to 1 if it was previously negative)")]
    return []


_UPDATE_RULES = {
    ("storage.k8s.io", "StorageClass"): _storage_class_update,
    ("", "PersistentVolumeClaim"): _pvc_update,
    ("", "PersistentVolume"): _pv_update,
    ("", "Pod"): _pod_update,
    ("", "ConfigMap"): _immutable_data_update,
    ("", "Secret"): _immutable_data_update,
    ("batch", "Job"): _job_update,
    ("apps", "Deployment"): _selector_update,
    ("apps", "StatefulSet"): _selector_update,
    ("apps", "DaemonSet"): _selector_update,
    ("apps", "ReplicaSet"): _selector_update,
}


def validate_update(group: str, old: dict, new: dict) -> list[Cause]:
    rule = _UPDATE_RULES.get((group, new.get("kind")))
    return rule(old, new) if rule else []
