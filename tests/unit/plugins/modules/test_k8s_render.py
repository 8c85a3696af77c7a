import json
import os

import pytest
import yaml
from ansible.module_utils.testing import patch_module_args

from ansible_collections.odh_rwx.shared_resources.plugins.modules import k8s_render

STORAGE_CLASS = {
    "kind": "StorageClass",
    "apiVersion": "storage.k8s.io/v1",
    "metadata": {"name": "shared-rwx", "annotations": {"opendatahub.io/sc-config": '{"isEnabled":true,"displayName":"Shared RWX"}'}},
    "provisioner": "nfs.csi.k8s.io",
    "parameters": {"server": "nfs.example.com", "share": "/exports"},
}
CLAIM = {
    "apiVersion": "v1",
    "kind": "PersistentVolumeClaim",
    "metadata": {"name": "census", "namespace": "rhods-notebooks"},
    "spec": {"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": "50Gi"}}, "storageClassName": "shared-rwx"},
}
PROFILES = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "jupyter-singleuser-profiles-shared", "namespace": "rhods-notebooks"},
    "data": {"jupyterhub-singleuser-profiles.yaml": "profiles:\n  - name: census\n    users: [alice]\n"},
}


def run_module(capsys, **args):
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exited:
            k8s_render.main()
    return exited.value.code, json.loads(capsys.readouterr().out)


def test_writes_one_file_per_object_named_by_kind_namespace_and_name(capsys, tmp_path):
    dest = tmp_path / "gitops" / "shared"
    code, result = run_module(capsys, definitions=[STORAGE_CLASS, CLAIM], dest=str(dest))
    assert code == 0
    assert result["changed"] is True
    expected = [str(dest / "storageclass_cluster_shared-rwx.yaml"), str(dest / "persistentvolumeclaim_rhods-notebooks_census.yaml")]
    assert result["files"] == expected
    assert result["written"] == expected
    assert sorted(os.listdir(dest)) == sorted(os.path.basename(path) for path in expected)
    assert yaml.safe_load((dest / "storageclass_cluster_shared-rwx.yaml").read_text()) == STORAGE_CLASS


def test_yaml_is_block_style_with_sorted_keys_and_literal_multiline_strings(capsys, tmp_path):
    run_module(capsys, definitions=[STORAGE_CLASS, PROFILES], dest=str(tmp_path))
    assert (tmp_path / "storageclass_cluster_shared-rwx.yaml").read_text() == (
        "---\n"
        "apiVersion: storage.k8s.io/v1\n"
        "kind: StorageClass\n"
        "metadata:\n"
        "  annotations:\n"
        "    opendatahub.io/sc-config: '{\"isEnabled\":true,\"displayName\":\"Shared RWX\"}'\n"
        "  name: shared-rwx\n"
        "parameters:\n"
        "  server: nfs.example.com\n"
        "  share: /exports\n"
        "provisioner: nfs.csi.k8s.io\n"
    )
    assert "  jupyterhub-singleuser-profiles.yaml: |\n    profiles:\n      - name: census\n" in (
        tmp_path / "configmap_rhods-notebooks_jupyter-singleuser-profiles-shared.yaml"
    ).read_text()


def test_same_objects_in_other_key_order_change_nothing(capsys, tmp_path):
    run_module(capsys, definitions=[STORAGE_CLASS, CLAIM], dest=str(tmp_path))
    mtimes = dict((path, path.stat().st_mtime_ns) for path in tmp_path.iterdir())
    reordered = dict(reversed(list(STORAGE_CLASS.items())))
    code, result = run_module(capsys, definitions=[reordered, CLAIM], dest=str(tmp_path))
    assert result["changed"] is False
    assert result["written"] == []
    assert len(result["files"]) == 2
    assert dict((path, path.stat().st_mtime_ns) for path in tmp_path.iterdir()) == mtimes


def test_only_changed_files_are_written(capsys, tmp_path):
    run_module(capsys, definitions=[STORAGE_CLASS, CLAIM], dest=str(tmp_path))
    bigger = dict(CLAIM, spec=dict(CLAIM["spec"], resources={"requests": {"storage": "80Gi"}}))
    code, result = run_module(capsys, definitions=[STORAGE_CLASS, bigger], dest=str(tmp_path))
    assert result["changed"] is True
    assert result["written"] == [str(tmp_path / "persistentvolumeclaim_rhods-notebooks_census.yaml")]
    assert "storage: 80Gi" in (tmp_path / "persistentvolumeclaim_rhods-notebooks_census.yaml").read_text()


def test_check_mode_writes_nothing_and_diff_shows_each_changed_file(capsys, tmp_path):
    run_module(capsys, definitions=[STORAGE_CLASS], dest=str(tmp_path))
    old = (tmp_path / "storageclass_cluster_shared-rwx.yaml").read_text()
    changed = dict(STORAGE_CLASS, provisioner="efs.csi.aws.com")
    code, result = run_module(capsys, definitions=[changed, CLAIM], dest=str(tmp_path), _ansible_check_mode=True, _ansible_diff=True)
    assert result["changed"] is True
    assert len(result["written"]) == 2
    assert os.listdir(tmp_path) == ["storageclass_cluster_shared-rwx.yaml"]
    assert (tmp_path / "storageclass_cluster_shared-rwx.yaml").read_text() == old
    storage_class_diff, claim_diff = result["diff"]
    assert storage_class_diff["before"] == old
    assert "provisioner: efs.csi.aws.com" in storage_class_diff["after"]
    assert storage_class_diff["before_header"] == storage_class_diff["after_header"] == result["files"][0]
    assert claim_diff["before"] == ""


def test_check_mode_does_not_create_dest(capsys, tmp_path):
    code, result = run_module(capsys, definitions=[CLAIM], dest=str(tmp_path / "missing"), _ansible_check_mode=True)
    assert result["changed"] is True
    assert not (tmp_path / "missing").exists()


def test_definitions_that_cannot_be_named_are_refused_by_index(capsys, tmp_path):
    nameless = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}}
    code, result = run_module(capsys, definitions=[CLAIM, nameless, {"metadata": {"name": "x"}}, dict(CLAIM)], dest=str(tmp_path))
    assert code == 1
    assert result["errors"] == [
        "definitions[1]: needs metadata.name to name its file",
        "definitions[2]: needs kind to name its file",
        "definitions[3]: persistentvolumeclaim_rhods-notebooks_census.yaml is already the file of definitions[0]",
    ]
    assert os.listdir(tmp_path) == []


def test_unwritable_dest_fails(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, result = run_module(capsys, definitions=[CLAIM], dest=str(blocker / "sub"))
    assert code == 1
    assert result["msg"].startswith("could not write %s" % (blocker / "sub" / "persistentvolumeclaim_rhods-notebooks_census.yaml"))
