import copy
import json

import pytest
from ansible.module_utils.common.dict_transformations import dict_merge
from ansible_collections.kubernetes.core.plugins.module_utils.apply import annotate
from hypothesis import assume, given
from hypothesis import strategies as st

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.k8s_compare import (
    CREATE,
    LAST_APPLIED_ANNOTATION,
    RECREATE,
    REFUSE,
    UNCHANGED,
    UPDATE,
    UNSET,
    Drift,
    as_stored,
    decide,
    describe_object,
    diff_before,
    find_drift,
    find_orphans,
    format_path,
    immutable_conflicts,
    is_subset,
    last_applied,
    object_ref,
)

STORAGE_CLASS = {
    "apiVersion": "storage.k8s.io/v1",
    "kind": "StorageClass",
    "metadata": {"name": "shared-rwx"},
    "provisioner": "nfs.csi.k8s.io",
    "parameters": {"server": "a", "share": "/exports"},
    "reclaimPolicy": "Retain",
    "volumeBindingMode": "Immediate",
    "allowVolumeExpansion": True,
    "mountOptions": ["nfsvers=4.1"],
}
CLAIM = {
    "apiVersion": "v1",
    "kind": "PersistentVolumeClaim",
    "metadata": {"name": "census", "namespace": "rhods-notebooks", "labels": {"tier": "public"}},
    "spec": {
        "accessModes": ["ReadWriteMany"],
        "resources": {"requests": {"storage": "50Gi"}},
        "storageClassName": "shared-rwx",
    },
}
JOB = {
    "apiVersion": "batch/v1",
    "kind": "Job",
    "metadata": {"name": "prepare-census-1f0c2a", "namespace": "rhods-notebooks"},
    "spec": {
        "completions": 1,
        "template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "prepare", "image": "ubi9:1"}]}},
    },
}


def served(definition, **server_fields):
    """The object as the API server returns it after a kubernetes.core apply of ``definition``."""
    live = dict_merge(copy.deepcopy(definition), annotate(definition))
    live["metadata"].update(uid="0b1c", resourceVersion="42", creationTimestamp="2026-01-01T00:00:00Z")
    live.update(server_fields)
    return live


def with_changes(definition, changes):
    changed = copy.deepcopy(definition)
    for path, value in changes.items():
        *parents, last = path.split(".")
        target = changed
        for key in parents:
            target = target[key]
        target[last] = value
    return changed


def messages(decision):
    return [conflict.message for conflict in decision.conflicts]


# --- desired is a subset of live -------------------------------------------------------------


def test_extra_live_keys_do_not_matter():
    assert is_subset({"spec": {"a": 1}}, {"spec": {"a": 1, "b": 2}, "status": {"phase": "Bound"}})


def test_changed_nested_value_is_a_drift_at_its_path():
    drifts = list(find_drift({"spec": {"a": {"b": "new"}}}, {"spec": {"a": {"b": "old", "c": 1}}}))
    assert drifts == [Drift(("spec", "a", "b"), "old", "new")]


def test_lists_compare_item_by_item_as_subsets():
    desired = {"containers": [{"name": "a", "image": "x"}]}
    assert is_subset(desired, {"containers": [{"name": "a", "image": "x", "imagePullPolicy": "IfNotPresent"}]})
    assert list(find_drift(desired, {"containers": [{"name": "a", "image": "y"}]})) == [Drift(("containers", 0, "image"), "y", "x")]


def test_lists_of_other_length_differ_as_a_whole():
    assert list(find_drift({"modes": ["a"]}, {"modes": ["a", "b"]})) == [Drift(("modes",), ["a", "b"], ["a"])]


@pytest.mark.parametrize("zero", [False, 0, 0.0, "", [], {}, None, {"nested": {"flag": False, "items": []}}])
def test_desired_zero_value_equals_missing_live_key(zero):
    assert is_subset({"spec": {"field": zero}}, {"spec": {}})


@pytest.mark.parametrize("zero", [False, 0, "", []])
def test_desired_zero_value_differs_from_a_live_value(zero):
    assert not is_subset({"spec": {"field": zero}}, {"spec": {"field": "set"}})


def test_missing_live_key_differs_from_a_desired_value():
    assert list(find_drift({"spec": {"field": "x"}}, {"spec": {}})) == [Drift(("spec", "field"), UNSET, "x")]


@pytest.mark.parametrize(
    "desired, live",
    [
        ({"metadata": {"labels": {"gid": "40001"}}}, {"metadata": {"labels": {"gid": 40001}}}),
        ({"spec": {"suspend": True}}, {"spec": {"suspend": 1}}),
        ({"spec": {"count": 0}}, {"spec": {"count": False}}),
        ({"spec": {"size": "1024Mi"}}, {"spec": {"size": "1Gi"}}),
    ],
)
def test_values_of_different_types_or_spelling_differ_outside_quantity_maps(desired, live):
    assert not is_subset(desired, live)


@pytest.mark.parametrize(
    "path, desired, live",
    [
        ("spec.resources.requests", "1024Mi", "1Gi"),
        ("spec.resources.limits", "500m", "0.5"),
        ("spec.template.spec.containers.0.resources.limits", 2, "2"),
        ("spec.hard", "1e3", "1k"),
        ("status.capacity", "50Gi", "53687091200"),
    ],
)
def test_quantities_compare_by_value_in_resource_maps(path, desired, live):
    def nest(value):
        tree = {"storage": value}
        for key in reversed(path.split(".")):
            tree = [tree] if key == "0" else {key: tree}
        return tree

    assert is_subset(nest(desired), nest(live))
    assert not is_subset(nest(desired), nest("3Gi"))


def test_secret_string_data_compares_with_encoded_data():
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"a": "YQ=="}, "stringData": {"b": "é"}}
    assert as_stored(secret) == {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"a": "YQ==", "b": "w6k="}}
    assert as_stored(CLAIM) is CLAIM


# --- last-applied-configuration ----------------------------------------------------------------


def test_last_applied_reads_the_annotation():
    assert last_applied(served(CLAIM)) == CLAIM
    assert last_applied({"metadata": {}}) is None
    assert last_applied({"metadata": {"annotations": {LAST_APPLIED_ANNOTATION: "{not json"}}}) is None


def test_object_applied_by_kubernetes_core_is_unchanged():
    live = served(CLAIM, status={"phase": "Bound", "capacity": {"storage": "50Gi"}})
    live["spec"].update(volumeMode="Filesystem", volumeName="pvc-0b1c")
    assert decide(CLAIM, live) == (UNCHANGED, [])


def test_quantity_spelled_differently_than_the_server_is_unchanged():
    claim = with_changes(CLAIM, {"spec.resources.requests.storage": "51200Mi"})
    live = served(claim)
    live["spec"]["resources"]["requests"]["storage"] = "50Gi"
    assert decide(claim, live).action == UNCHANGED


def test_field_dropped_since_the_last_apply_is_an_update():
    live = served(CLAIM)
    claim = copy.deepcopy(CLAIM)
    del claim["metadata"]["labels"]
    assert is_subset(claim, live)
    assert decide(claim, live).action == UPDATE
    assert list(find_drift(claim, live, last_applied(live))) == [Drift(("metadata", "labels"), {"tier": "public"}, UNSET)]


def test_object_applied_with_other_content_is_an_update():
    live = served(CLAIM)
    live["metadata"]["annotations"][LAST_APPLIED_ANNOTATION] = json.dumps(with_changes(CLAIM, {"metadata.labels": {"tier": "x"}}))
    assert decide(CLAIM, live).action == UPDATE


def test_object_without_last_applied_is_compared_as_a_subset():
    live = copy.deepcopy(CLAIM)
    assert decide(CLAIM, live).action == UNCHANGED
    assert decide(with_changes(CLAIM, {"metadata.labels.tier": "private"}), live).action == UPDATE


def test_missing_object_is_created():
    assert decide(CLAIM, None) == (CREATE, [])


# --- immutable fields ----------------------------------------------------------------------------


def test_storage_class_parameter_change_is_refused_with_the_fix():
    decision = decide(with_changes(STORAGE_CLASS, {"parameters.server": "b"}), served(STORAGE_CLASS))
    assert decision.action == REFUSE
    assert messages(decision) == [
        "parameters.server would change from 'a' to 'b' — StorageClass parameters are immutable; set "
        "shared_resources_storageclass_recreate: true to delete and recreate the class (existing PersistentVolumes "
        "keep their old settings)"
    ]


@pytest.mark.parametrize(
    "field, value", [("provisioner", "efs.csi.aws.com"), ("reclaimPolicy", "Delete"), ("volumeBindingMode", "WaitForFirstConsumer")]
)
def test_other_immutable_storage_class_fields_are_refused(field, value):
    decision = decide(with_changes(STORAGE_CLASS, {field: value}), served(STORAGE_CLASS))
    assert decision.action == REFUSE
    assert messages(decision)[0].startswith("%s would change from %r to %r — " % (field, STORAGE_CLASS[field], value))


def test_parameter_dropped_since_the_last_apply_is_refused():
    storage_class = copy.deepcopy(STORAGE_CLASS)
    del storage_class["parameters"]["share"]
    decision = decide(storage_class, served(STORAGE_CLASS))
    assert messages(decision)[0].startswith("parameters.share would change from '/exports' to unset — ")


def test_mutable_storage_class_fields_are_updated():
    changed = with_changes(STORAGE_CLASS, {"allowVolumeExpansion": False, "mountOptions": ["nfsvers=4.2"], "metadata.labels": {"a": "b"}})
    assert decide(changed, served(STORAGE_CLASS)) == (UPDATE, [])


def test_immutable_change_of_a_recreatable_kind_is_a_recreate():
    decision = decide(with_changes(STORAGE_CLASS, {"parameters.server": "b"}), served(STORAGE_CLASS), recreatable=True)
    assert decision.action == RECREATE
    assert decision.conflicts[0].change == "parameters.server would change from 'a' to 'b'"
    assert decision.conflicts[0].on_recreate == "existing PersistentVolumes keep their old settings"


def test_claim_may_grow():
    assert decide(with_changes(CLAIM, {"spec.resources.requests.storage": "80Gi"}), served(CLAIM)).action == UPDATE


def test_claim_shrink_is_refused():
    decision = decide(with_changes(CLAIM, {"spec.resources.requests.storage": "10Gi"}), served(CLAIM))
    assert messages(decision) == [
        "spec.resources.requests.storage would shrink from 50Gi to 10Gi — PVCs cannot shrink; restore the size or "
        "migrate the data to a new share"
    ]


@pytest.mark.parametrize(
    "field, value",
    [
        ("spec.storageClassName", "cephfs"),
        ("spec.accessModes", ["ReadWriteOnce"]),
        ("spec.volumeMode", "Block"),
        ("spec.volumeName", "pv-other"),
        ("spec.selector", {"matchLabels": {"share": "census"}}),
    ],
)
def test_claim_spec_changes_are_refused(field, value):
    decision = decide(with_changes(CLAIM, {field: value}), served(CLAIM))
    assert decision.action == REFUSE
    assert messages(decision)[0].startswith(field)
    assert messages(decision)[0].endswith("the spec of an existing PVC is immutable; move the data to a new share instead")


@pytest.mark.parametrize(
    "field, value",
    [
        ("spec.template.spec.containers", [{"name": "prepare", "image": "ubi9:2"}]),
        ("spec.completions", 2),
        ("spec.selector", {"matchLabels": {"job": "other"}}),
    ],
)
def test_job_changes_are_refused(field, value):
    decision = decide(with_changes(JOB, {field: value}), served(JOB))
    assert decision.action == REFUSE
    assert "Jobs are immutable" in messages(decision)[0]


def test_persistent_volume_source_changes_are_refused_other_fields_update():
    volume = {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "lab.census"},
              "spec": {"capacity": {"storage": "5Gi"}, "mountOptions": ["ro"], "nfs": {"server": "a", "path": "/x"}}}
    decision = decide(with_changes(volume, {"spec.nfs.server": "b"}), served(volume))
    assert decision.action == REFUSE
    assert messages(decision) == [
        "spec.nfs.server would change from 'a' to 'b' — the source of a PersistentVolume is immutable; delete the "
        "PersistentVolume (and its claim) to recreate it"
    ]
    assert decide(with_changes(volume, {"spec.mountOptions": [], "spec.capacity.storage": "8Gi"}), served(volume)).action == UPDATE


def test_every_conflict_of_an_object_is_listed():
    drifts = [Drift(("provisioner",), "a", "b"), Drift(("parameters", "server"), "a", "b"), Drift(("mountOptions",), [], ["x"])]
    assert [conflict.change for conflict in immutable_conflicts("StorageClass", drifts)] == [
        "provisioner would change from 'a' to 'b'",
        "parameters.server would change from 'a' to 'b'",
    ]


def test_kinds_without_rules_have_no_conflicts():
    assert immutable_conflicts("ConfigMap", [Drift(("data", "a"), "x", "y")]) == []


# --- diff, names, orphans --------------------------------------------------------------------------


def test_diff_before_is_live_reduced_to_the_desired_and_last_applied_keys():
    live = served(CLAIM, status={"phase": "Bound"})
    claim = with_changes(CLAIM, {"spec.resources.requests.storage": "80Gi"})
    del claim["metadata"]["labels"]
    before = diff_before(live, claim, last_applied(live))
    assert before == {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "census", "namespace": "rhods-notebooks", "labels": {"tier": "public"}},
        "spec": CLAIM["spec"],
    }


def test_object_names():
    assert describe_object(CLAIM) == "PersistentVolumeClaim rhods-notebooks/census"
    assert describe_object(STORAGE_CLASS) == "StorageClass shared-rwx"
    assert object_ref(CLAIM) == "PersistentVolumeClaim/rhods-notebooks/census"
    assert object_ref(STORAGE_CLASS) == "StorageClass/shared-rwx"
    assert format_path(("spec", "containers", 0, "image")) == "spec.containers[0].image"


def test_orphans_are_live_objects_no_definition_names():
    def summary(api_version, kind, namespace, name):
        metadata = dict(name=name, namespace=namespace) if namespace else dict(name=name)
        return dict(apiVersion=api_version, kind=kind, metadata=metadata)

    desired = [summary("v1", "PersistentVolumeClaim", "ns", "census"), summary("storage.k8s.io/v1", "StorageClass", None, "shared-rwx")]
    live = [
        summary("v1", "PersistentVolumeClaim", "ns", "census"),
        summary("v1", "PersistentVolumeClaim", "other", "census"),
        summary("v1", "PersistentVolumeClaim", "ns", "old-share"),
        summary("storage.k8s.io/v1beta1", "StorageClass", None, "shared-rwx"),
        summary("example.com/v1", "StorageClass", None, "shared-rwx"),
    ]
    assert find_orphans(live, desired) == [live[1], live[2], live[4]]


# --- properties ------------------------------------------------------------------------------------

# Keys from a small alphabet cannot spell the quantity maps, so only the generic rules apply.
keys = st.text(alphabet="abcdef", min_size=1, max_size=3)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.text(alphabet="xyz01", max_size=3))
trees = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(keys, children, max_size=4)),
    max_leaves=12,
)
objects = st.dictionaries(keys, trees, max_size=5)


def merge(live, desired):
    """Apply ``desired`` onto ``live`` as a JSON merge patch without deletions does."""
    if not (isinstance(live, dict) and isinstance(desired, dict)):
        return copy.deepcopy(desired)
    merged = copy.deepcopy(live)
    for key, value in desired.items():
        merged[key] = merge(live.get(key), value)
    return merged


def leaf_paths(tree, path=()):
    if isinstance(tree, dict):
        items = tree.items()
    elif isinstance(tree, list):
        items = enumerate(tree)
    else:
        return [path]
    return [leaf for key, value in items for leaf in leaf_paths(value, path + (key,))]


@given(objects, objects)
def test_desired_is_a_subset_of_live_merged_with_it(live, desired):
    assert is_subset(desired, merge(live, desired))


@given(objects, objects, st.data())
def test_a_changed_leaf_is_always_detected(live, desired, data):
    paths = [path for path in leaf_paths(desired) if path]
    assume(paths)
    path = data.draw(st.sampled_from(paths))
    merged = merge(live, desired)
    target = merged
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = "changed-%r" % (target[path[-1]],)
    assert [drift.path for drift in find_drift(desired, merged)] == [path]


def test_merge_patches_ignore_the_last_applied_record():
    live = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "c",
            "namespace": "ns",
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": '{"data": {"a": "1", "b": "2"}}'},
        },
        "data": {"a": "1", "b": "2"},
    }
    desired = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "ns"}, "data": {"a": "1"}}
    assert decide(desired, live).action == UPDATE
    assert decide(desired, live, applies=False).action == UNCHANGED
