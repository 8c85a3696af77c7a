"""Mutating admission webhooks in the emulator (tools/k8s_emulator/webhooks.py) and its OpenShift service CA."""

import base64
import json
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.emulator.helpers import call
from tests.support.admission_server import make_certificates

MWC = "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations"
NS = "/api/v1/namespaces"


class Webhook(object):
    """An HTTPS webhook on 127.0.0.1 that records the reviews it gets and answers with ``answer(review)``."""

    def __init__(self, certificates, answer):
        self.reviews = []
        self.answer = answer
        webhook = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                review = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                webhook.reviews.append(review)
                status, body = webhook.answer(review)
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certificates["cert"], certificates["key"])
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def patch_answer(*operations):
    def answer(review):
        response = {"uid": review["request"]["uid"], "allowed": True}
        if operations:
            response.update(patchType="JSONPatch", patch=base64.b64encode(json.dumps(list(operations)).encode()).decode())
        return 200, {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": response}
    return answer


ADD_LABEL = {"op": "add", "path": "/metadata/labels", "value": {"mutated": "yes"}}


@pytest.fixture
def certificates(tmp_path):
    return make_certificates(str(tmp_path / "tls"), dns_names=("hook.webhooks.svc", "localhost"))


@pytest.fixture
def webhooks():
    started = []
    yield started
    for webhook in started:
        webhook.close()


def serve(webhooks, certificates, answer):
    webhook = Webhook(certificates, answer)
    webhooks.append(webhook)
    return webhook


def ca_bundle(certificates):
    with open(certificates["ca"], "rb") as handle:
        return base64.b64encode(handle.read()).decode()


def configuration(name, client_config, **webhook):
    entry = {
        "name": "configmaps.example.com",
        "admissionReviewVersions": ["v1"],
        "sideEffects": "None",
        "clientConfig": client_config,
        "rules": [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"], "resources": ["configmaps"]}],
    }
    entry.update(webhook)
    return {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration", "metadata": {"name": name}, "webhooks": [entry]}


def register(url, body):
    code, created, _ = call(url, "POST", MWC, body)
    assert code == 201, created


def create_configmap(url, namespace="default", name="cfg", labels=None, query=""):
    metadata = {"name": name}
    if labels:
        metadata["labels"] = labels
    return call(url, "POST", "%s/%s/configmaps%s" % (NS, namespace, query), {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": {"a": "1"}})


def last_event(k8s_emulator, verb="create"):
    return [event for event in k8s_emulator.audit_events() if event["verb"] == verb][-1]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_url_webhook_mutates_and_the_audit_log_shows_it(k8s_emulator, certificates, webhooks):
    webhook = serve(webhooks, certificates, patch_answer(ADD_LABEL))
    register(k8s_emulator.url, configuration("mutate", {"url": "https://localhost:%d/mutate" % webhook.port, "caBundle": ca_bundle(certificates)}))
    code, created, _ = create_configmap(k8s_emulator.url)
    assert code == 201 and created["metadata"]["labels"] == {"mutated": "yes"}
    request = webhook.reviews[0]["request"]
    assert webhook.reviews[0]["apiVersion"] == "admission.k8s.io/v1" and request["operation"] == "CREATE"
    assert request["resource"] == {"group": "", "version": "v1", "resource": "configmaps"} and request["namespace"] == "default"
    assert request["object"]["data"] == {"a": "1"} and request["oldObject"] is None and request["dryRun"] is False
    annotations = last_event(k8s_emulator)["annotations"]
    assert json.loads(annotations["mutation.webhook.admission.k8s.io/round_0_index_0"]) == {
        "configuration": "mutate", "webhook": "configmaps.example.com", "mutated": True}
    assert json.loads(annotations["patch.webhook.admission.k8s.io/round_0_index_0"])["patch"] == [ADD_LABEL]
    # an update is reviewed with the old object
    code, _, _ = call(k8s_emulator.url, "PATCH", NS + "/default/configmaps/cfg", {"data": {"a": "2"}}, "application/merge-patch+json")
    assert code == 200 and webhook.reviews[1]["request"]["operation"] == "UPDATE"
    assert webhook.reviews[1]["request"]["oldObject"]["data"] == {"a": "1"} and webhook.reviews[1]["request"]["object"]["data"] == {"a": "2"}


def test_a_service_webhook_is_reached_at_its_mapped_url_and_verified_for_its_service_name(k8s_emulator, certificates, webhooks, tmp_path):
    webhook = serve(webhooks, certificates, patch_answer(ADD_LABEL))
    k8s_emulator.map_webhook_service("webhooks", "hook", "https://127.0.0.1:%d" % webhook.port)
    service = {"service": {"namespace": "webhooks", "name": "hook", "path": "/mutate", "port": 443}, "caBundle": ca_bundle(certificates)}
    register(k8s_emulator.url, configuration("by-service", service))
    assert create_configmap(k8s_emulator.url)[1]["metadata"]["labels"] == {"mutated": "yes"}
    # a certificate for another name is refused as the API server refuses it
    other = make_certificates(str(tmp_path / "other"), dns_names=("elsewhere.webhooks.svc",))
    impostor = serve(webhooks, other, patch_answer(ADD_LABEL))
    k8s_emulator.map_webhook_service("webhooks", "hook", "https://127.0.0.1:%d" % impostor.port)
    call(k8s_emulator.url, "PATCH", MWC + "/by-service", [{"op": "replace", "path": "/webhooks/0/clientConfig/caBundle", "value": ca_bundle(other)}],
         "application/json-patch+json")
    code, status, _ = create_configmap(k8s_emulator.url, name="second")
    assert code == 500 and 'failed calling webhook "configmaps.example.com"' in status["message"] and impostor.reviews == []


@pytest.mark.parametrize("policy", ["Ignore", "Fail"])
def test_a_webhook_that_is_down_follows_the_failure_policy(k8s_emulator, certificates, policy):
    register(k8s_emulator.url, configuration("down", {"url": "https://localhost:%d/" % free_port(), "caBundle": ca_bundle(certificates)},
                                             failurePolicy=policy))
    code, body, _ = create_configmap(k8s_emulator.url)
    stored = call(k8s_emulator.url, "GET", NS + "/default/configmaps/cfg")[0]
    if policy == "Ignore":
        assert code == 201 and "labels" not in body["metadata"] and stored == 200
        assert last_event(k8s_emulator)["annotations"]["failed-open.mutation.webhook.admission.k8s.io/round_0_index_0"] == "configmaps.example.com"
    else:
        assert code == 500 and body["reason"] == "InternalError" and "connection refused" in body["message"].lower() and stored == 404


def test_a_slow_webhook_times_out_after_timeout_seconds(k8s_emulator, certificates, webhooks):
    def slow(review):
        time.sleep(3)
        return patch_answer(ADD_LABEL)(review)

    webhook = serve(webhooks, certificates, slow)
    register(k8s_emulator.url, configuration("slow", {"url": "https://localhost:%d/" % webhook.port, "caBundle": ca_bundle(certificates)},
                                             failurePolicy="Ignore", timeoutSeconds=1))
    started = time.monotonic()
    code, body, _ = create_configmap(k8s_emulator.url)
    assert code == 201 and "labels" not in body["metadata"] and time.monotonic() - started < 2.5


def test_rules_and_selectors_decide_who_is_called(k8s_emulator, certificates, webhooks):
    webhook = serve(webhooks, certificates, patch_answer())
    call(k8s_emulator.url, "POST", NS, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "watched"}})
    call(k8s_emulator.url, "POST", NS, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}})
    client = {"url": "https://localhost:%d/" % webhook.port, "caBundle": ca_bundle(certificates)}
    register(k8s_emulator.url, configuration(
        "selective", client,
        namespaceSelector={"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "In", "values": ["watched"]}]},
        objectSelector={"matchExpressions": [{"key": "skip", "operator": "DoesNotExist"}]},
        rules=[{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["UPDATE"], "resources": ["configmaps"], "scope": "Namespaced"}],
    ))
    create_configmap(k8s_emulator.url, "watched")  # CREATE: not a rule's operation
    create_configmap(k8s_emulator.url, "other")
    call(k8s_emulator.url, "PATCH", NS + "/other/configmaps/cfg", {"data": {"a": "2"}}, "application/merge-patch+json")  # other namespace
    create_configmap(k8s_emulator.url, "watched", "skipped", labels={"skip": "yes"})
    call(k8s_emulator.url, "PATCH", NS + "/watched/configmaps/skipped", {"data": {"a": "2"}}, "application/merge-patch+json")  # objectSelector
    assert webhook.reviews == []
    call(k8s_emulator.url, "PATCH", NS + "/watched/configmaps/cfg", {"data": {"a": "2"}}, "application/merge-patch+json")
    assert [review["request"]["name"] for review in webhook.reviews] == ["cfg"]


def test_a_denial_refuses_the_request(k8s_emulator, certificates, webhooks):
    def deny(review):
        return 200, {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": {
            "uid": review["request"]["uid"], "allowed": False, "status": {"code": 403, "message": "no ConfigMaps today"}}}

    webhook = serve(webhooks, certificates, deny)
    register(k8s_emulator.url, configuration("deny", {"url": "https://localhost:%d/" % webhook.port, "caBundle": ca_bundle(certificates)}))
    code, body, _ = create_configmap(k8s_emulator.url)
    assert code == 403 and body["message"] == 'admission webhook "configmaps.example.com" denied the request: no ConfigMaps today'


@pytest.mark.parametrize("side_effects, expected", [("None", 201), ("Unknown", 400)])
def test_dry_run_requests_reach_only_webhooks_without_side_effects(k8s_emulator, certificates, webhooks, side_effects, expected):
    webhook = serve(webhooks, certificates, patch_answer(ADD_LABEL))
    register(k8s_emulator.url, configuration("dry", {"url": "https://localhost:%d/" % webhook.port, "caBundle": ca_bundle(certificates)},
                                             sideEffects=side_effects))
    code, body, _ = create_configmap(k8s_emulator.url, query="?dryRun=All")
    assert code == expected
    if expected == 201:
        assert body["metadata"]["labels"] == {"mutated": "yes"} and webhook.reviews[0]["request"]["dryRun"] is True
    assert call(k8s_emulator.url, "GET", NS + "/default/configmaps/cfg")[0] == 404


def test_if_needed_webhooks_are_called_again_after_a_later_change(k8s_emulator, certificates, webhooks):
    first = serve(webhooks, certificates, patch_answer())
    second = serve(webhooks, certificates, patch_answer(ADD_LABEL))
    bundle = ca_bundle(certificates)
    register(k8s_emulator.url, configuration("a-first", {"url": "https://localhost:%d/" % first.port, "caBundle": bundle},
                                             reinvocationPolicy="IfNeeded"))
    register(k8s_emulator.url, configuration("b-second", {"url": "https://localhost:%d/" % second.port, "caBundle": bundle}))
    create_configmap(k8s_emulator.url)
    assert len(first.reviews) == 2 and len(second.reviews) == 1
    assert first.reviews[1]["request"]["object"]["metadata"]["labels"] == {"mutated": "yes"}


def test_the_service_ca_signs_serving_certificates_and_injects_its_bundle(k8s_emulator, tmp_path, webhooks):
    url = k8s_emulator.url
    call(url, "POST", NS, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "webhooks"}})
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "hook", "annotations": {
        "service.beta.openshift.io/serving-cert-secret-name": "hook-tls"}}, "spec": {"ports": [{"port": 443, "targetPort": 8443}]}}
    assert call(url, "POST", NS + "/webhooks/services", service)[0] == 201
    secret = call(url, "GET", NS + "/webhooks/secrets/hook-tls")[1]
    assert secret["type"] == "kubernetes.io/tls"
    assert secret["metadata"]["annotations"]["service.beta.openshift.io/originating-service-name"] == "hook"
    paths = {}
    for key, name in (("tls.crt", "cert"), ("tls.key", "key")):
        paths[name] = str(tmp_path / name)
        with open(paths[name], "wb") as handle:
            handle.write(base64.b64decode(secret["data"][key]))
    webhook = serve(webhooks, paths, patch_answer(ADD_LABEL))
    k8s_emulator.map_webhook_service("webhooks", "hook", "https://127.0.0.1:%d" % webhook.port)
    body = configuration("injected", {"service": {"namespace": "webhooks", "name": "hook"}})
    body["metadata"]["annotations"] = {"service.beta.openshift.io/inject-cabundle": "true"}
    register(url, body)
    stored = call(url, "GET", MWC + "/injected")[1]
    assert stored["webhooks"][0]["clientConfig"]["caBundle"]
    assert create_configmap(url)[1]["metadata"]["labels"] == {"mutated": "yes"}
    # the injected bundle survives the owner's apply of the configuration without it
    call(url, "PATCH", MWC + "/injected", {"webhooks": [{"name": "configmaps.example.com", "timeoutSeconds": 3}]},
         "application/strategic-merge-patch+json")
    assert call(url, "GET", MWC + "/injected")[1]["webhooks"][0]["clientConfig"]["caBundle"] == stored["webhooks"][0]["clientConfig"]["caBundle"]


def test_service_mappings_come_from_the_control_endpoint_too(k8s_emulator):
    code, body, _ = call(k8s_emulator.url, "POST", "/_emulator/webhook-services", {"namespace": "a", "name": "b", "url": "https://127.0.0.1:1/"})
    assert code == 201 and body["services"] == {"a/b": "https://127.0.0.1:1"}
    assert call(k8s_emulator.url, "POST", "/_emulator/webhook-services", {"namespace": "a"})[0] == 400
