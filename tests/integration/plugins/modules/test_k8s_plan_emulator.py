"""k8s_plan, then kubernetes.core.k8s applying its plan, against the API emulator (tools/k8s_emulator).

The ``k8s_emulator`` fixture comes from tools.k8s_emulator.pytest_plugin, which pytest.ini loads.
"""

import copy
import json
import os
import subprocess
import textwrap
from pathlib import Path

import pytest
import yaml
from ansible.module_utils.testing import patch_module_args
from ansible_collections.kubernetes.core.plugins.modules import k8s, k8s_info

from ansible_collections.odh_rwx.shared_resources.plugins.modules import k8s_plan

REPO_ROOT = Path(__file__).resolve().parents[4]
VENV_BIN = REPO_ROOT / ".venv" / "bin"

NAMESPACE = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}}
STORAGE_CLASS = {
    "apiVersion": "storage.k8s.io/v1",
    "kind": "StorageClass",
    "metadata": {"name": "shared-rwx", "labels": {"managed-by": "odh-rwx"}},
    "provisioner": "nfs.csi.k8s.io",
    "parameters": {"server": "nfs.example.com", "share": "/exports"},
    "reclaimPolicy": "Retain",
    "allowVolumeExpansion": True,
}
CLAIM = {
    "apiVersion": "v1",
    "kind": "PersistentVolumeClaim",
    "metadata": {"name": "census", "namespace": "team", "labels": {"managed-by": "odh-rwx", "tier": "public"}},
    "spec": {"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": "1Gi"}}, "storageClassName": "shared-rwx"},
}
OBJECTS = [NAMESPACE, STORAGE_CLASS, CLAIM]

PLAYBOOK = textwrap.dedent("""
    - hosts: localhost
      gather_facts: false
      tasks:
        - name: Plan
          odh_rwx.shared_resources.k8s_plan:
            definitions: "{{ objects }}"
          register: plan
        - name: Apply what changed
          kubernetes.core.k8s:
            apply: true
            definition: "{{ plan.apply }}"
          when: plan.apply | length > 0 and not ansible_check_mode
""")


def run_module(capsys, main, **args):
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exited:
            main()
    return exited.value.code, json.loads(capsys.readouterr().out)


def plan(capsys, k8s_emulator, definitions, **args):
    return run_module(capsys, k8s_plan.main, kubeconfig=k8s_emulator.kubeconfig, definitions=definitions, **args)


def apply(capsys, k8s_emulator, definitions):
    code, result = run_module(capsys, k8s.main, kubeconfig=k8s_emulator.kubeconfig, apply=True, definition=definitions)
    assert code == 0, result
    return result


def verbs(k8s_emulator):
    return sorted(set(event["verb"] for event in k8s_emulator.audit_events()))


def with_changes(definition, **spec):
    changed = copy.deepcopy(definition)
    changed["spec"].update(spec)
    return changed


def test_plan_of_an_applied_plan_is_all_unchanged_and_reads_only(capsys, k8s_emulator):
    code, first = plan(capsys, k8s_emulator, OBJECTS)
    assert first["creates"] == ["Namespace/team", "StorageClass/shared-rwx", "PersistentVolumeClaim/team/census"]
    apply(capsys, k8s_emulator, first["apply"])
    k8s_emulator.reset_audit()

    code, second = plan(capsys, k8s_emulator, OBJECTS)
    assert second["apply"] == []
    assert second["unchanged"] == first["creates"]
    assert verbs(k8s_emulator) == ["get"]


def test_dropped_field_is_applied_and_removed_from_the_cluster(capsys, k8s_emulator):
    apply(capsys, k8s_emulator, plan(capsys, k8s_emulator, OBJECTS)[1]["apply"])
    claim = copy.deepcopy(CLAIM)
    del claim["metadata"]["labels"]["tier"]

    code, result = plan(capsys, k8s_emulator, [claim])
    assert result["updates"] == ["PersistentVolumeClaim/team/census"]
    apply(capsys, k8s_emulator, result["apply"])
    assert plan(capsys, k8s_emulator, [claim])[1]["unchanged"] == ["PersistentVolumeClaim/team/census"]
    code, info = run_module(capsys, k8s_info.main, kubeconfig=k8s_emulator.kubeconfig, kind="PersistentVolumeClaim", namespace="team", name="census")
    assert info["resources"][0]["metadata"]["labels"] == {"managed-by": "odh-rwx"}


def test_growing_claim_is_an_update_and_converges(capsys, k8s_emulator):
    apply(capsys, k8s_emulator, plan(capsys, k8s_emulator, OBJECTS)[1]["apply"])
    bigger = with_changes(CLAIM, resources={"requests": {"storage": "2Gi"}})
    code, result = plan(capsys, k8s_emulator, [bigger])
    assert result["apply"] == [bigger]
    apply(capsys, k8s_emulator, result["apply"])
    assert plan(capsys, k8s_emulator, [bigger])[1]["unchanged"] == ["PersistentVolumeClaim/team/census"]


def test_immutable_changes_are_refused_without_any_write(capsys, k8s_emulator):
    apply(capsys, k8s_emulator, plan(capsys, k8s_emulator, OBJECTS)[1]["apply"])
    k8s_emulator.reset_audit()
    moved = dict(STORAGE_CLASS, parameters={"server": "nfs2.example.com", "share": "/exports"})
    code, result = plan(capsys, k8s_emulator, [moved, with_changes(CLAIM, accessModes=["ReadWriteOnce"])])
    assert code == 1
    assert [error.split(":")[0] for error in result["errors"]] == ["StorageClass shared-rwx", "PersistentVolumeClaim team/census"]
    assert verbs(k8s_emulator) == ["get"]


def test_claim_in_a_namespace_not_created_yet_is_planned_in_check_mode(capsys, k8s_emulator):
    code, result = plan(capsys, k8s_emulator, [NAMESPACE, CLAIM], _ansible_check_mode=True, _ansible_diff=True)
    assert code == 0
    assert result["changed"] is True
    assert [entry["before"] for entry in result["diff"]] == [{}, {}]
    assert verbs(k8s_emulator) == ["get"]


def test_kind_the_cluster_does_not_serve_fails_naming_the_definition(capsys, k8s_emulator):
    notebook = {"apiVersion": "kubeflow.org/v1", "kind": "Notebook", "metadata": {"name": "jupyter-nb-alice", "namespace": "team"}}
    code, result = plan(capsys, k8s_emulator, [NAMESPACE, notebook])
    assert code == 1
    assert result["errors"] == [
        "definitions[1] (Notebook team/jupyter-nb-alice): the cluster serves no kind Notebook in kubeflow.org/v1; "
        "is its CustomResourceDefinition installed?"
    ]


def test_orphans_are_reported_not_deleted(capsys, k8s_emulator):
    old_claim = copy.deepcopy(CLAIM)
    old_claim["metadata"]["name"] = "old-share"
    apply(capsys, k8s_emulator, plan(capsys, k8s_emulator, OBJECTS + [old_claim])[1]["apply"])
    k8s_emulator.reset_audit()
    prune = dict(
        label_selector="managed-by=odh-rwx",
        kinds=[dict(api_version="v1", kind="PersistentVolumeClaim"), dict(api_version="storage.k8s.io/v1", kind="StorageClass")],
    )
    code, result = plan(capsys, k8s_emulator, OBJECTS, prune=prune)
    assert result["orphans"] == [
        dict(
            apiVersion="v1",
            kind="PersistentVolumeClaim",
            metadata=dict(name="old-share", namespace="team", labels={"managed-by": "odh-rwx", "tier": "public"}),
        )
    ]
    assert verbs(k8s_emulator) == ["get", "list"]


def run_playbook(k8s_emulator, tmp_path, *options):
    (tmp_path / "objects.yml").write_text(yaml.safe_dump({"objects": OBJECTS}))
    (tmp_path / "play.yml").write_text(PLAYBOOK)
    env = dict(k8s_emulator.env(), ANSIBLE_COLLECTIONS_PATH=str(REPO_ROOT / ".collections"), ANSIBLE_NOCOLOR="1",
               PATH="%s:%s" % (VENV_BIN, os.environ["PATH"]))
    command = [str(VENV_BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", "-e", "ansible_python_interpreter=%s" % (VENV_BIN / "python"),
               "-e", "@%s" % (tmp_path / "objects.yml"), str(tmp_path / "play.yml")]
    completed = subprocess.run(command + list(options), env=env, capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout


@pytest.mark.skipif(not (VENV_BIN / "ansible-playbook").exists(), reason="needs make venv")
def test_playbook_check_then_apply_then_rerun_sends_no_write(k8s_emulator, tmp_path):
    check = run_playbook(k8s_emulator, tmp_path, "--check", "--diff")
    assert "changed=1" in check
    assert "+++ after: PersistentVolumeClaim team/census" in check
    assert verbs(k8s_emulator) == ["get"]

    assert "changed=1" in run_playbook(k8s_emulator, tmp_path)
    assert len(k8s_emulator.mutations()) == len(OBJECTS)

    k8s_emulator.reset_audit()
    assert "changed=0" in run_playbook(k8s_emulator, tmp_path)
    assert k8s_emulator.writes() == []
