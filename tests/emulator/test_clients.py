"""Real clients against the emulator: ansible-playbook (kubernetes.core), kubectl, the CLI and faults."""

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.emulator.helpers import call

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = REPO_ROOT / ".venv" / "bin"
PLAYBOOK = textwrap.dedent("""
    - hosts: localhost
      gather_facts: false
      tasks:
        - name: Several objects in one task
          kubernetes.core.k8s:
            state: present
            definition:
              - {apiVersion: v1, kind: Namespace, metadata: {name: team}}
              - {apiVersion: v1, kind: ConfigMap, metadata: {name: cfg, namespace: team}, data: {a: "1"}}
              - apiVersion: storage.k8s.io/v1
                kind: StorageClass
                metadata: {name: rwx}
                provisioner: nfs.csi.k8s.io
                parameters: {server: nfs}
              - apiVersion: v1
                kind: PersistentVolumeClaim
                metadata: {name: data, namespace: team}
                spec:
                  storageClassName: rwx
                  accessModes: [ReadWriteMany]
                  resources: {requests: {storage: 1Gi}}
        - name: Read the claim back
          kubernetes.core.k8s_info:
            kind: PersistentVolumeClaim
            namespace: team
            name: data
          register: claim
        - ansible.builtin.assert:
            that: claim.resources[0].status.phase == "Bound"
""")


def run_playbook(k8s_emulator, path, *extra):
    env = {**k8s_emulator.env(), "ANSIBLE_COLLECTIONS_PATH": str(REPO_ROOT / ".collections"),
           "PATH": f"{VENV_BIN}:{os.environ['PATH']}", "ANSIBLE_NOCOLOR": "1"}
    result = subprocess.run(
        [str(VENV_BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local",
         "-e", f"ansible_python_interpreter={VENV_BIN / 'python'}", str(path), *extra],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.skipif(not (VENV_BIN / "ansible-playbook").exists(), reason="needs make venv")
def test_kubernetes_core_idempotence_and_check_mode(k8s_emulator, tmp_path):
    playbook = tmp_path / "play.yml"
    playbook.write_text(PLAYBOOK)
    first = run_playbook(k8s_emulator, playbook)
    assert "changed=1" in first
    assert len(k8s_emulator.mutations()) == 4

    k8s_emulator.reset_audit()
    rerun = run_playbook(k8s_emulator, playbook)
    assert "changed=0" in rerun
    # kubernetes.core sends one real strategic-merge PATCH per existing object; none of them changes anything.
    writes = k8s_emulator.writes()
    assert [e["verb"] for e in writes] == ["patch"] * 4
    assert k8s_emulator.mutations() == []

    k8s_emulator.reset_audit()
    check = run_playbook(k8s_emulator, playbook, "--check")
    assert "changed=0" in check
    assert k8s_emulator.writes() == []
    assert len([e for e in k8s_emulator.audit_events() if e.get("dryRun")]) == 4


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="needs kubectl")
def test_kubectl_get_apply_create_delete(k8s_emulator, tmp_path):
    manifest = tmp_path / "cm.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kc, namespace: default}\ndata: {a: '1'}\n")

    def kubectl(*args):
        result = subprocess.run(["kubectl", "--kubeconfig", k8s_emulator.kubeconfig, *args],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert "default" in kubectl("get", "namespaces")
    # kubectl's client-side validation needs /openapi/v2, which the emulator does not serve.
    assert "created" in kubectl("create", "--validate=false", "-f", str(manifest))
    kubectl("delete", "configmap", "kc")
    assert "created" in kubectl("apply", "--validate=false", "-f", str(manifest))
    assert "unchanged" in kubectl("apply", "--validate=false", "-f", str(manifest))
    assert json.loads(kubectl("get", "configmap", "kc", "-o", "json"))["data"] == {"a": "1"}
    assert "deleted" in kubectl("delete", "-f", str(manifest))


def test_fault_injection_error_then_recovery(k8s_emulator):
    url = k8s_emulator.url
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {"a": "1"}}
    k8s_emulator.inject_fault(action="error", nth=2, resource="configmaps")
    assert call(url, "POST", "/api/v1/namespaces/default/configmaps", body)[0] == 201
    code, status, _ = call(url, "POST", "/api/v1/namespaces/default/configmaps", dict(body, metadata={"name": "y"}))
    assert code == 500 and status["reason"] == "InternalError"
    assert call(url, "GET", "/api/v1/namespaces/default/configmaps/y")[0] == 404
    assert call(url, "POST", "/api/v1/namespaces/default/configmaps", dict(body, metadata={"name": "y"}))[0] == 201
    codes = [e["responseStatus"]["code"] for e in k8s_emulator.writes()]
    assert codes == [201, 500, 201]


def test_fault_injection_delay_over_control_endpoint(k8s_emulator):
    url = k8s_emulator.url
    code, rule, _ = call(url, "POST", "/_emulator/faults", {"action": "delay", "seconds": 1.0, "verbs": ["create"]})
    assert code == 201 and rule["id"] == 1
    started = time.monotonic()
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "slow"}}
    assert call(url, "POST", "/api/v1/namespaces/default/configmaps", body)[0] == 201
    assert time.monotonic() - started >= 1.0
    assert call(url, "GET", "/_emulator/faults")[1]["faults"][0]["fired"] == 1
    assert call(url, "POST", "/_emulator/audit/reset")[0] == 200
    assert k8s_emulator.audit_events() == []
    assert call(url, "GET", "/_emulator/healthz")[1]["status"] == "ok"


def test_cli_serves_writes_kubeconfig_and_stops_on_sigterm(tmp_path):
    kubeconfig, audit_log, pid_file = tmp_path / "kc", tmp_path / "audit.jsonl", tmp_path / "pid"
    process = subprocess.Popen(
        [sys.executable, str(REPO_ROOT / "tools" / "k8s-emulator"), "--port", "0", "--kubeconfig", str(kubeconfig),
         "--audit-log", str(audit_log), "--pid-file", str(pid_file), "--fail-write", "1"],
        stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not kubeconfig.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        server = next(line.split()[-1] for line in kubeconfig.read_text().splitlines() if "server:" in line)
        assert call(server, "GET", "/api/v1/namespaces/kube-system")[0] == 200
        body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}}
        assert call(server, "POST", "/api/v1/namespaces", body)[0] == 500
        assert call(server, "POST", "/api/v1/namespaces", body)[0] == 201
        assert int(pid_file.read_text()) == process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    assert not pid_file.exists()
    assert len(audit_log.read_text().splitlines()) == 3
