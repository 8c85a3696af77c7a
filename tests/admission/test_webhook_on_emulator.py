"""The admission webhook end to end: the jupyterhub role deploys it on the emulator, its server runs from the
objects the role wrote, and the emulator calls it for the writes the dashboard sends.

The Notebook CRD is upstream's, in full (../shared/upstream/kubeflow), so the webhook's patches are checked
against the real pod-template schema. The emulator stands in for OpenShift's service CA (the default
certificate source): it signs the Service's serving Secret and injects the CA into the webhook configuration.
The server is started as the webhook's pod would run it: the code ConfigMap projected by the Deployment's
volume, the access map ConfigMap, the TLS Secret; ``python3 -I -S``.
"""

import base64
import copy
import json
import os

import pytest
import yaml
from kubernetes import config, dynamic
from kubernetes.dynamic.exceptions import DynamicApiError

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import admission_objects, manifests
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import notebooks as nb
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import parse_spec
from tests.support import odh_dashboard as dashboard
from tests.support import playbooks
from tests.support.admission_server import AdmissionServer, project_config_map, write_atomically
from tests.support.upstream import upstream_path
from tests.unit.conftest import EXAMPLE_SPEC

NAMESPACE = "rhods-notebooks"
PROJECT = "team-a"
SYSTEM_PYTHON = "/usr/bin/python3"
# The spec of the unit tests (alice: team-a and analysts, bob: analysts, carol: hr) with a Data Science Project of team-a.
SPEC = dict(
    copy.deepcopy(EXAMPLE_SPEC),
    storage_class={"name": "shared-rwx", "backend": "nfs_csi", "parameters": {"server": "nfs.example.com", "share": "/exports/odh"}},
    jupyterhub={
        "flavor": "odh_notebooks",
        "notebook_namespaces": [NAMESPACE, {"name": PROJECT, "groups": ["team-a"]}],
        "admission": {"enabled": True, "timeout_seconds": 5},
    },
)


@pytest.fixture
def client(k8s_emulator):
    """ODH as the role finds it: the Notebook CRD, the namespaces, the share claims, a stopped and a running notebook."""
    client = dynamic.DynamicClient(config.new_client_from_config(config_file=k8s_emulator.kubeconfig))
    with open(upstream_path("kubeflow/kubeflow.org_notebooks.yaml")) as handle:
        client.resources.get(api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition").create(body=yaml.safe_load(handle))
    (storage_class,) = manifests.storage_class_objects(parse_spec(SPEC))  # as rwx_storageclass creates it
    client.resources.get(api_version="storage.k8s.io/v1", kind="StorageClass").create(body=storage_class)
    for namespace in (NAMESPACE, PROJECT):
        client.resources.get(api_version="v1", kind="Namespace").create(body={"metadata": {"name": namespace}})
    claims = client.resources.get(api_version="v1", kind="PersistentVolumeClaim")
    for body in manifests.shared_volume_objects(parse_spec(SPEC)):
        if body["kind"] == "PersistentVolumeClaim":
            claims.create(body=body)
    notebooks = client.resources.get(api_version="kubeflow.org/v1", kind="Notebook")
    stopped = dashboard.jupyter_tile_notebook("alice", NAMESPACE)
    stopped["metadata"]["annotations"][dashboard.STOP_ANNOTATION] = dashboard.STOP_TIME
    notebooks.create(body=stopped)
    notebooks.create(body=dashboard.workbench("forecast", PROJECT, "bob"))
    return client


def run_role(k8s_emulator, tmp_path, spec, *options):
    completed = playbooks.run_role(tmp_path, "jupyterhub", {"shared_resources": spec}, *options,
                                   env=playbooks.ansible_env(k8s_emulator.env(), ANSIBLE_NOCOLOR="1"))
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout


def get(client, kind, name, namespace=None, api_version="v1"):
    return client.resources.get(api_version=api_version, kind=kind).get(name=name, namespace=namespace).to_dict()


def notebook(client, name, namespace):
    return get(client, "Notebook", name, namespace, "kubeflow.org/v1")


def shares(notebook_object):
    pod = notebook_object["spec"]["template"]["spec"]
    mounts = dict((mount["name"], mount.get("readOnly", False)) for mount in pod["containers"][0].get("volumeMounts", []))
    return dict((volume["persistentVolumeClaim"]["claimName"], (volume["persistentVolumeClaim"].get("readOnly", False), mounts.get(volume["name"])))
                for volume in pod.get("volumes", []) if volume["name"].startswith("shared-"))


def gids(notebook_object):
    return (notebook_object["spec"]["template"]["spec"].get("securityContext") or {}).get("supplementalGroups", [])


class Pod(object):
    """The webhook's pod, on this machine: its files as the kubelet projects them from the role's objects."""

    def __init__(self, client, directory):
        self.client, self.directory = client, str(directory)
        deployment = get(client, "Deployment", admission_objects.NAME, NAMESPACE, "apps/v1")
        pod_spec = deployment["spec"]["template"]["spec"]
        volumes = dict((volume["name"], volume) for volume in pod_spec["volumes"])
        command = pod_spec["containers"][0]["command"]
        code = get(client, "ConfigMap", volumes["code"]["configMap"]["name"], NAMESPACE)
        project_config_map(os.path.join(self.directory, "code"), code, volumes["code"])
        self.server = os.path.join(self.directory, "code", os.path.relpath(command[1], admission_objects.CODE_DIR))
        secret = get(client, "Secret", volumes["tls"]["secret"]["secretName"], NAMESPACE)
        self.certificates = {}
        for key, name in (("tls.crt", "cert"), ("tls.key", "key")):
            self.certificates[name] = os.path.join(self.directory, key)
            with open(self.certificates[name], "wb") as handle:
                handle.write(base64.b64decode(secret["data"][key]))
        configuration = get(client, "MutatingWebhookConfiguration", admission_objects.webhook_configuration_name(parse_spec(SPEC)),
                            api_version="admissionregistration.k8s.io/v1")
        self.certificates["ca"] = os.path.join(self.directory, "ca.crt")
        with open(self.certificates["ca"], "wb") as handle:
            handle.write(base64.b64decode(configuration["webhooks"][0]["clientConfig"]["caBundle"]))
        self.config = os.path.join(self.directory, admission_objects.ACCESS_MAP_KEY)
        self.sync_access_map()

    def sync_access_map(self):
        """What the kubelet does after a ConfigMap update: swap the projected file."""
        data = get(self.client, "ConfigMap", admission_objects.ACCESS_MAP_CONFIG_MAP, NAMESPACE)["data"]
        write_atomically(self.config, data[admission_objects.ACCESS_MAP_KEY])
        return nb_digest(data[admission_objects.ACCESS_MAP_KEY])

    def run(self):
        return AdmissionServer(self.server, self.certificates, self.config, python=SYSTEM_PYTHON,
                               hostname=admission_objects.service_host(parse_spec(SPEC)))


def nb_digest(text):
    from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.admission import access_map_digest

    return access_map_digest(json.loads(text))


def webhook_events(k8s_emulator, name):
    return [event for event in k8s_emulator.audit_events()
            if (event.get("objectRef") or {}).get("name") == name and event["verb"] in ("create", "patch", "update")]


def patched_by_webhook(event):
    return any(key.startswith("patch.webhook.admission.k8s.io/") for key in (event.get("annotations") or {}))


def test_the_webhook_keeps_the_shares_through_the_dashboards_writes(k8s_emulator, client, tmp_path):
    run_role(k8s_emulator, tmp_path, SPEC)
    # the role's objects, and the service CA's Secret and bundle
    configuration = get(client, "MutatingWebhookConfiguration", admission_objects.webhook_configuration_name(parse_spec(SPEC)),
                        api_version="admissionregistration.k8s.io/v1")
    assert configuration["webhooks"][0]["failurePolicy"] == "Ignore" and configuration["webhooks"][0]["clientConfig"]["caBundle"]
    assert get(client, "Service", admission_objects.NAME, NAMESPACE)["metadata"]["annotations"][
        "service.beta.openshift.io/serving-cert-secret-name"] == admission_objects.TLS_SECRET
    assert get(client, "PodDisruptionBudget", admission_objects.NAME, NAMESPACE, "policy/v1")["spec"]["maxUnavailable"] == 1
    assert shares(notebook(client, "jupyter-nb-alice", NAMESPACE)) == {"census": (True, True), "projects": (False, False)}
    assert shares(notebook(client, "forecast", PROJECT)) == {}  # running: left for later by the run
    # a rerun writes nothing
    k8s_emulator.reset_audit()
    run_role(k8s_emulator, tmp_path, SPEC)
    assert k8s_emulator.writes() == []

    pod = Pod(client, tmp_path / "pod")
    notebooks = client.resources.get(api_version="kubeflow.org/v1", kind="Notebook")
    with pod.run() as server:
        k8s_emulator.map_webhook_service(NAMESPACE, admission_objects.NAME, "https://127.0.0.1:%d" % server.port)

        # the dashboard's edit of the running workbench: its merge patch drops every volume it did not make
        k8s_emulator.reset_audit()
        stored = notebook(client, "forecast", PROJECT)
        notebooks.patch(body=dashboard.edit_merge_patch(stored), name="forecast", namespace=PROJECT, content_type="application/merge-patch+json")
        edited = notebook(client, "forecast", PROJECT)
        assert shares(edited) == {"census": (True, True), "projects": (True, True)}  # bob's analysts read, capped by team-a
        assert gids(edited) == [40001, 40002]
        assert edited["metadata"]["annotations"][nb.ACCESS_MAP_ANNOTATION] == server.health()[1]["accessMap"]
        assert [patched_by_webhook(event) for event in webhook_events(k8s_emulator, "forecast")] == [True]

        # stop and start (JSON patches of the annotation): the notebook is already right, no patch
        k8s_emulator.reset_audit()
        for change in (dashboard.stop_patch(), dashboard.start_patch()):
            notebooks.patch(body=change, name="forecast", namespace=PROJECT, content_type="application/json-patch+json")
        assert shares(notebook(client, "forecast", PROJECT)) == shares(edited)
        assert [patched_by_webhook(event) for event in webhook_events(k8s_emulator, "forecast")] == [False, False]

        # a new workbench of carol's in the project: hr-records never reaches team-a; census does
        created = notebooks.create(body=dashboard.workbench("payroll", PROJECT, "carol")).to_dict()
        assert shares(created) == {"census": (True, True)} and gids(created) == [40001]

        # a revocation: the run patches the stopped notebook while the server still holds the old access map;
        # the patch records the new one, so the server leaves it as the run wrote it
        revoked = copy.deepcopy(SPEC)
        revoked["users"]["alice"] = []
        k8s_emulator.reset_audit()
        run_role(k8s_emulator, tmp_path, revoked)
        assert shares(notebook(client, "jupyter-nb-alice", NAMESPACE)) == {"census": (True, True)}
        assert server.health()[1]["accessMap"] != notebook(client, "jupyter-nb-alice", NAMESPACE)["metadata"]["annotations"][nb.ACCESS_MAP_ANNOTATION]
        assert any(entry.get("outcome") == "run-write" for entry in server.read_log())

        # the new access map reaches the server without a restart (the kubelet swaps the file)
        digest = pod.sync_access_map()
        server.wait_for(lambda: server.health()[1]["accessMap"] == digest)
        alice = notebook(client, "jupyter-nb-alice", NAMESPACE)
        notebooks.patch(body=dashboard.edit_merge_patch(alice), name="jupyter-nb-alice", namespace=NAMESPACE,
                        content_type="application/merge-patch+json")
        assert shares(notebook(client, "jupyter-nb-alice", NAMESPACE)) == {"census": (True, True)}

    # the server down, failurePolicy Ignore: the write goes through, unchanged, and the audit log says so
    k8s_emulator.reset_audit()
    stored = notebook(client, "forecast", PROJECT)
    notebooks.patch(body=dashboard.edit_merge_patch(stored), name="forecast", namespace=PROJECT, content_type="application/merge-patch+json")
    assert shares(notebook(client, "forecast", PROJECT)) == {}
    event = webhook_events(k8s_emulator, "forecast")[-1]
    assert event["responseStatus"]["code"] == 200
    assert event["annotations"]["failed-open.mutation.webhook.admission.k8s.io/round_0_index_0"] == admission_objects.WEBHOOK_NAME


def test_failure_policy_fail_refuses_notebook_writes_while_the_server_is_down(k8s_emulator, client, tmp_path):
    run_role(k8s_emulator, tmp_path, SPEC)
    strict = copy.deepcopy(SPEC)
    strict["jupyterhub"]["admission"]["failure_policy"] = "Fail"
    k8s_emulator.reset_audit()
    run_role(k8s_emulator, tmp_path, strict)
    assert [(event["verb"], event["objectRef"]["resource"]) for event in k8s_emulator.writes()] == [
        ("patch", "configmaps"), ("patch", "mutatingwebhookconfigurations")]  # the access map holds the spec
    notebooks = client.resources.get(api_version="kubeflow.org/v1", kind="Notebook")
    with pytest.raises(DynamicApiError) as refused:
        notebooks.patch(body=dashboard.stop_patch(), name="forecast", namespace=PROJECT, content_type="application/json-patch+json")
    assert refused.value.status == 500 and "failed calling webhook" in str(refused.value.body)
    assert dashboard.STOP_ANNOTATION not in notebook(client, "forecast", PROJECT)["metadata"]["annotations"]


def test_the_webhook_goes_with_admission_disabled(k8s_emulator, client, tmp_path):
    run_role(k8s_emulator, tmp_path, SPEC)
    disabled = copy.deepcopy(SPEC)
    disabled["jupyterhub"]["admission"]["enabled"] = False
    k8s_emulator.reset_audit()
    run_role(k8s_emulator, tmp_path, disabled)
    deletes = [(event["objectRef"]["resource"], event["objectRef"]["name"]) for event in k8s_emulator.writes() if event["verb"] == "delete"]
    assert deletes[0] == ("mutatingwebhookconfigurations", admission_objects.webhook_configuration_name(parse_spec(SPEC)))
    assert sorted(deletes[1:]) == sorted([("configmaps", admission_objects.CODE_CONFIG_MAP), ("configmaps", admission_objects.ACCESS_MAP_CONFIG_MAP),
                                          ("deployments", admission_objects.NAME), ("poddisruptionbudgets", admission_objects.NAME),
                                          ("services", admission_objects.NAME)])
    k8s_emulator.reset_audit()
    run_role(k8s_emulator, tmp_path, disabled)
    assert k8s_emulator.writes() == []
    # an account without the permission to list webhook configurations (an RBAC of before the webhook) still runs
    k8s_emulator.inject_fault(action="error", code=403, verbs=["list"], resource="mutatingwebhookconfigurations")
    run_role(k8s_emulator, tmp_path, disabled)


def secret_text(client, name, key):
    return base64.b64decode(get(client, "Secret", name, NAMESPACE)["data"][key]).decode()


def expiring_copy(certificate_pem, ca_certificate_pem, ca_key_pem, days):
    """The same serving certificate re-signed by the CA to expire in ``days``."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization

    certificate = x509.load_pem_x509_certificate(certificate_pem.encode())
    ca = x509.load_pem_x509_certificate(ca_certificate_pem.encode())
    ca_key = serialization.load_pem_private_key(ca_key_pem.encode(), None)
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(certificate.subject).issuer_name(ca.subject).public_key(certificate.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=days)))
    for extension in certificate.extensions:
        builder = builder.add_extension(extension.value, extension.critical)
    return builder.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode()


def test_a_generated_ca_is_kept_across_runs_and_its_serving_certificate_renewed(k8s_emulator, client, tmp_path):
    generated = copy.deepcopy(SPEC)
    generated["jupyterhub"]["admission"]["certificates"] = {"source": "generated"}
    output = run_role(k8s_emulator, tmp_path, generated)
    ca = secret_text(client, admission_objects.CA_SECRET, "tls.crt")
    assert "BEGIN EC PRIVATE KEY" not in output and "BEGIN PRIVATE KEY" not in output  # no key in the log
    configuration = get(client, "MutatingWebhookConfiguration", admission_objects.webhook_configuration_name(parse_spec(SPEC)),
                        api_version="admissionregistration.k8s.io/v1")
    assert base64.b64decode(configuration["webhooks"][0]["clientConfig"]["caBundle"]).decode() == ca
    assert "service.beta.openshift.io/inject-cabundle" not in configuration["metadata"].get("annotations", {})
    assert get(client, "Secret", admission_objects.TLS_SECRET, NAMESPACE)["type"] == "kubernetes.io/tls"

    # a rerun keeps CA and serving pair: no write
    k8s_emulator.reset_audit()
    run_role(k8s_emulator, tmp_path, generated)
    assert k8s_emulator.writes() == []

    # the emulator calls the server with that pair, verified against the CA
    pod = Pod(client, tmp_path / "pod")
    with pod.run() as server:
        k8s_emulator.map_webhook_service(NAMESPACE, admission_objects.NAME, "https://127.0.0.1:%d" % server.port)
        notebooks = client.resources.get(api_version="kubeflow.org/v1", kind="Notebook")
        created = notebooks.create(body=dashboard.workbench("payroll", PROJECT, "carol")).to_dict()
        assert shares(created) == {"census": (True, True)}

    # a serving certificate expiring within 30 days is renewed by the same CA; the webhook configuration stays
    serving = secret_text(client, admission_objects.TLS_SECRET, "tls.crt")
    expiring = expiring_copy(serving, ca, secret_text(client, admission_objects.CA_SECRET, "tls.key"), 10)
    client.resources.get(api_version="v1", kind="Secret").patch(
        body={"stringData": {"tls.crt": expiring}}, name=admission_objects.TLS_SECRET, namespace=NAMESPACE,
        content_type="application/merge-patch+json")
    k8s_emulator.reset_audit()
    run_role(k8s_emulator, tmp_path, generated)
    assert [(event["verb"], event["objectRef"]["resource"], event["objectRef"]["name"]) for event in k8s_emulator.writes()] == [
        ("patch", "secrets", admission_objects.TLS_SECRET)]
    renewed = secret_text(client, admission_objects.TLS_SECRET, "tls.crt")
    assert renewed not in (serving, expiring) and secret_text(client, admission_objects.CA_SECRET, "tls.crt") == ca
