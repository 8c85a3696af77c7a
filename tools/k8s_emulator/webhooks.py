"""Mutating admission webhooks (admissionregistration.k8s.io/v1), called as kube-apiserver calls them.

For a create or update of any resource, every webhook of every MutatingWebhookConfiguration (in order of
configuration name, then list order) whose rules, namespaceSelector and objectSelector match gets an
AdmissionReview admission.k8s.io/v1 over HTTPS (or HTTP for a plain ``clientConfig.url``). A webhook
named by ``clientConfig.service`` is reached at the URL the emulator maps that Service to
(``--webhook-service NAMESPACE/NAME=URL`` or ``POST /_emulator/webhook-services``), with TLS verified
against ``caBundle`` for the Service's name ``<name>.<namespace>.svc``, as the API server does.

JSONPatch answers are applied; ``allowed: false`` refuses the request; a webhook that cannot be called,
times out (``timeoutSeconds``, default 10) or answers nonsense fails the request under ``failurePolicy:
Fail`` (the default) and is skipped under ``Ignore``. ``reinvocationPolicy: IfNeeded`` webhooks are called
once more when a later webhook changed the object. Dry-run requests reach only webhooks with
``sideEffects`` None or NoneOnDryRun. The audit event of the request carries the annotations kube-apiserver
records: ``mutation.webhook.admission.k8s.io/round_R_index_I`` for every call, ``patch.webhook...`` with
the patch applied, ``failed-open.mutation.webhook.admission.k8s.io/round_R_index_I`` for an ignored failure.
"""

from __future__ import annotations

import base64
import copy
import http.client
import json
import ssl
import threading
import uuid
from urllib.parse import urlsplit

from . import errors, patch

GROUP = "admissionregistration.k8s.io"
PLURAL = "mutatingwebhookconfigurations"
DEFAULT_TIMEOUT = 10
NO_SIDE_EFFECTS = ("None", "NoneOnDryRun")


class WebhookCallError(Exception):
    """The webhook could not be called, or answered something the API server cannot use."""


def matches_selector(selector: dict | None, labels: dict | None) -> bool:
    """A LabelSelector (matchLabels, matchExpressions) against labels; an empty selector matches everything."""
    labels = labels or {}
    selector = selector or {}
    if any(labels.get(key) != value for key, value in (selector.get("matchLabels") or {}).items()):
        return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values") or []
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and key in labels and labels[key] in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


class _ServiceHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a mapped address, verifying the certificate for the Service's DNS name as the API server does."""

    def __init__(self, host, port, server_hostname, **kwargs):
        super().__init__(host, port, **kwargs)
        self.server_hostname = server_hostname

    def connect(self):
        http.client.HTTPConnection.connect(self)
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self.server_hostname)


class Webhooks:
    def __init__(self, api, services: dict[str, str] | None = None):
        self.api = api
        self.services = dict(services or {})
        self.lock = threading.Lock()

    def map_service(self, namespace: str, name: str, url: str) -> None:
        with self.lock:
            self.services[f"{namespace}/{name}"] = url.rstrip("/")

    def mapped_services(self) -> dict[str, str]:
        with self.lock:
            return dict(self.services)

    # -- matching ------------------------------------------------------------

    def _matching(self, rtype, operation: str, obj: dict, old: dict | None, namespace: str | None):
        configurations = sorted(self.api.store.list((GROUP, PLURAL)), key=lambda item: item["metadata"]["name"])
        for configuration in configurations:
            for webhook in configuration.get("webhooks") or []:
                if self._matches(webhook, rtype, operation, obj, old, namespace):
                    yield configuration["metadata"]["name"], webhook

    def _matches(self, webhook: dict, rtype, operation: str, obj: dict, old: dict | None, namespace: str | None) -> bool:
        if not any(self._rule_matches(rule, rtype, operation, webhook.get("matchPolicy", "Equivalent")) for rule in webhook.get("rules") or []):
            return False
        labels = [(item.get("metadata") or {}).get("labels") for item in (obj, old) if item]
        if not any(matches_selector(webhook.get("objectSelector"), item) for item in labels):
            return False
        if rtype.namespaced:
            ns = self.api.store.get(("", "namespaces"), "", namespace) or {}
            return matches_selector(webhook.get("namespaceSelector"), (ns.get("metadata") or {}).get("labels"))
        if (rtype.group, rtype.kind) == ("", "Namespace"):
            return matches_selector(webhook.get("namespaceSelector"), (obj.get("metadata") or {}).get("labels"))
        return True

    @staticmethod
    def _rule_matches(rule: dict, rtype, operation: str, match_policy: str) -> bool:
        def listed(values, value):
            return "*" in values or value in values

        scope = rule.get("scope", "*")
        if scope != "*" and (scope == "Namespaced") != rtype.namespaced:
            return False
        if not listed(rule.get("operations") or [], operation) or not listed(rule.get("apiGroups") or [], rtype.group):
            return False
        if not listed(rule.get("resources") or [], rtype.plural):
            return False
        # The emulator stores a resource once for all its versions: Equivalent matches any of them.
        return listed(rule.get("apiVersions") or [], rtype.version) or match_policy == "Equivalent"

    # -- calling ---------------------------------------------------------------

    def _connection(self, webhook: dict):
        client_config = webhook.get("clientConfig") or {}
        service = client_config.get("service")
        if service:
            key = f"{service['namespace']}/{service['name']}"
            base = self.mapped_services().get(key)
            if base is None:
                raise WebhookCallError(f'service "{key}" is not mapped to a URL (emulator option --webhook-service {key}=URL)')
            url = urlsplit(base + (service.get("path") or ""))
            server_hostname = f"{service['name']}.{service['namespace']}.svc"
        else:
            url = urlsplit(client_config.get("url") or "")
            server_hostname = url.hostname
        timeout = webhook.get("timeoutSeconds", DEFAULT_TIMEOUT)
        if url.scheme == "http" and not service:
            return http.client.HTTPConnection(url.hostname, url.port or 80, timeout=timeout), url
        if url.scheme != "https":
            raise WebhookCallError(f"unsupported webhook URL {url.geturl()!r}")
        context = ssl.create_default_context()
        if client_config.get("caBundle"):
            try:
                context = ssl.create_default_context(cadata=base64.b64decode(client_config["caBundle"]).decode("ascii"))
            except (ValueError, ssl.SSLError) as exc:
                raise WebhookCallError(f"caBundle is not a PEM certificate: {exc}")
        return _ServiceHTTPSConnection(url.hostname, url.port or 443, server_hostname, timeout=timeout, context=context), url

    def _call(self, webhook: dict, review: dict) -> dict:
        connection, url = self._connection(webhook)
        try:
            connection.request("POST", (url.path or "/") + (f"?{url.query}" if url.query else ""), body=json.dumps(review),
                               headers={"Content-Type": "application/json", "Accept": "application/json"})
            answer = connection.getresponse()
            body = answer.read()
        except (OSError, http.client.HTTPException) as exc:
            raise WebhookCallError(f'failed to call webhook: Post "{url.geturl()}": {exc}')
        finally:
            connection.close()
        if answer.status != 200:
            raise WebhookCallError(f"received invalid webhook response: status {answer.status}: {body[:200]!r}")
        try:
            response = json.loads(body)["response"]
        except (ValueError, KeyError, TypeError) as exc:
            raise WebhookCallError(f"received invalid webhook response: {exc}")
        if not isinstance(response, dict) or response.get("uid") != review["request"]["uid"]:
            raise WebhookCallError("received invalid webhook response: expected response.uid=%r" % review["request"]["uid"])
        return response

    @staticmethod
    def _review(rtype, operation, obj, old, namespace, dry_run) -> dict:
        gvk = {"group": rtype.group, "version": rtype.version, "kind": rtype.kind}
        gvr = {"group": rtype.group, "version": rtype.version, "resource": rtype.plural}
        return {
            "apiVersion": "admission.k8s.io/v1",
            "kind": "AdmissionReview",
            "request": {
                "uid": str(uuid.uuid4()),
                "kind": gvk, "resource": gvr, "requestKind": gvk, "requestResource": gvr,
                "name": (obj.get("metadata") or {}).get("name", ""),
                "namespace": namespace or "",
                "operation": operation,
                "userInfo": {"username": "emulator-admin", "groups": ["system:masters", "system:authenticated"]},
                "object": obj,
                "oldObject": old,
                "dryRun": dry_run,
                "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions" if operation == "CREATE" else "UpdateOptions"},
            },
        }

    def mutate(self, rtype, operation: str, obj: dict, old: dict | None, namespace: str | None, dry_run: bool,
               annotations: dict) -> dict:
        """``obj`` after every matching webhook; records the audit annotations; raises ApiError to refuse the request."""
        webhooks = list(self._matching(rtype, operation, obj, old, namespace))
        reinvoke, changed_at = [], []
        for index, (configuration, webhook) in enumerate(webhooks):
            obj, changed = self._invoke(0, index, configuration, webhook, rtype, operation, obj, old, namespace, dry_run, annotations)
            if changed:
                changed_at.append(index)
        for index, (configuration, webhook) in enumerate(webhooks):
            if webhook.get("reinvocationPolicy") == "IfNeeded" and any(later > index for later in changed_at):
                reinvoke.append((index, configuration, webhook))
        for index, configuration, webhook in reinvoke:
            obj, _ = self._invoke(1, index, configuration, webhook, rtype, operation, obj, old, namespace, dry_run, annotations)
        return obj

    def _invoke(self, round_, index, configuration, webhook, rtype, operation, obj, old, namespace, dry_run, annotations):
        name = webhook["name"]
        suffix = f"round_{round_}_index_{index}"
        if dry_run and webhook.get("sideEffects") not in NO_SIDE_EFFECTS:
            raise errors.bad_request(f'admission webhook "{name}" does not support dry run')
        try:
            response = self._call(webhook, self._review(rtype, operation, copy.deepcopy(obj), copy.deepcopy(old), namespace, dry_run))
            if not response.get("allowed"):
                status = response.get("status") or {}
                message = status.get("message") or "without explanation"
                raise errors.ApiError(max(int(status.get("code") or 400), 400), status.get("reason") or "BadRequest",
                                      f'admission webhook "{name}" denied the request: {message}', {})
            operations = None
            if response.get("patch"):
                if response.get("patchType") != "JSONPatch":
                    raise WebhookCallError(f"unsupported patch type {response.get('patchType')!r}")
                try:
                    operations = json.loads(base64.b64decode(response["patch"]))
                except (ValueError, TypeError) as exc:
                    raise WebhookCallError(f"the patch is not base64 JSON: {exc}")
        except WebhookCallError as exc:
            if webhook.get("failurePolicy", "Fail") == "Ignore":
                annotations[f"failed-open.mutation.webhook.admission.k8s.io/{suffix}"] = name
                return obj, False
            raise errors.ApiError(500, "InternalError", f'Internal error occurred: failed calling webhook "{name}": {exc}',
                                  {"causes": [{"message": str(exc)}]})
        mutated = patch.json_patch(obj, operations) if operations else obj
        changed = mutated != obj
        annotations[f"mutation.webhook.admission.k8s.io/{suffix}"] = json.dumps(
            {"configuration": configuration, "webhook": name, "mutated": changed}, separators=(",", ":"))
        if operations:
            annotations[f"patch.webhook.admission.k8s.io/{suffix}"] = json.dumps(
                {"configuration": configuration, "webhook": name, "patch": operations, "patchType": "JSONPatch"}, separators=(",", ":"))
        return mutated, changed
