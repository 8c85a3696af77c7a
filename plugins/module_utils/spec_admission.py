# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation of ``shared_resources.jupyterhub.admission``: the Notebook admission webhook (flavour odh_notebooks).

Spec parsing: depends on validation.py only. admission_objects.py builds the webhook's objects
from the AdmissionSpec this returns; docs/notebook-admission.md describes each field.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import namedtuple

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.validation import (
    check_bool,
    check_choice,
    check_keys,
    check_mapping,
    check_name,
    check_quantity,
    describe_type,
    parse_quantity,
)

ADMISSION_KEYS = ("enabled", "image", "replicas", "failure_policy", "timeout_seconds", "certificates", "resources")
CERTIFICATE_KEYS = ("source", "issuer")
ISSUER_KEYS = ("name", "kind")
RESOURCE_KEYS = ("requests", "limits")
RESOURCE_NAMES = ("cpu", "memory")

FAILURE_POLICIES = ("Ignore", "Fail")
CERTIFICATE_SOURCES = ("openshift", "cert_manager", "generated")
ISSUER_KINDS = ("Issuer", "ClusterIssuer")
# kube-apiserver allows 1-30 s; a notebook write should never wait longer than this for shares.
MAX_TIMEOUT_SECONDS = 10

# A stock Python image (runs as a non-root uid, as OpenShift's restricted SCC and Pod Security "restricted"
# want); the server is standard library only and its code comes from ConfigMaps.
DEFAULT_IMAGE = "registry.access.redhat.com/ubi9/python-312:9.6"
DEFAULT_REPLICAS = 2
DEFAULT_TIMEOUT_SECONDS = 5
# No CPU limit: CFS throttling would show up as review latency at the API server.
DEFAULT_RESOURCES = {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}}

AdmissionSpec = namedtuple("AdmissionSpec", "enabled image replicas failure_policy timeout_seconds certificates resources")
CertificateSpec = namedtuple("CertificateSpec", "source issuer")
IssuerRef = namedtuple("IssuerRef", "name kind")

DISABLED = AdmissionSpec(
    enabled=False,
    image=DEFAULT_IMAGE,
    replicas=DEFAULT_REPLICAS,
    failure_policy="Ignore",
    timeout_seconds=DEFAULT_TIMEOUT_SECONDS,
    certificates=CertificateSpec(source="openshift", issuer=None),
    resources=DEFAULT_RESOURCES,
)


def _check_image(collector, path, value):
    if not isinstance(value, str) or not value or any(character.isspace() for character in value):
        collector.add(path, "must be a container image reference such as %s, got %r" % (DEFAULT_IMAGE, value))
        return False
    return True


def _check_int(collector, path, value, low, high, what):
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        collector.add(path, "invalid %s %r: use a whole number from %d to %d" % (what, value, low, high))
        return False
    return True


def _parse_issuer(collector, path, data):
    if not check_mapping(collector, path, data, "name and kind of a cert-manager issuer"):
        return None
    check_keys(collector, path, data, ISSUER_KEYS)
    name, kind = data.get("name"), data.get("kind", "Issuer")
    valid = check_name(collector, path + ".name", name, "issuer name") if "name" in data else False
    if "name" not in data:
        collector.add(path + ".name", "missing: name the cert-manager Issuer or ClusterIssuer that signs the webhook's certificate")
    valid = check_choice(collector, path + ".kind", kind, ISSUER_KINDS) and valid
    return IssuerRef(name, kind) if valid else None


def _parse_certificates(collector, data):
    path = "jupyterhub.admission.certificates"
    if data is None:
        return DISABLED.certificates
    if not check_mapping(collector, path, data, "source (%s) and, for cert_manager, issuer" % ", ".join(CERTIFICATE_SOURCES)):
        return None
    check_keys(collector, path, data, CERTIFICATE_KEYS)
    source = data.get("source", "openshift")
    if not check_choice(collector, path + ".source", source, CERTIFICATE_SOURCES):
        return None
    issuer = None
    if data.get("issuer") is not None:
        if source != "cert_manager":
            collector.add(path + ".issuer", "is only used with source cert_manager, not %s: remove it" % source)
            return None
        issuer = _parse_issuer(collector, path + ".issuer", data["issuer"])
        if issuer is None:
            return None
    return CertificateSpec(source=source, issuer=issuer)


def _parse_resources(collector, data):
    """Container resources: requests and limits of cpu and memory, each limit at least its request."""
    path = "jupyterhub.admission.resources"
    if data is None:
        return DISABLED.resources
    if not check_mapping(collector, path, data, "requests and limits"):
        return None
    check_keys(collector, path, data, RESOURCE_KEYS)
    valid = True
    for section in RESOURCE_KEYS:
        values = data.get(section) or {}
        section_path = "%s.%s" % (path, section)
        if not check_mapping(collector, section_path, values, "cpu and memory quantities"):
            valid = False
            continue
        check_keys(collector, section_path, values, RESOURCE_NAMES)
        for name in sorted(values):
            if name in RESOURCE_NAMES and not check_quantity(collector, "%s.%s" % (section_path, name), values[name], "quantity"):
                valid = False
    if not valid:
        return None
    for name in RESOURCE_NAMES:
        request, limit = (data.get("requests") or {}).get(name), (data.get("limits") or {}).get(name)
        if request is not None and limit is not None and parse_quantity(limit) < parse_quantity(request):
            collector.add("%s.limits.%s" % (path, name), "%s is less than the request %s: raise the limit" % (limit, request))
            valid = False
    if not (data.get("requests") or {}).get("memory"):
        collector.add(path + ".requests.memory", "missing: the scheduler needs a memory request for the webhook's pods")
        valid = False
    if not valid:
        return None
    return dict((section, dict(data[section])) for section in RESOURCE_KEYS if data.get(section))


def parse_admission(collector, data):
    """Validate ``jupyterhub.admission``; return an AdmissionSpec (DISABLED when absent), or None when invalid."""
    path = "jupyterhub.admission"
    if data is None:
        return DISABLED
    if not isinstance(data, dict):
        collector.add(path, "must be a mapping with at least enabled: true|false, got %s" % describe_type(data))
        return None
    check_keys(collector, path, data, ADMISSION_KEYS)
    valid = True
    enabled = data.get("enabled", False)
    valid = check_bool(collector, path + ".enabled", enabled) and valid
    image = data.get("image", DEFAULT_IMAGE)
    valid = _check_image(collector, path + ".image", image) and valid
    replicas = data.get("replicas", DEFAULT_REPLICAS)
    valid = _check_int(collector, path + ".replicas", replicas, 1, 10, "number of replicas") and valid
    failure_policy = data.get("failure_policy", "Ignore")
    valid = check_choice(collector, path + ".failure_policy", failure_policy, FAILURE_POLICIES) and valid
    timeout = data.get("timeout_seconds", DEFAULT_TIMEOUT_SECONDS)
    valid = _check_int(collector, path + ".timeout_seconds", timeout, 1, MAX_TIMEOUT_SECONDS, "timeout") and valid
    certificates = _parse_certificates(collector, data.get("certificates"))
    resources = _parse_resources(collector, data.get("resources"))
    if not valid or certificates is None or resources is None:
        return None
    return AdmissionSpec(
        enabled=enabled,
        image=image,
        replicas=replicas,
        failure_policy=failure_policy,
        timeout_seconds=timeout,
        certificates=certificates,
        resources=resources,
    )


def admission_settings(admission):
    """An AdmissionSpec as plain data (what the jupyterhub_settings filter hands the role's tasks)."""
    certificates = admission.certificates
    return dict(
        admission._asdict(),
        certificates={"source": certificates.source, "issuer": certificates.issuer._asdict() if certificates.issuer else None},
    )
