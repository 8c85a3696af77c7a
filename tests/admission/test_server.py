"""roles/jupyterhub/files/notebook-admission as the webhook's pods run it.

The server runs from the file layout its Deployment projects from the code ConfigMap (the filter's real
objects), on the system Python with ``-I -S`` (standard library only, no site-packages), or from the installed
collection; over HTTPS with a test CA. Reviews come from tests/support/odh_dashboard.py.
"""

import base64
import json
import os
import signal
import sys

import jsonpatch
import pytest

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import admission, admission_objects
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import parse_spec
from tests.support import odh_dashboard as dashboard
from tests.support.admission_server import INSTALLED_SERVER, AdmissionServer, make_certificates, project_config_map, write_atomically

NAMESPACE = "rhods-notebooks"
SYSTEM_PYTHON = "/usr/bin/python3"
PYTHON39 = os.path.expanduser("~/.pyenv/versions/3.9.18/bin/python3")


def read_module_utils(name):
    with open(os.path.join(os.path.dirname(INSTALLED_SERVER), "..", "..", "..", "plugins", "module_utils", name + ".py")) as handle:
        return handle.read()


@pytest.fixture
def spec_data(example_spec):
    example_spec["jupyterhub"] = {"flavor": "odh_notebooks", "admission": {"enabled": True}}
    return example_spec


@pytest.fixture
def pod_files(tmp_path, spec_data):
    """The server's files where its pod has them: the code ConfigMap projected by the Deployment's volume, the access map, the pair."""
    with open(INSTALLED_SERVER) as handle:
        files = admission_objects.code_files(handle.read(), read_module_utils)
    spec = parse_spec(spec_data)
    objects = admission_objects.admission_objects(spec, files, admission.access_map_text(admission.access_map(spec_data, spec_data["users"])))
    code_map = next(item for item in objects["objects"] if item["metadata"]["name"] == admission_objects.CODE_CONFIG_MAP)
    deployment = next(item for item in objects["objects"] if item["kind"] == "Deployment")
    volume = next(item for item in deployment["spec"]["template"]["spec"]["volumes"] if item["name"] == "code")
    code_dir = project_config_map(str(tmp_path / "code"), code_map, volume)
    config = str(tmp_path / "config.json")
    write_atomically(config, admission.access_map_text(admission.access_map(spec_data, spec_data["users"])))
    command = deployment["spec"]["template"]["spec"]["containers"][0]["command"]
    return {
        "server": os.path.join(code_dir, os.path.relpath(command[1], admission_objects.CODE_DIR)),
        "config": config,
        "certificates": make_certificates(str(tmp_path / "tls")),
    }


def alice_review(operation="CREATE"):
    return dashboard.admission_review(operation, dashboard.jupyter_tile_notebook("alice", NAMESPACE))


def shares_after(review, response):
    result = jsonpatch.apply_patch(review["request"]["object"], json.loads(base64.b64decode(response["patch"])))
    return sorted(volume["name"] for volume in result["spec"]["template"]["spec"]["volumes"] if volume["name"].startswith("shared-"))


def test_the_pod_layout_runs_on_the_standard_library_alone(pod_files):
    assert sorted(os.listdir(os.path.dirname(pod_files["server"]))) == ["notebook-admission"]
    with AdmissionServer(pod_files["server"], pod_files["certificates"], pod_files["config"], python=SYSTEM_PYTHON) as server:
        status, health = server.health()
        assert status == 200 and health["status"] == "ok" and len(health["accessMap"]) == 16
        review = alice_review()
        response = server.review(review)
        assert response["uid"] == review["request"]["uid"] and response["allowed"] is True and response["patchType"] == "JSONPatch"
        assert shares_after(review, response) == ["shared-census", "shared-projects"]
        status, metrics = server.request("GET", "/metrics")
        assert status == 200 and 'notebook_admission_reviews_total{outcome="patched"} 1' in metrics


@pytest.mark.skipif(not os.path.exists(PYTHON39), reason="needs Python 3.9 (pyenv)")
def test_python_3_9_runs_it(pod_files):
    with AdmissionServer(pod_files["server"], pod_files["certificates"], pod_files["config"], python=PYTHON39) as server:
        review = alice_review()
        assert shares_after(review, server.review(review)) == ["shared-census", "shared-projects"]


def test_it_runs_from_the_installed_collection(pod_files):
    with AdmissionServer(INSTALLED_SERVER, pod_files["certificates"], pod_files["config"], python=sys.executable, isolated=False) as server:
        assert server.health()[0] == 200


@pytest.mark.parametrize("body, content_type, message", [
    (b"{not json", "application/json", "the body is not JSON"),
    (json.dumps({"kind": "Pod"}).encode(), "application/json", "expected an AdmissionReview admission.k8s.io/v1"),
    (json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {"uid": "u"}}).encode(), "application/json",
     "request.operation: expected str"),
    (b"\xff\xfe", "application/json", "the body is not JSON"),
])
def test_a_malformed_review_gets_a_clear_400_and_the_server_goes_on(pod_files, body, content_type, message):
    with AdmissionServer(pod_files["server"], pod_files["certificates"], pod_files["config"], python=SYSTEM_PYTHON) as server:
        status, answer = server.request("POST", "/mutate-notebooks", body, content_type)
        assert status == 400 and message in answer["error"]
        assert server.request("POST", "/elsewhere", b"{}")[0] == 404
        assert server.request("GET", "/mutate-notebooks")[0] == 404
        assert server.health()[0] == 200 and server.review(alice_review())["allowed"] is True


def test_an_access_map_update_is_picked_up_and_a_broken_one_keeps_the_last_good(pod_files, spec_data):
    with AdmissionServer(pod_files["server"], pod_files["certificates"], pod_files["config"], python=SYSTEM_PYTHON) as server:
        first = server.health()[1]["accessMap"]
        # alice leaves team-a and analysts: a new access map, no restart
        revoked = admission.access_map(spec_data, dict(spec_data["users"], alice=[]))
        write_atomically(pod_files["config"], admission.access_map_text(revoked))
        server.wait_for(lambda: server.health()[1]["accessMap"] == admission.access_map_digest(revoked))
        review = alice_review()
        assert shares_after(review, server.review(review)) == ["shared-census"]
        # a broken one: reported, the last good one kept and served
        write_atomically(pod_files["config"], '{"format": 1, "shared_resources": {"namespace": "Bad"}}')
        health = server.wait_for(lambda: server.health()[1]["lastError"] and server.health()[1])
        assert "shared_resources.namespace: invalid namespace 'Bad'" in health["lastError"]
        assert health["status"] == "ok" and health["accessMap"] == admission.access_map_digest(revoked)
        assert shares_after(review, server.review(review)) == ["shared-census"]
        write_atomically(pod_files["config"], "{")
        server.wait_for(lambda: "config.json" in (server.health()[1]["lastError"] or "") and "Expecting" in server.health()[1]["lastError"])
        errors = [entry for entry in server.read_log() if entry["level"] == "error"]
        assert errors and all(entry["kept_access_map"] == admission.access_map_digest(revoked) for entry in errors)
        assert first != admission.access_map_digest(revoked)


def test_without_a_good_access_map_it_is_unready_and_lets_notebooks_through(pod_files):
    write_atomically(pod_files["config"], "[]")
    with AdmissionServer(pod_files["server"], pod_files["certificates"], pod_files["config"], python=SYSTEM_PYTHON) as server:
        status, health = server.health()
        assert status == 503 and "must be a JSON object" in health["lastError"]
        response = server.review(alice_review())
        assert response["allowed"] is True and "patch" not in response


def test_a_renewed_certificate_is_served_without_a_restart(pod_files, tmp_path):
    with AdmissionServer(pod_files["server"], pod_files["certificates"], pod_files["config"], python=SYSTEM_PYTHON) as server:
        renewed = make_certificates(str(tmp_path / "renewed"))
        for name in ("cert", "key"):
            with open(renewed[name]) as handle:
                write_atomically(pod_files["certificates"][name], handle.read())
        server.ca = renewed["ca"]
        server.wait_for(lambda: any(entry["msg"] == "certificate loaded" for entry in server.read_log()[2:]))
        assert server.health()[0] == 200


def test_sigterm_turns_it_unready_then_it_stops(pod_files):
    with AdmissionServer(pod_files["server"], pod_files["certificates"], pod_files["config"], python=SYSTEM_PYTHON) as server:
        server.process.send_signal(signal.SIGTERM)
        status, health = server.health()
        assert status == 503 and health["stopping"] is True
        assert server.process.wait(timeout=10) == 0
