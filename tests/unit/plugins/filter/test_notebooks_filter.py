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
    assert notebook_filters.FilterModule().filters() == {"notebook_patches": notebook_patches}


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
    with pytest.raises(AnsibleFilterError, match=r"notebook_patches: invalid shared_resources spec:\n  - shares\[0\]\.tier: unknown tier 'publc'"):
        notebook_patches([], example_spec)


def test_other_notebook_namespaces_are_refused(example_spec):
    example_spec["jupyterhub"] = {"flavor": "odh_notebooks", "notebook_namespaces": ["rhods-notebooks", "team-x"]}
    with pytest.raises(AnsibleFilterError, match=r"jupyterhub\.notebook_namespaces\[1\]: 'team-x' is not the namespace of the share claims"):
        notebook_patches([], example_spec)


@pytest.mark.parametrize(
    "notebooks, users, restart_running, message",
    [
        ({"items": []}, None, None, "the input must be the list of Notebook objects"),
        ([], {"alice": "team-a"}, None, r"users \(argument\)\.alice: must be a list of group names"),
        ([], None, "yes", "restart_running: must be true or false"),
    ],
)
def test_bad_arguments(example_spec, notebooks, users, restart_running, message):
    with pytest.raises(AnsibleFilterError, match=message):
        notebook_patches(notebooks, example_spec, users, restart_running)
