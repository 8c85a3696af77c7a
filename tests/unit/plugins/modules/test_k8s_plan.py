"""k8s_plan's main() against an in-memory stand-in for kubernetes.core's K8SClient.

The stand-in has only the read methods the module may use, so any write would fail the test.
tests/integration/plugins/modules/test_k8s_plan_emulator.py runs the module against an API server.
"""

import copy
import json

import pytest
from ansible.module_utils.common.dict_transformations import dict_merge
from ansible.module_utils.testing import patch_module_args
from ansible_collections.kubernetes.core.plugins.module_utils.apply import annotate
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic.exceptions import ForbiddenError, NotFoundError, ResourceNotFoundError
from urllib3.exceptions import MaxRetryError

from ansible_collections.odh_rwx.shared_resources.plugins.modules import k8s_plan

NAMESPACE = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "rhods-notebooks"}}
STORAGE_CLASS = {
    "apiVersion": "storage.k8s.io/v1",
    "kind": "StorageClass",
    "metadata": {"name": "shared-rwx"},
    "provisioner": "nfs.csi.k8s.io",
    "parameters": {"server": "a", "share": "/exports"},
}


def claim(name, size="50Gi", **labels):
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": name, "namespace": "rhods-notebooks", "labels": dict(labels, share=name)},
        "spec": {"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": size}}, "storageClassName": "shared-rwx"},
    }


class FakeResource(object):
    def __init__(self, group_version, kind, namespaced):
        self.group_version, self.kind, self.namespaced = group_version, kind, namespaced


RESOURCES = [
    FakeResource("v1", "Namespace", False),
    FakeResource("v1", "PersistentVolumeClaim", True),
    FakeResource("storage.k8s.io/v1", "StorageClass", False),
]


class FakeInstance(object):
    def __init__(self, data):
        self.data = data

    def to_dict(self):
        return copy.deepcopy(self.data)


class FakeResources(object):
    def get(self, api_version, kind):
        for resource in RESOURCES:
            if (resource.group_version, resource.kind) == (api_version, kind):
                return resource
        raise ResourceNotFoundError("no %s %s" % (api_version, kind))


class FakeClient(object):
    """Objects as the API server would hold them after a kubernetes.core apply; records every call."""

    def __init__(self, *applied):
        self.resources = FakeResources()
        self.objects = [dict_merge(copy.deepcopy(definition), annotate(definition)) for definition in applied]
        self.calls = []
        self.forbidden = set()

    def get(self, resource, name=None, namespace=None, label_selector=None):
        self.calls.append((resource.kind, namespace, name, label_selector))
        if name in self.forbidden:
            raise ForbiddenError(ApiException(status=403, reason="Forbidden"))
        matching = [item for item in self.objects if item["kind"] == resource.kind and item["metadata"].get("namespace") == namespace]
        if name is None:
            wanted = dict([label_selector.split("=")]) if label_selector else {}
            return FakeInstance({"items": [item for item in matching if wanted.items() <= item["metadata"].get("labels", {}).items()]})
        for item in matching:
            if item["metadata"]["name"] == name:
                return FakeInstance(item)
        raise NotFoundError(ApiException(status=404, reason="Not Found"))


class Cluster(object):
    def __init__(self):
        self.client = FakeClient()

    def apply(self, *definitions):
        self.client = FakeClient(*definitions)


@pytest.fixture
def cluster(monkeypatch):
    """The cluster k8s_plan talks to; cluster.apply(definition, ...) sets its live objects."""
    state = Cluster()
    monkeypatch.setattr(k8s_plan, "get_api_client", lambda module: state.client)
    return state


def run_module(capsys, **args):
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exited:
            k8s_plan.main()
    return exited.value.code, json.loads(capsys.readouterr().out)


def test_new_changed_and_unchanged_objects(capsys, cluster):
    cluster.apply(NAMESPACE, STORAGE_CLASS, claim("census"), claim("projects"))
    definitions = [NAMESPACE, STORAGE_CLASS, claim("census", size="80Gi"), claim("hr-records"), claim("projects")]
    code, result = run_module(capsys, definitions=definitions)
    assert code == 0
    assert result["changed"] is False
    assert result["apply"] == [definitions[2], definitions[3]]
    assert result["creates"] == ["PersistentVolumeClaim/rhods-notebooks/hr-records"]
    assert result["updates"] == ["PersistentVolumeClaim/rhods-notebooks/census"]
    assert result["unchanged"] == ["Namespace/rhods-notebooks", "StorageClass/shared-rwx", "PersistentVolumeClaim/rhods-notebooks/projects"]
    assert result["recreate"] == [] and result["orphans"] == []
    assert "diff" not in result


def test_one_get_per_object_and_nothing_else(capsys, cluster):
    cluster.apply(STORAGE_CLASS)
    run_module(capsys, definitions=[STORAGE_CLASS, claim("census")], _ansible_check_mode=True)
    assert cluster.client.calls == [("StorageClass", None, "shared-rwx", None), ("PersistentVolumeClaim", "rhods-notebooks", "census", None)]


def test_check_mode_reports_what_would_be_applied(capsys, cluster):
    cluster.apply(STORAGE_CLASS)
    code, result = run_module(capsys, definitions=[STORAGE_CLASS, claim("census")], _ansible_check_mode=True)
    assert result["changed"] is True
    code, result = run_module(capsys, definitions=[STORAGE_CLASS], _ansible_check_mode=True)
    assert result["changed"] is False


def test_diff_shows_live_values_against_the_definition(capsys, cluster):
    cluster.apply(claim("census"))
    definitions = [claim("census", size="80Gi"), claim("projects")]
    code, result = run_module(capsys, definitions=definitions, _ansible_diff=True, _ansible_check_mode=True)
    update, create = result["diff"]
    assert update["before"]["spec"]["resources"] == {"requests": {"storage": "50Gi"}}
    assert "annotations" not in update["before"]["metadata"]
    assert update["after"] == definitions[0]
    assert update["before_header"] == update["after_header"] == "PersistentVolumeClaim rhods-notebooks/census"
    assert create == dict(before={}, after=definitions[1], before_header="PersistentVolumeClaim rhods-notebooks/projects",
                          after_header="PersistentVolumeClaim rhods-notebooks/projects")


def test_immutable_changes_of_all_objects_are_refused_at_once(capsys, cluster):
    cluster.apply(STORAGE_CLASS, claim("census"))
    changed_class = dict(STORAGE_CLASS, parameters={"server": "b", "share": "/exports"})
    code, result = run_module(capsys, definitions=[changed_class, claim("census", size="10Gi"), claim("projects")])
    assert code == 1
    assert result["errors"] == [
        "StorageClass shared-rwx: parameters.server would change from 'a' to 'b' — StorageClass parameters are immutable; "
        "set shared_resources_storageclass_recreate: true to delete and recreate the class (existing PersistentVolumes keep "
        "their old settings)",
        "PersistentVolumeClaim rhods-notebooks/census: spec.resources.requests.storage would shrink from 50Gi to 10Gi — "
        "PVCs cannot shrink; restore the size or migrate the data to a new share",
    ]
    assert result["msg"].startswith("nothing can be applied:\n  - StorageClass shared-rwx: ")
    assert "apply" not in result


def test_allowed_recreate_is_planned_with_a_warning(capsys, cluster, monkeypatch):
    # Where module warnings go depends on what other tests imported; catch them at the source.
    warnings = []
    monkeypatch.setattr(k8s_plan.AnsibleK8SModule, "warn", lambda module, warning: warnings.append(warning))
    cluster.apply(STORAGE_CLASS)
    changed_class = dict(STORAGE_CLASS, parameters={"server": "b", "share": "/exports"})
    code, result = run_module(capsys, definitions=[changed_class, claim("census")], allow_recreate=["StorageClass"], _ansible_check_mode=True)
    assert code == 0
    assert result["changed"] is True
    assert result["recreate"] == [changed_class]
    assert result["apply"] == [changed_class, claim("census")]
    assert result["updates"] == []
    assert warnings == [
        "StorageClass shared-rwx will be deleted and recreated because parameters.server would change from 'a' to 'b'; "
        "existing PersistentVolumes keep their old settings"
    ]


def test_objects_sharing_kind_and_namespace_are_read_with_one_list(capsys, cluster):
    cluster.apply(NAMESPACE, claim("census"), claim("projects"))
    definitions = [NAMESPACE, claim("census"), claim("hr-records"), claim("projects")]
    code, result = run_module(capsys, definitions=definitions)
    assert result["unchanged"] == ["Namespace/rhods-notebooks", "PersistentVolumeClaim/rhods-notebooks/census",
                                   "PersistentVolumeClaim/rhods-notebooks/projects"]
    assert result["creates"] == ["PersistentVolumeClaim/rhods-notebooks/hr-records"]
    assert cluster.client.calls == [("Namespace", None, "rhods-notebooks", None), ("PersistentVolumeClaim", "rhods-notebooks", None, None)]


def test_orphans_are_labelled_objects_no_definition_names(capsys, cluster):
    cluster.apply(claim("census", managed="odh-rwx"), claim("old-share", managed="odh-rwx"), claim("foreign"))
    prune = dict(label_selector="managed=odh-rwx", kinds=[dict(api_version="v1", kind="PersistentVolumeClaim")], namespaces=["rhods-notebooks"])
    code, result = run_module(capsys, definitions=[claim("census", managed="odh-rwx")], prune=prune)
    assert result["orphans"] == [
        dict(
            apiVersion="v1",
            kind="PersistentVolumeClaim",
            metadata=dict(name="old-share", namespace="rhods-notebooks", labels=dict(managed="odh-rwx", share="old-share")),
        )
    ]
    assert [call for call in cluster.client.calls if call[3]] == [("PersistentVolumeClaim", "rhods-notebooks", None, "managed=odh-rwx")]


def test_unknown_kinds_and_missing_namespaces_name_their_definition(capsys, cluster):
    notebook = {"apiVersion": "kubeflow.org/v1", "kind": "Notebook", "metadata": {"name": "jupyter-nb-alice", "namespace": "rhods-notebooks"}}
    homeless = claim("census")
    del homeless["metadata"]["namespace"]
    prune = dict(label_selector="a=b", kinds=[dict(api_version="example.com/v1", kind="Share")])
    code, result = run_module(capsys, definitions=[claim("projects"), notebook, homeless], prune=prune)
    assert code == 1
    assert result["errors"] == [
        "definitions[1] (Notebook rhods-notebooks/jupyter-nb-alice): the cluster serves no kind Notebook in kubeflow.org/v1; "
        "is its CustomResourceDefinition installed?",
        "definitions[2] (PersistentVolumeClaim census): metadata.namespace is required, PersistentVolumeClaim is a namespaced kind",
        "prune.kinds example.com/v1 Share: the cluster serves no kind Share in example.com/v1; is its CustomResourceDefinition installed?",
    ]


def test_unreadable_object_fails_with_the_api_message(capsys, cluster):
    cluster.client.forbidden.add("census")
    code, result = run_module(capsys, definitions=[claim("census")])
    assert code == 1
    assert result["errors"] == ["definitions[0] (PersistentVolumeClaim rhods-notebooks/census): could not read the live object: 403 Reason: Forbidden"]


def test_incomplete_definitions_are_refused_before_any_api_call(capsys, cluster):
    code, result = run_module(capsys, definitions=[claim("census"), {"kind": "ConfigMap", "metadata": {}}, {"apiVersion": "v1"}])
    assert code == 1
    assert result["errors"] == ["definitions[1]: needs apiVersion and metadata.name", "definitions[2]: needs kind and metadata.name"]
    assert cluster.client.calls == []


def test_unreachable_cluster_fails_with_a_clear_message(capsys, monkeypatch):
    def unreachable(module):
        raise MaxRetryError(None, "/version", reason=ConnectionRefusedError("Connection refused"))

    monkeypatch.setattr(k8s_plan, "get_api_client", unreachable)
    code, result = run_module(capsys, definitions=[claim("census")])
    assert code == 1
    assert result["msg"] == "could not reach the Kubernetes API: Connection refused"


def test_missing_kubeconfig_fails_like_kubernetes_core(capsys, tmp_path):
    code, result = run_module(capsys, definitions=[claim("census")], kubeconfig=str(tmp_path / "missing"))
    assert code == 1
    assert result["msg"].startswith("Could not create API client")
