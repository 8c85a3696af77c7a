"""The notebook_patches filter (plugins/filter/notebooks.py)."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.odh_rwx.shared_resources.plugins.filter import notebooks as notebook_filters
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.notebooks import apply_merge_patch

notebook_patches = notebook_filters.notebook_patches


def notebook(user, stopped):
    annotations = {"opendatahub.io/username": user}
    if stopped:
        annotations["kubeflow-resource-stopped"] = "2026-01-02T03:04:05Z"
    name = "jupyter-nb-" + user
    return {
        "apiVersion": "kubeflow.org/v1",
        "kind": "Notebook",
        "metadata": {"name": name, "namespace": "rhods-notebooks", "annotations": annotations},
        "spec": {"template": {"spec": {"containers": [{"name": name, "image": "notebook:1"}]}}},
    }


def test_filter_is_registered():
    assert notebook_filters.FilterModule().filters() == {
        "notebook_patches": notebook_patches,
        "notebook_namespace_claims": notebook_filters.notebook_namespace_claims,
    }


def test_patches_stopped_and_defers_running(example_spec):
    result = notebook_patches([notebook("alice", True), notebook("carol", False)], example_spec, {"alice": ["team-a"], "carol": ["hr"]})
    assert [patch["metadata"]["name"] for patch in result["patch"]] == ["jupyter-nb-alice"]
    assert result["deferred"] == ["rhods-notebooks/jupyter-nb-carol"]
    assert result["unowned"] == []


def test_users_default_to_the_spec_and_settings_to_the_jupyterhub_section(example_spec):
    example_spec["jupyterhub"] = {"flavor": "odh_notebooks", "restart_running": True}
    result = notebook_patches([notebook("carol", False)], example_spec)
    patched = apply_merge_patch(notebook("carol", False), result["patch"][0])
    assert [volume["name"] for volume in patched["spec"]["template"]["spec"]["volumes"]] == ["shared-census", "shared-hr-records"]
    # An explicit argument wins over the spec.
    assert notebook_patches([notebook("carol", False)], example_spec, None, False)["deferred"] == ["rhods-notebooks/jupyter-nb-carol"]


def test_the_whole_spec_is_validated_first(example_spec):
    example_spec["shares"][0]["tier"] = "publc"
    with pytest.raises(AnsibleFilterError, match=r"notebook_patches: invalid shared_resources spec:\n  - shares\[0\] \(census\)\.tier: unknown tier 'publc'"):
        notebook_patches([], example_spec)


def test_other_namespaces_get_their_audience_s_shares(example_spec):
    example_spec["jupyterhub"] = {"flavor": "odh_notebooks", "notebook_namespaces": ["rhods-notebooks", {"name": "team-x", "groups": ["hr"]}]}
    live = notebook("carol", True)
    live["metadata"]["namespace"] = "team-x"
    result = notebook_patches([live], example_spec, None, None, {"team-x": ["census"]})
    patched = apply_merge_patch(live, result["patch"][0])
    assert [volume["name"] for volume in patched["spec"]["template"]["spec"]["volumes"]] == ["shared-census"]
    with pytest.raises(AnsibleFilterError, match="available_shares must map each notebook namespace"):
        notebook_patches([live], example_spec, None, None, ["census"])


def test_namespace_claims_filter_validates_and_reports_storage_it_cannot_serve(example_spec):
    claims_filter = notebook_filters.notebook_namespace_claims
    example_spec["jupyterhub"] = {"flavor": "odh_notebooks", "notebook_namespaces": ["rhods-notebooks", "team-x"]}
    share_claim = {
        "metadata": {"name": "census", "namespace": "rhods-notebooks",
                     "labels": {"app.kubernetes.io/managed-by": "odh_rwx.shared_resources", "app.kubernetes.io/component": "shared-volume"}},
        "spec": {"volumeName": "pvc-1"},
        "status": {"phase": "Bound"},
    }
    volume = {"metadata": {"name": "pvc-1"}, "spec": {"nfs": {"server": "nfs.example.com", "path": "/exports/census"}}}
    plan = claims_filter([volume], example_spec, [share_claim])
    assert plan["available"] == {"team-x": ["census"]}
    assert [item["kind"] for item in plan["apply"]] == ["PersistentVolume", "PersistentVolumeClaim"]
    volume["spec"] = {"csi": {"driver": "efs.csi.aws.com", "volumeHandle": "fs-1"}}
    with pytest.raises(AnsibleFilterError, match=r"notebook_namespace_claims: jupyterhub\.notebook_namespaces: cannot give (.|\n)*'efs\.csi\.aws\.com'"):
        claims_filter([volume], example_spec, [share_claim])
    with pytest.raises(AnsibleFilterError, match="notebook_namespace_claims: claims must be a list of objects"):
        claims_filter([volume], example_spec, {"items": []})
    example_spec["shares"][0]["tier"] = "publc"
    with pytest.raises(AnsibleFilterError, match=r"shares\[0\] \(census\)\.tier: unknown tier 'publc'"):
        claims_filter([], example_spec, [])


@pytest.mark.parametrize(
    "notebooks, users, restart_running, message",
    [
        ({"items": []}, None, None, r"the input must be a list of objects \(k8s_info resources\)"),
        ([], {"alice": "team-a"}, None, r"users \(argument\)\.alice: must be a list of group names"),
        ([], None, "yes", "restart_running: must be true or false"),
    ],
)
def test_bad_arguments(example_spec, notebooks, users, restart_running, message):
    with pytest.raises(AnsibleFilterError, match=message):
        notebook_patches(notebooks, example_spec, users, restart_running)
