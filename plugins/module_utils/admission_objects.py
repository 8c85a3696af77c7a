# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Notebook admission webhook's objects, computed from a validated spec (docs/notebook-admission.md).

The server runs on a stock Python image: its code is the collection's own files (the server and
the module_utils it imports, found by code_files), shipped in a ConfigMap and projected into the
pod at the paths they have in an installed collection, so the server imports them as it does there.
Its access map (admission.access_map) is a second ConfigMap, which the server re-reads on change.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import base64
import posixpath

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import manifests

COMPONENT = "notebook-admission"
NAME = "notebook-admission"
CODE_CONFIG_MAP = NAME + "-code"
ACCESS_MAP_CONFIG_MAP = NAME + "-config"
ACCESS_MAP_KEY = "config.json"
TLS_SECRET = NAME + "-tls"
CA_SECRET = NAME + "-ca"
WEBHOOK_NAME = "notebooks.shared-resources.odh-rwx.io"
WEBHOOK_PATH = "/mutate-notebooks"
HEALTH_PATH = "/healthz"
PORT = 8443
SERVICE_PORT = 443
# A ConfigMap holds at most 1 MiB; leave room for its metadata.
MAX_CONFIG_MAP_BYTES = 1000 * 1000

PACKAGE = "ansible_collections.odh_rwx.shared_resources.plugins.module_utils"
COLLECTION_DIR = "ansible_collections/odh_rwx/shared_resources"
SERVER_PATH = "roles/jupyterhub/files/notebook-admission"
CODE_DIR = "/opt/odh-rwx"
CONFIG_DIR = "/etc/notebook-admission/config"
TLS_DIR = "/etc/notebook-admission/tls"

OPENSHIFT_SERVING_CERT_ANNOTATION = "service.beta.openshift.io/serving-cert-secret-name"
OPENSHIFT_INJECT_CABUNDLE_ANNOTATION = "service.beta.openshift.io/inject-cabundle"
CERT_MANAGER_INJECT_ANNOTATION = "cert-manager.io/inject-ca-from"
CERT_MANAGER_API_VERSION = "cert-manager.io/v1"
CODE_HASH_ANNOTATION = manifests.LABEL_PREFIX + "code-hash"
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"

# What the role prunes when the webhook goes, or an earlier certificate source leaves objects behind.
CORE_KINDS = (
    ("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration"),
    ("apps/v1", "Deployment"),
    ("policy/v1", "PodDisruptionBudget"),
    ("v1", "Service"),
    ("v1", "ConfigMap"),
    ("v1", "Secret"),
)
CERT_MANAGER_KINDS = ((CERT_MANAGER_API_VERSION, "Certificate"), (CERT_MANAGER_API_VERSION, "Issuer"))


class AdmissionObjectsError(ValueError):
    """The webhook's objects cannot be built as asked (the message says why and what to do)."""


# --------------------------------------------------------------------------
# The code the server runs


def _imported_modules(source):
    """The collection's module_utils that ``source`` imports, by module name."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == PACKAGE:
                names.update(alias.name for alias in node.names)
            elif node.module.startswith(PACKAGE + "."):
                names.add(node.module[len(PACKAGE) + 1:].split(".")[0])
        elif isinstance(node, ast.Import):
            names.update(alias.name[len(PACKAGE) + 1:].split(".")[0] for alias in node.names if alias.name.startswith(PACKAGE + "."))
    return names


def code_files(server, read_module):
    """The server and every module_utils file it needs (transitively): collection path -> text.

    ``read_module(name)`` returns the text of ``plugins/module_utils/<name>.py`` as installed.
    """
    files = {SERVER_PATH: server}
    pending, seen = sorted(_imported_modules(server)), set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        text = read_module(name)
        files["plugins/module_utils/%s.py" % name] = text
        pending.extend(sorted(_imported_modules(text) - seen))
    return files


def _code_key(path):
    """ConfigMap keys cannot hold '/': plugins/module_utils/access.py is plugins.module_utils.access.py."""
    return path.replace("/", ".")


# --------------------------------------------------------------------------
# Objects


def _labels():
    return manifests.managed_labels(COMPONENT)


def _selector():
    return {"app.kubernetes.io/managed-by": manifests.MANAGED_BY, manifests.COMPONENT_LABEL: COMPONENT}


def _metadata(spec, name, **extra):
    metadata = {"name": name, "namespace": spec.namespace, "labels": _labels()}
    metadata.update(extra)
    return metadata


def service_host(spec):
    return "%s.%s.svc" % (NAME, spec.namespace)


def dns_names(spec):
    """The names the API server may use for the Service: <name>.<namespace>.svc is the one it uses."""
    return [NAME, "%s.%s" % (NAME, spec.namespace), service_host(spec), service_host(spec) + ".cluster.local"]


def webhook_configuration_name(spec):
    """Cluster-wide, so it names the share namespace: one collection rollout per namespace."""
    return "odh-rwx-notebook-admission-" + spec.namespace


def code_config_map(spec, files):
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _metadata(spec, CODE_CONFIG_MAP),
        "data": dict((_code_key(path), text) for path, text in files.items()),
    }


def access_map_config_map(spec, text):
    size = len(text.encode("utf-8"))
    if size > MAX_CONFIG_MAP_BYTES:
        raise AdmissionObjectsError(
            "jupyterhub.admission: the access map is %d bytes, more than a ConfigMap holds (1 MiB): the organisation is too "
            "large for the webhook; disable it (admission.enabled: false) and rely on the runs" % size
        )
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _metadata(spec, ACCESS_MAP_CONFIG_MAP), "data": {ACCESS_MAP_KEY: text}}


def _probe(period, failures):
    return {
        "httpGet": {"path": HEALTH_PATH, "port": "https", "scheme": "HTTPS"},
        "periodSeconds": period,
        "timeoutSeconds": 2,
        "failureThreshold": failures,
    }


def deployment(spec, files):
    admission = spec.jupyterhub.admission
    server = posixpath.join(CODE_DIR, COLLECTION_DIR, SERVER_PATH)
    container = {
        "name": "server",
        "image": admission.image,
        "command": [
            "python3", server,
            "--port", str(PORT),
            "--tls-cert", posixpath.join(TLS_DIR, "tls.crt"),
            "--tls-key", posixpath.join(TLS_DIR, "tls.key"),
            "--config", posixpath.join(CONFIG_DIR, ACCESS_MAP_KEY),
        ],
        "env": [{"name": "PYTHONDONTWRITEBYTECODE", "value": "1"}, {"name": "PYTHONUNBUFFERED", "value": "1"}],
        "ports": [{"name": "https", "containerPort": PORT, "protocol": "TCP"}],
        "readinessProbe": _probe(5, 2),
        "livenessProbe": dict(_probe(10, 6), initialDelaySeconds=5),
        "resources": admission.resources,
        "securityContext": manifests.restricted_container_security_context(),
        "volumeMounts": [
            {"name": "code", "mountPath": CODE_DIR, "readOnly": True},
            {"name": "config", "mountPath": CONFIG_DIR, "readOnly": True},
            {"name": "tls", "mountPath": TLS_DIR, "readOnly": True},
        ],
    }
    items = [{"key": _code_key(path), "path": posixpath.join(COLLECTION_DIR, path)} for path in sorted(files)]
    pod_spec = {
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "securityContext": manifests.restricted_pod_security_context(),
        "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{
            "weight": 100,
            "podAffinityTerm": {"labelSelector": {"matchLabels": _selector()}, "topologyKey": "kubernetes.io/hostname"},
        }]}},
        "containers": [container],
        "volumes": [
            {"name": "code", "configMap": {"name": CODE_CONFIG_MAP, "items": items, "defaultMode": 0o444}},
            {"name": "config", "configMap": {"name": ACCESS_MAP_CONFIG_MAP, "defaultMode": 0o444}},
            {"name": "tls", "secret": {"secretName": TLS_SECRET, "defaultMode": 0o444}},
        ],
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _metadata(spec, NAME),
        "spec": {
            "replicas": admission.replicas,
            "revisionHistoryLimit": 3,
            "selector": {"matchLabels": _selector()},
            # A new pod is ready before an old one goes: reviews never lack a server during a rollout.
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
            "template": {
                # The code is fixed per pod: a new version rolls the pods. The access map is re-read, not rolled.
                "metadata": {"labels": _labels(), "annotations": {CODE_HASH_ANNOTATION: manifests.short_hash(files)}},
                "spec": pod_spec,
            },
        },
    }


def service(spec):
    metadata = _metadata(spec, NAME)
    if spec.jupyterhub.admission.certificates.source == "openshift":
        metadata["annotations"] = {OPENSHIFT_SERVING_CERT_ANNOTATION: TLS_SECRET}
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata,
        "spec": {"selector": _selector(), "ports": [{"name": "https", "port": SERVICE_PORT, "targetPort": "https", "protocol": "TCP"}]},
    }


def disruption_budget(spec):
    """One pod at a time may go in a drain: with 2 replicas one always serves, and 1 replica never blocks a drain."""
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": _metadata(spec, NAME),
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": _selector()}},
    }


def webhook_configuration(spec, ca_bundle=None):
    """The MutatingWebhookConfiguration: Notebooks of the notebook namespaces, CREATE and UPDATE, mutation only."""
    admission = spec.jupyterhub.admission
    source = admission.certificates.source
    annotations = {}
    if source == "openshift":
        annotations[OPENSHIFT_INJECT_CABUNDLE_ANNOTATION] = "true"
    elif source == "cert_manager":
        annotations[CERT_MANAGER_INJECT_ANNOTATION] = "%s/%s" % (spec.namespace, NAME)
    client_config = {"service": {"namespace": spec.namespace, "name": NAME, "path": WEBHOOK_PATH, "port": SERVICE_PORT}}
    if ca_bundle:
        client_config["caBundle"] = base64.b64encode(ca_bundle.encode("ascii")).decode("ascii")
    metadata = {"name": webhook_configuration_name(spec), "labels": _labels()}
    if annotations:
        metadata["annotations"] = annotations
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "MutatingWebhookConfiguration",
        "metadata": metadata,
        "webhooks": [{
            "name": WEBHOOK_NAME,
            "admissionReviewVersions": ["v1"],
            "sideEffects": "None",
            "failurePolicy": admission.failure_policy,
            "timeoutSeconds": admission.timeout_seconds,
            # Another webhook (the ODH one) may change the notebook after this one: look again.
            "reinvocationPolicy": "IfNeeded",
            "matchPolicy": "Equivalent",
            "clientConfig": client_config,
            "rules": [{
                "apiGroups": ["kubeflow.org"],
                "apiVersions": ["v1"],
                "operations": ["CREATE", "UPDATE"],
                "resources": ["notebooks"],
                "scope": "Namespaced",
            }],
            "namespaceSelector": {"matchExpressions": [
                {"key": NAMESPACE_NAME_LABEL, "operator": "In", "values": sorted(spec.jupyterhub.notebook_namespaces)},
            ]},
        }],
    }


def _certificate(spec, name, issuer_name, issuer_kind, secret, **extra):
    body = {
        "secretName": secret,
        "issuerRef": {"name": issuer_name, "kind": issuer_kind, "group": "cert-manager.io"},
        "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
    }
    body.update(extra)
    return {"apiVersion": CERT_MANAGER_API_VERSION, "kind": "Certificate", "metadata": _metadata(spec, name), "spec": body}


def _issuer(spec, name, body):
    return {"apiVersion": CERT_MANAGER_API_VERSION, "kind": "Issuer", "metadata": _metadata(spec, name), "spec": body}


def cert_manager_objects(spec):
    """The serving Certificate; without an issuer of the operator's, a CA of its own signs it.

    A self-signed Issuer makes a CA (10 years), a CA Issuer signs the serving certificate with it
    (1 year, renewed a month ahead): the CA cert-manager injects into the webhook configuration
    then stays the same across renewals, so pods still holding the old certificate keep working.
    """
    issuer = spec.jupyterhub.admission.certificates.issuer
    serving = dict(dnsNames=dns_names(spec), duration="8760h", renewBefore="720h")
    if issuer is not None:
        return [_certificate(spec, NAME, issuer.name, issuer.kind, TLS_SECRET, **serving)]
    return [
        _issuer(spec, NAME + "-selfsigned", {"selfSigned": {}}),
        _certificate(spec, CA_SECRET, NAME + "-selfsigned", "Issuer", CA_SECRET, isCA=True,
                     commonName="odh-rwx notebook-admission CA", duration="87600h", renewBefore="720h"),
        _issuer(spec, CA_SECRET, {"ca": {"secretName": CA_SECRET}}),
        _certificate(spec, NAME, CA_SECRET, "Issuer", TLS_SECRET, **serving),
    ]


def generated_secrets(spec, certificate):
    """The Secrets of a CA the role generated: the serving pair the pods mount, and the CA pair to renew it."""
    return [
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": _metadata(spec, TLS_SECRET),
            "type": "kubernetes.io/tls",
            "stringData": {"tls.crt": certificate["certificate"], "tls.key": certificate["private_key"], "ca.crt": certificate["ca_certificate"]},
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": _metadata(spec, CA_SECRET),
            "type": "kubernetes.io/tls",
            "stringData": {"tls.crt": certificate["ca_certificate"], "tls.key": certificate["ca_private_key"]},
        },
    ]


CERTIFICATE_FIELDS = ("certificate", "private_key", "ca_certificate", "ca_private_key")


def admission_objects(spec, files, access_map_text, certificate=None):
    """The webhook's objects in apply order: ``{"objects": [...], "secrets": [...]}``, [] each when it is disabled.

    ``files`` are code_files, ``access_map_text`` admission.access_map_text. The webhook
    configuration comes last, once the server can answer. ``certificate`` (source generated only)
    holds the PEM texts of CERTIFICATE_FIELDS; its Secrets are apart, so that the role applies them
    without logging them.
    """
    hub = spec.jupyterhub
    if hub is None or hub.flavor != "odh_notebooks" or not hub.admission.enabled:
        return {"objects": [], "secrets": []}
    source = hub.admission.certificates.source
    if source == "generated" and not (certificate and all(certificate.get(field) for field in CERTIFICATE_FIELDS)):
        raise AdmissionObjectsError("certificates.source generated: the generated certificate needs %s" % ", ".join(CERTIFICATE_FIELDS))
    objects = [code_config_map(spec, files), access_map_config_map(spec, access_map_text)]
    if source == "cert_manager":
        objects.extend(cert_manager_objects(spec))
    objects.extend([service(spec), deployment(spec, files), disruption_budget(spec)])
    objects.append(webhook_configuration(spec, certificate["ca_certificate"] if source == "generated" else None))
    return {"objects": objects, "secrets": generated_secrets(spec, certificate) if source == "generated" else []}


def prune_kinds(spec):
    """The kinds the role looks for leftovers of (cert-manager's only where cert-manager is the source)."""
    kinds = list(CORE_KINDS)
    hub = spec.jupyterhub
    if hub is not None and hub.admission.enabled and hub.admission.certificates.source == "cert_manager":
        kinds.extend(CERT_MANAGER_KINDS)
    return [{"api_version": api_version, "kind": kind} for api_version, kind in kinds]
