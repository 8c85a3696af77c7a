"""The permissions section and what notebook pods get for the shares' files (data_plane.py, spec_permissions.py)."""

import logging
import types

import pytest

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import data_plane, jupyterhub, z2jh_hook
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import notebooks as nb
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.access import access_for_groups
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import SpecError, parse_spec
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec_permissions import closes_others, mount_permissions

NFS_CSI = {"name": "shared-rwx", "backend": "nfs_csi", "parameters": {"server": "nfs", "share": "/exports"}}


def with_class(spec, storage_class, **permissions):
    spec["storage_class"] = storage_class
    if permissions:
        spec["permissions"] = permissions
    return spec


def test_defaults_set_a_group_writable_umask_and_nothing_strict(example_spec):
    spec = parse_spec(example_spec)
    assert (spec.permissions.strict, spec.permissions.umask) == (False, "0002")
    assert data_plane.notebook_pod_settings(spec) == {
        "security_context": {"fsGroupChangePolicy": "OnRootMismatch"}, "env": {"NB_UMASK": "0002"}}


def test_a_null_umask_leaves_the_image_alone(example_spec):
    example_spec["permissions"] = {"umask": None}
    assert data_plane.notebook_pod_settings(parse_spec(example_spec))["env"] == {}


@pytest.mark.parametrize("umask", ["0002", "002", "0007", "0022", "0027"])
def test_umasks_that_keep_the_owners_bits(example_spec, umask):
    example_spec["permissions"] = {"umask": umask}
    assert parse_spec(example_spec).permissions.umask == umask


@pytest.mark.parametrize("umask", ["0700", "0200", "8", "2", 2, "0o002", "00002", ""])
def test_bad_umasks(example_spec, umask):
    example_spec["permissions"] = {"umask": umask}
    with pytest.raises(SpecError, match=r"permissions\.umask: invalid umask"):
        parse_spec(example_spec)


def test_unknown_permission_fields_and_types(example_spec):
    example_spec["permissions"] = {"strict": "yes", "umsk": "0002"}
    with pytest.raises(SpecError) as error:
        parse_spec(example_spec)
    assert "permissions.strict: must be true or false, got 'yes'" in str(error.value)
    assert "permissions.umsk: unknown field (did you mean 'umask'?)" in str(error.value)


@pytest.mark.parametrize("backend", ["nfs_subdir", "cephfs", "efs", "filestore"])
def test_strict_is_refused_where_no_root_can_close(example_spec, backend):
    storage_class = {"name": "shared-rwx", "backend": backend}
    storage_class.update({"cephfs": {"parameters": {"clusterID": "c", "fsName": "f"}},
                          "efs": {"parameters": {"fileSystemId": "fs-1"}}}.get(backend, {}))
    with pytest.raises(SpecError, match=r"permissions\.strict: cannot hold on backend %r" % backend):
        parse_spec(with_class(example_spec, storage_class, strict=True))


@pytest.mark.parametrize("mode, accepted", [(None, False), ("0", False), ("0775", False), ("0777", False),
                                            ("0770", True), ("2770", True), ("0750", True), ("rwx", False)])
def test_strict_on_csi_driver_nfs_needs_a_closing_mount_permissions(example_spec, mode, accepted):
    storage_class = dict(NFS_CSI, parameters=dict(NFS_CSI["parameters"]))
    if mode is not None:
        storage_class["parameters"]["mountpermissions"] = mode  # the driver reads keys case-insensitively
    data = with_class(example_spec, storage_class, strict=True)
    if accepted:
        assert parse_spec(data).permissions.strict is True
    else:
        with pytest.raises(SpecError, match=r"storage_class\.parameters\.mountPermissions: strict restricted tiers need it"):
            parse_spec(data)


def test_strict_without_restricted_shares_or_on_an_existing_class(example_spec):
    assert parse_spec(with_class(example_spec, {"name": "prepared", "backend": "existing"}, strict=True)).permissions.strict
    example_spec["tiers"]["secret"]["restricted"] = False
    assert parse_spec(with_class(example_spec, {"name": "sub", "backend": "nfs_subdir"}, strict=True)).permissions.strict


def test_mount_permission_helpers():
    assert mount_permissions({"MountPermissions": "0770"}) == "0770"
    assert mount_permissions({}) is None and mount_permissions(None) is None
    assert closes_others("2770") and not closes_others("0") and not closes_others(None)


@pytest.mark.parametrize("backend, extra, limited", [
    ("nfs_csi", {}, True),
    ("nfs_csi", {"mountPermissions": "0770"}, False),
    ("azurefile", {}, True),
    ("azurefile", {"mountPermissions": "0770"}, False),
    ("nfs_subdir", {}, True),
    ("existing", {}, False),
])
def test_limitations_follow_the_storage(example_spec, backend, extra, limited):
    storage_class = {"name": "shared-rwx", "backend": backend}
    if backend == "nfs_csi":
        storage_class["parameters"] = dict(NFS_CSI["parameters"], **extra)
    elif extra:
        storage_class["parameters"] = extra
    messages = data_plane.describe_limitations(parse_spec(with_class(example_spec, storage_class)))
    assert [message.split(":")[0] for message in messages] == (["restricted share hr-records"] if limited else [])


def test_no_limitation_in_strict_mode(example_spec):
    storage_class = dict(NFS_CSI, parameters=dict(NFS_CSI["parameters"], mountPermissions="2770"))
    assert data_plane.describe_limitations(parse_spec(with_class(example_spec, storage_class, strict=True))) == []


def notebook(user):
    return {
        "apiVersion": "kubeflow.org/v1", "kind": "Notebook",
        "metadata": {"name": "jupyter-nb-" + user, "namespace": "rhods-notebooks", "resourceVersion": "7",
                     "annotations": {"opendatahub.io/username": user, "kubeflow-resource-stopped": "now"}},
        "spec": {"template": {"spec": {"containers": [{"name": "jupyter-nb-" + user, "image": "nb"}],
                                       "securityContext": {"fsGroup": 1000680000}}}},
    }


def test_odh_notebooks_get_the_settings_and_lose_the_umask_when_it_goes(example_spec):
    spec = parse_spec(example_spec)
    live = notebook("alice")
    plan = nb.plan_notebooks(spec, [live], spec.users)
    patched = nb.apply_merge_patch(live, plan["patch"][0])
    pod = patched["spec"]["template"]["spec"]
    # merged into the live securityContext: the injected fsGroup stays
    assert pod["securityContext"] == {"fsGroup": 1000680000, "fsGroupChangePolicy": "OnRootMismatch", "supplementalGroups": [40001, 40002]}
    assert pod["containers"][0]["env"] == [{"name": "NB_UMASK", "value": "0002"}]
    assert patched["metadata"]["annotations"][nb.MANAGED_ENV_ANNOTATION] == "NB_UMASK"
    assert nb.plan_notebooks(spec, [patched], spec.users)["unchanged"] == ["rhods-notebooks/jupyter-nb-alice"]
    example_spec["permissions"] = {"umask": None}
    spec = parse_spec(example_spec)
    again = nb.apply_merge_patch(patched, nb.plan_notebooks(spec, [patched], spec.users)["patch"][0])
    assert again["spec"]["template"]["spec"]["containers"][0]["env"] == []


def test_odh_jsp_everyone_profile_carries_the_umask(example_spec):
    example_spec["jupyterhub"] = {"flavor": "odh_jsp"}
    everyone = dict(jupyterhub.jsp_profiles(parse_spec(example_spec)))["everyone"]
    assert {"name": "NB_UMASK", "value": "0002"} in everyone["env"]


def test_z2jh_hook_sets_the_policy_on_a_kubernetes_model(example_spec):
    example_spec["jupyterhub"] = {"flavor": "z2jh", "values_path": "v.yaml"}
    spec = parse_spec(example_spec)
    hook = z2jh_hook.ModifyPodHook(jupyterhub.hook_data(spec))
    context = types.SimpleNamespace(fs_group=100, fs_group_change_policy=None, supplemental_groups=None)
    pod = types.SimpleNamespace(spec=types.SimpleNamespace(
        volumes=[], containers=[{"name": "notebook", "volumeMounts": [], "env": []}], security_context=context))
    hook.edit(pod, access_for_groups(spec, ["hr"]), logging.getLogger("test"))
    assert (context.fs_group, context.fs_group_change_policy, context.supplemental_groups) == (100, "OnRootMismatch", [40001, 40003])
    assert pod.spec.containers[0]["env"] == [{"name": "NB_UMASK", "value": "0002"}]
