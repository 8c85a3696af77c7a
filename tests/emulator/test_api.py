"""API semantics of the emulator, exercised over HTTP."""

import pytest

from tests.emulator.helpers import call

NS = "/api/v1/namespaces"
SC = "/apis/storage.k8s.io/v1/storageclasses"
MERGE = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"


def configmap(name="cfg", data=None, **meta):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, **meta}, "data": data or {"a": "1"}}


def storage_class(name="rwx", **fields):
    return {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": name},
            "provisioner": "nfs.csi.k8s.io", "parameters": {"server": "nfs"}, **fields}


def pvc(name="data", size="1Gi", storage_class_name="rwx", **spec):
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name},
            "spec": {"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": size}},
                     "storageClassName": storage_class_name, **spec}}


def deployment(name="web"):
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "containers": [
                        {"name": "app", "image": "app:1", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
                        {"name": "sidecar", "image": "side:1"},
                    ],
                    "volumes": [{"name": "data", "emptyDir": {}}, {"name": "cache", "emptyDir": {}}],
                },
            },
        },
    }


@pytest.fixture
def url(k8s_emulator):
    return k8s_emulator.url


def create(url, path, body, query=""):
    code, obj, _ = call(url, "POST", path + query, body)
    assert code == 201, obj
    return obj


# -- discovery -------------------------------------------------------------------


def test_discovery_lists_every_builtin_group(url):
    code, groups, _ = call(url, "GET", "/apis")
    names = {g["name"] for g in groups["groups"]}
    assert {"apps", "batch", "storage.k8s.io", "rbac.authorization.k8s.io", "apiextensions.k8s.io",
            "networking.k8s.io", "policy", "autoscaling", "coordination.k8s.io"} <= names
    autoscaling = next(g for g in groups["groups"] if g["name"] == "autoscaling")
    assert autoscaling["preferredVersion"]["version"] == "v2"
    code, core, _ = call(url, "GET", "/api/v1")
    by_name = {r["name"]: r for r in core["resources"]}
    assert by_name["persistentvolumeclaims"]["namespaced"] is True
    assert by_name["persistentvolumes"]["namespaced"] is False
    assert by_name["pods/log"]["kind"] == "Pod"
    assert "watch" in by_name["configmaps"]["verbs"]
    code, apps, _ = call(url, "GET", "/apis/apps/v1")
    scale = next(r for r in apps["resources"] if r["name"] == "deployments/scale")
    assert (scale["group"], scale["version"], scale["kind"]) == ("autoscaling", "v1", "Scale")
    assert call(url, "GET", "/apis/nope.example.com")[0] == 404
    assert call(url, "GET", "/version")[1]["major"] == "1"


@pytest.mark.parametrize("api_version,kind", [
    ("storage.k8s.io/v1", "StorageClass"), ("v1", "PersistentVolumeClaim"), ("batch/v1", "Job"),
    ("v1", "ConfigMap"), ("v1", "Namespace"), ("v1", "ResourceQuota"), ("rbac.authorization.k8s.io/v1", "Role"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"), ("v1", "ServiceAccount"), ("batch/v1", "CronJob"),
])
def test_dynamic_client_resolves_builtin_kinds(dyn, api_version, kind):
    resource = dyn.resources.get(api_version=api_version, kind=kind)
    assert resource.kind == kind
    resource.get()  # list works through the resolved path


# -- CRUD, selectors, errors ----------------------------------------------------------


def test_create_get_list_update_delete(url):
    created = create(url, f"{NS}/default/configmaps", configmap(labels={"app": "x"}))
    meta = created["metadata"]
    assert meta["uid"] and meta["resourceVersion"] and meta["creationTimestamp"]
    code, got, _ = call(url, "GET", f"{NS}/default/configmaps/cfg")
    assert code == 200 and got["data"] == {"a": "1"} and got["kind"] == "ConfigMap"
    got["data"]["a"] = "2"
    code, updated, _ = call(url, "PUT", f"{NS}/default/configmaps/cfg", got)
    assert code == 200 and int(updated["metadata"]["resourceVersion"]) > int(meta["resourceVersion"])
    code, status, _ = call(url, "PUT", f"{NS}/default/configmaps/cfg", got)  # stale resourceVersion
    assert code == 409 and status["reason"] == "Conflict"
    code, status, _ = call(url, "DELETE", f"{NS}/default/configmaps/cfg")
    assert code == 200 and status["status"] == "Success"
    assert call(url, "GET", f"{NS}/default/configmaps/cfg")[0] == 404


def test_label_and_field_selectors_and_all_namespaces(url):
    create(url, NS, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}})
    create(url, f"{NS}/default/configmaps", configmap("a", labels={"tier": "web", "env": "prod"}))
    create(url, f"{NS}/default/configmaps", configmap("b", labels={"tier": "db"}))
    create(url, f"{NS}/other/configmaps", configmap("c", labels={"tier": "web"}))

    def names(query, path="/api/v1/configmaps"):
        return sorted(i["metadata"]["name"] for i in call(url, "GET", path + query)[1]["items"])

    assert names("") == ["a", "b", "c"]
    assert names("?labelSelector=tier%3Dweb") == ["a", "c"]
    assert names("?labelSelector=tier%20in%20(web,db),env") == ["a"]
    assert names("?labelSelector=!env,tier!%3Ddb") == ["c"]
    assert names("?labelSelector=tier%20notin%20(web)") == ["b"]
    assert names("?fieldSelector=metadata.name%3Db") == ["b"]
    assert names("?fieldSelector=metadata.namespace%3Dother") == ["c"]
    assert names("", f"{NS}/other/configmaps") == ["c"]


def test_error_status_shapes(url):
    code, status, _ = call(url, "GET", f"{NS}/default/configmaps/missing")
    assert code == 404 and status["kind"] == "Status" and status["status"] == "Failure"
    assert status["reason"] == "NotFound" and status["details"] == {"name": "missing", "kind": "configmaps"}
    assert status["message"] == 'configmaps "missing" not found'
    create(url, f"{NS}/default/configmaps", configmap())
    code, status, _ = call(url, "POST", f"{NS}/default/configmaps", configmap())
    assert (code, status["reason"]) == (409, "AlreadyExists")
    code, status, _ = call(url, "POST", f"{NS}/default/configmaps", configmap("Bad_Name"))
    assert (code, status["reason"]) == (422, "Invalid")
    assert status["details"]["causes"][0]["field"] == "metadata.name"
    code, status, _ = call(url, "POST", f"{NS}/nowhere/configmaps", configmap())
    assert code == 404 and status["message"] == 'namespaces "nowhere" not found'
    code, status, _ = call(url, "POST", "/api/v1/configmaps", configmap())
    assert code == 405
    code, status, _ = call(url, "POST", f"{NS}/default/configmaps", "{not json")
    assert (code, status["reason"]) == (400, "BadRequest")


def test_generate_name(url):
    body = configmap()
    body["metadata"] = {"generateName": "gen-"}
    created = create(url, f"{NS}/default/configmaps", body)
    assert created["metadata"]["name"].startswith("gen-") and len(created["metadata"]["name"]) == 9


def test_schema_validation_types_required_and_unknown_fields(url):
    bad_type = pvc()
    bad_type["spec"]["accessModes"] = "ReadWriteMany"
    code, status, _ = call(url, "POST", f"{NS}/default/persistentvolumeclaims", bad_type)
    assert code == 400 and "cannot be handled as a PersistentVolumeClaim" in status["message"]
    missing = storage_class()
    del missing["provisioner"]
    code, status, _ = call(url, "POST", SC, missing)
    assert code == 422 and status["details"]["causes"][0] == {
        "reason": "FieldValueRequired", "message": "Required value", "field": "provisioner"}
    unknown = configmap()
    unknown["bogus"] = 1
    code, status, _ = call(url, "POST", f"{NS}/default/configmaps?fieldValidation=Strict", unknown)
    assert code == 400 and status["message"] == 'strict decoding error: unknown field "bogus"'
    code, obj, headers = call(url, "POST", f"{NS}/default/configmaps", unknown)
    assert code == 201 and "bogus" not in obj
    assert headers["Warning"] == '299 - "unknown field \\"bogus\\""'
    bad_enum = pvc("enum")
    bad_enum["spec"]["accessModes"] = ["ReadWriteSometimes"]
    code, status, _ = call(url, "POST", f"{NS}/default/persistentvolumeclaims", bad_enum)
    assert code == 422 and "Unsupported value" in status["message"]


def test_defaults_like_the_real_server(url):
    created = create(url, SC, storage_class())
    assert (created["reclaimPolicy"], created["volumeBindingMode"]) == ("Delete", "Immediate")
    claim = create(url, f"{NS}/default/persistentvolumeclaims", pvc())
    assert claim["spec"]["volumeMode"] == "Filesystem"
    code, namespace, _ = call(url, "GET", f"{NS}/default")
    assert namespace["status"]["phase"] == "Active"


# -- patches, no-op writes and dry run ----------------------------------------------------


def test_strategic_merge_patch_merges_containers_volumes_env_by_name(url):
    create(url, "/apis/apps/v1/namespaces/default/deployments", deployment())
    patch = {"spec": {"template": {"spec": {
        "containers": [{"name": "app", "image": "app:2", "env": [{"name": "B", "value": "3"}, {"name": "C", "value": "4"}]},
                       {"name": "sidecar", "$patch": "delete"}],
        "volumes": [{"name": "cache", "$patch": "delete"}, {"name": "extra", "emptyDir": {}}],
    }}}}
    code, obj, _ = call(url, "PATCH", "/apis/apps/v1/namespaces/default/deployments/web", patch, STRATEGIC)
    assert code == 200, obj
    pod_spec = obj["spec"]["template"]["spec"]
    assert [c["name"] for c in pod_spec["containers"]] == ["app"]
    assert pod_spec["containers"][0]["image"] == "app:2"
    assert pod_spec["containers"][0]["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "3"}, {"name": "C", "value": "4"}]
    assert [v["name"] for v in pod_spec["volumes"]] == ["data", "extra"]
    assert obj["metadata"]["generation"] == 2
    replace = {"spec": {"template": {"spec": {"volumes": [{"$patch": "replace"}, {"name": "only", "emptyDir": {}}]}}}}
    code, obj, _ = call(url, "PATCH", "/apis/apps/v1/namespaces/default/deployments/web", replace, STRATEGIC)
    assert [v["name"] for v in obj["spec"]["template"]["spec"]["volumes"]] == ["only"]


def test_merge_patch_replaces_lists_and_json_patch(url):
    create(url, "/apis/apps/v1/namespaces/default/deployments", deployment())
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "solo", "image": "solo:1"}]}}}}
    code, obj, _ = call(url, "PATCH", "/apis/apps/v1/namespaces/default/deployments/web", patch, MERGE)
    assert [c["name"] for c in obj["spec"]["template"]["spec"]["containers"]] == ["solo"]
    ops = [{"op": "replace", "path": "/spec/replicas", "value": 3}, {"op": "add", "path": "/metadata/labels", "value": {"x": "y"}}]
    code, obj, _ = call(url, "PATCH", "/apis/apps/v1/namespaces/default/deployments/web", ops, JSON_PATCH)
    assert code == 200 and obj["spec"]["replicas"] == 3 and obj["metadata"]["labels"] == {"x": "y"}
    code, status, _ = call(url, "PATCH", "/apis/apps/v1/namespaces/default/deployments/web",
                           [{"op": "test", "path": "/spec/replicas", "value": 9}], JSON_PATCH)
    assert code == 422


def test_noop_patch_and_update_keep_resource_version(k8s_emulator, url):
    created = create(url, "/apis/apps/v1/namespaces/default/deployments", deployment())
    before = call(url, "GET", "/apis/apps/v1/namespaces/default/deployments/web")[1]
    for content_type in (STRATEGIC, MERGE):
        code, obj, _ = call(url, "PATCH", "/apis/apps/v1/namespaces/default/deployments/web", deployment(), content_type)
        assert code == 200
        assert obj["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
        assert obj["metadata"]["generation"] == created["metadata"]["generation"] == 1
    code, obj, _ = call(url, "PUT", "/apis/apps/v1/namespaces/default/deployments/web", before)
    assert obj["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    noop_writes = [e for e in k8s_emulator.writes() if e["objectRef"].get("name") == "web"]
    assert len(noop_writes) == 3 and not [e for e in noop_writes if e["annotations"]["emulator.odh-rwx.io/mutated"] == "true"]


def test_server_side_apply_creates_then_merges(url):
    path = f"{NS}/default/configmaps/applied?fieldManager=test"
    code, obj, _ = call(url, "PATCH", path, configmap("applied"), "application/apply-patch+yaml")
    assert code == 201 and obj["data"] == {"a": "1"}
    code, obj, _ = call(url, "PATCH", path, configmap("applied", {"b": "2"}), "application/apply-patch+yaml")
    assert code == 200 and obj["data"] == {"a": "1", "b": "2"}


def test_dry_run_stores_nothing(k8s_emulator, url):
    code, obj, _ = call(url, "POST", f"{NS}/default/configmaps?dryRun=All", configmap())
    assert code == 201 and obj["metadata"]["name"] == "cfg"
    assert call(url, "GET", f"{NS}/default/configmaps/cfg")[0] == 404
    create(url, f"{NS}/default/configmaps", configmap())
    code, obj, _ = call(url, "PATCH", f"{NS}/default/configmaps/cfg?dryRun=All", {"data": {"a": "9"}}, MERGE)
    assert code == 200 and obj["data"] == {"a": "9"}
    assert call(url, "GET", f"{NS}/default/configmaps/cfg")[1]["data"] == {"a": "1"}
    assert call(url, "DELETE", f"{NS}/default/configmaps/cfg?dryRun=All")[0] == 200
    assert call(url, "GET", f"{NS}/default/configmaps/cfg")[0] == 200
    dry = [e for e in k8s_emulator.audit_events() if e.get("dryRun")]
    assert len(dry) == 3 and all(e["annotations"]["emulator.odh-rwx.io/dry-run"] == "true" for e in dry)
    assert len(k8s_emulator.writes()) == 1


# -- immutable fields ----------------------------------------------------------------


def test_storage_class_immutable_fields(url):
    create(url, SC, storage_class())
    code, status, _ = call(url, "PATCH", f"{SC}/rwx", {"parameters": {"server": "other"}}, MERGE)
    assert code == 422 and status["reason"] == "Invalid"
    assert status["message"] == 'StorageClass.storage.k8s.io "rwx" is invalid: parameters: Forbidden: updates to parameters are forbidden.'
    code, status, _ = call(url, "PATCH", f"{SC}/rwx", {"reclaimPolicy": "Retain", "provisioner": "x"}, MERGE)
    fields = {c["field"] for c in status["details"]["causes"]}
    assert code == 422 and fields == {"reclaimPolicy", "provisioner"}
    code, status, _ = call(url, "PATCH", f"{SC}/rwx", {"volumeBindingMode": "WaitForFirstConsumer"}, MERGE)
    assert code == 422 and "field is immutable" in status["message"]
    code, obj, _ = call(url, "PATCH", f"{SC}/rwx", {"allowVolumeExpansion": True, "metadata": {"labels": {"a": "b"}}}, MERGE)
    assert code == 200


def test_pvc_binding_growth_and_refusals(url):
    create(url, SC, storage_class(allowVolumeExpansion=True))
    create(url, f"{NS}/default/persistentvolumeclaims", pvc())
    claim = call(url, "GET", f"{NS}/default/persistentvolumeclaims/data")[1]
    assert claim["status"]["phase"] == "Bound" and claim["status"]["capacity"] == {"storage": "1Gi"}
    volume = call(url, "GET", f"/api/v1/persistentvolumes/{claim['spec']['volumeName']}")[1]
    assert volume["metadata"]["name"] == f"pvc-{claim['metadata']['uid']}"
    assert volume["spec"]["claimRef"]["name"] == "data" and volume["spec"]["persistentVolumeReclaimPolicy"] == "Delete"
    assert volume["spec"]["storageClassName"] == "rwx" and volume["status"]["phase"] == "Bound"
    path = f"{NS}/default/persistentvolumeclaims/data"
    code, status, _ = call(url, "PATCH", path, {"spec": {"resources": {"requests": {"storage": "512Mi"}}}}, STRATEGIC)
    assert code == 422
    assert status["details"]["causes"][0]["message"] == "Forbidden: field can not be less than previous value"
    code, status, _ = call(url, "PATCH", path, {"spec": {"accessModes": ["ReadWriteOnce"]}}, STRATEGIC)
    assert code == 422 and status["message"].endswith(
        "spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims")
    code, grown, _ = call(url, "PATCH", path, {"spec": {"resources": {"requests": {"storage": "2Gi"}}}}, STRATEGIC)
    assert code == 200
    assert call(url, "GET", path)[1]["status"]["capacity"] == {"storage": "2Gi"}
    call(url, "DELETE", path)
    assert call(url, "GET", f"/api/v1/persistentvolumes/{claim['spec']['volumeName']}")[0] == 404


def test_pvc_resize_refused_without_volume_expansion(url):
    create(url, SC, storage_class())
    create(url, f"{NS}/default/persistentvolumeclaims", pvc())
    code, status, _ = call(url, "PATCH", f"{NS}/default/persistentvolumeclaims/data",
                           {"spec": {"resources": {"requests": {"storage": "2Gi"}}}}, MERGE)
    assert code == 403 and "must support resize" in status["message"]


def test_static_binding_to_existing_volume(url):
    volume = {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "share"},
              "spec": {"capacity": {"storage": "5Gi"}, "accessModes": ["ReadWriteMany"], "storageClassName": "",
                       "nfs": {"server": "nfs", "path": "/x"}}}
    create(url, "/api/v1/persistentvolumes", volume)
    create(url, f"{NS}/default/persistentvolumeclaims", pvc(size="5Gi", storage_class_name="", volumeName="share"))
    claim = call(url, "GET", f"{NS}/default/persistentvolumeclaims/data")[1]
    assert claim["status"]["phase"] == "Bound"
    volume = call(url, "GET", "/api/v1/persistentvolumes/share")[1]
    assert volume["spec"]["claimRef"]["uid"] == claim["metadata"]["uid"]
    call(url, "DELETE", f"{NS}/default/persistentvolumeclaims/data")
    assert call(url, "GET", "/api/v1/persistentvolumes/share")[1]["status"]["phase"] == "Released"


def test_volume_source_is_immutable_mount_options_and_capacity_are_not(url):
    volume = {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "share"},
              "spec": {"capacity": {"storage": "5Gi"}, "accessModes": ["ReadWriteMany"], "mountOptions": ["nfsvers=4.1"],
                       "csi": {"driver": "nfs.csi.k8s.io", "volumeHandle": "h", "volumeAttributes": {"server": "nfs", "share": "/x"}}}}
    create(url, "/api/v1/persistentvolumes", volume)
    code, status, _ = call(url, "PATCH", "/api/v1/persistentvolumes/share", {"spec": {"csi": {"volumeHandle": "other"}}}, MERGE)
    assert code == 422 and status["message"].endswith("spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation")
    code, patched, _ = call(url, "PATCH", "/api/v1/persistentvolumes/share",
                            {"spec": {"mountOptions": ["nfsvers=4.1", "ro"], "capacity": {"storage": "8Gi"}}}, MERGE)
    assert code == 200 and patched["spec"]["mountOptions"] == ["nfsvers=4.1", "ro"]


def test_unbound_claim_waits_for_its_storage_class(url):
    create(url, f"{NS}/default/persistentvolumeclaims", pvc(storage_class_name="later"))
    assert call(url, "GET", f"{NS}/default/persistentvolumeclaims/data")[1]["status"]["phase"] == "Pending"


# -- jobs, pods, logs, cascading deletes -------------------------------------------------


def job(name="migrate", **annotations):
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name, "annotations": annotations},
            "spec": {"backoffLimit": 1, "template": {"spec": {"restartPolicy": "Never",
                                                               "containers": [{"name": "c", "image": "busybox"}]}}}}


def test_job_completes_with_an_owned_succeeded_pod(url):
    created = create(url, "/apis/batch/v1/namespaces/default/jobs", job())
    got = call(url, "GET", "/apis/batch/v1/namespaces/default/jobs/migrate")[1]
    status = got["status"]
    assert status["succeeded"] == 1 and status["startTime"] and status["completionTime"]
    assert {c["type"] for c in status["conditions"]} == {"Complete", "SuccessCriteriaMet"}
    pods = call(url, "GET", f"{NS}/default/pods?labelSelector=job-name%3Dmigrate")[1]["items"]
    assert len(pods) == 1 and pods[0]["status"]["phase"] == "Succeeded"
    labels = pods[0]["metadata"]["labels"]
    assert labels["batch.kubernetes.io/job-name"] == "migrate" and labels["controller-uid"] == created["metadata"]["uid"]
    assert pods[0]["metadata"]["ownerReferences"][0]["uid"] == created["metadata"]["uid"]
    code, status, _ = call(url, "PATCH", "/apis/batch/v1/namespaces/default/jobs/migrate",
                           {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "other"}]}}}}, STRATEGIC)
    assert code == 422 and "spec.template" in status["message"]
    call(url, "DELETE", "/apis/batch/v1/namespaces/default/jobs/migrate")
    assert call(url, "GET", f"{NS}/default/pods")[1]["items"] == []


def test_failed_job_exposes_pod_log(url):
    create(url, "/apis/batch/v1/namespaces/default/jobs",
           job(**{"emulator.odh-rwx.io/fail": "true", "emulator.odh-rwx.io/log": "one\ntwo\nthree\n"}))
    status = call(url, "GET", "/apis/batch/v1/namespaces/default/jobs/migrate")[1]["status"]
    assert status["failed"] == 2 and any(c["type"] == "Failed" for c in status["conditions"])
    pods = call(url, "GET", f"{NS}/default/pods?labelSelector=job-name%3Dmigrate")[1]["items"]
    assert {p["status"]["phase"] for p in pods} == {"Failed"}
    name = pods[0]["metadata"]["name"]
    code, log, _ = call(url, "GET", f"{NS}/default/pods/{name}/log?tailLines=2")
    assert code == 200 and log == "two\nthree\n"


def test_namespace_deletion_removes_contents(url):
    create(url, NS, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    create(url, f"{NS}/team/configmaps", configmap())
    assert call(url, "DELETE", f"{NS}/team")[0] == 200
    assert call(url, "GET", "/api/v1/configmaps?fieldSelector=metadata.namespace%3Dteam")[1]["items"] == []


# -- custom resources ---------------------------------------------------------------------


def notebook_crd(scope="Namespaced"):
    return {
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "notebooks.kubeflow.org"},
        "spec": {
            "group": "kubeflow.org", "scope": scope,
            "names": {"plural": "notebooks", "singular": "notebook", "kind": "Notebook", "listKind": "NotebookList"},
            "versions": [{
                "name": "v1", "served": True, "storage": True, "subresources": {"status": {}},
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                    "spec": {"type": "object", "required": ["size"], "properties": {
                        "size": {"type": "integer", "minimum": 1},
                        "template": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}},
                    "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}}},
            }],
        },
    }


def test_crd_becomes_a_served_resource(url, dyn):
    create(url, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", notebook_crd())
    crd = call(url, "GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/notebooks.kubeflow.org")[1]
    assert any(c["type"] == "Established" and c["status"] == "True" for c in crd["status"]["conditions"])
    resources = call(url, "GET", "/apis/kubeflow.org/v1")[1]["resources"]
    assert {r["name"] for r in resources} == {"notebooks", "notebooks/status"}
    base = f"/apis/kubeflow.org/v1/namespaces/default/notebooks"
    nb = {"apiVersion": "kubeflow.org/v1", "kind": "Notebook", "metadata": {"name": "nb"},
          "spec": {"size": 2, "template": {"anything": {"goes": True}}, "dropped": 1}, "status": {"x": 1}}
    created = create(url, base, nb)
    assert created["spec"] == {"size": 2, "template": {"anything": {"goes": True}}} and "status" not in created
    assert created["metadata"]["generation"] == 1
    bad = dict(nb, spec={"size": "two"})
    code, status, _ = call(url, "POST", base, dict(bad, metadata={"name": "bad"}))
    assert code == 422 and "must be of type integer" in status["message"]
    code, status, _ = call(url, "POST", base, dict(nb, metadata={"name": "small"}, spec={"size": 0}))
    assert code == 422
    code, status, _ = call(url, "PATCH", f"{base}/nb", {"spec": {"size": 3}}, STRATEGIC)
    assert code == 415
    code, obj, _ = call(url, "PUT", f"{base}/nb/status", dict(created, status={"ready": True}))
    assert code == 200 and obj["status"] == {"ready": True} and obj["metadata"]["generation"] == 1
    assert dyn.resources.get(api_version="kubeflow.org/v1", kind="Notebook").get(namespace="default").items[0].metadata.name == "nb"
    call(url, "DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/notebooks.kubeflow.org")
    assert call(url, "GET", "/apis/kubeflow.org/v1")[0] == 404


def test_cluster_scoped_crd(url):
    crd = notebook_crd(scope="Cluster")
    crd["metadata"]["name"] = "groups.user.openshift.io"
    crd["spec"].update(group="user.openshift.io", names={"plural": "groups", "kind": "Group"})
    crd["spec"]["versions"][0]["schema"] = {"openAPIV3Schema": {"type": "object", "properties": {
        "users": {"type": "array", "items": {"type": "string"}}}}}
    create(url, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)
    group = {"apiVersion": "user.openshift.io/v1", "kind": "Group", "metadata": {"name": "admins"}, "users": ["a"]}
    assert create(url, "/apis/user.openshift.io/v1/groups", group)["users"] == ["a"]


# -- watch ------------------------------------------------------------------------------


def test_watch_streams_current_objects_then_times_out(url):
    create(url, f"{NS}/default/configmaps", configmap())
    code, body, _ = call(url, "GET", f"{NS}/default/configmaps?watch=true&timeoutSeconds=1")
    assert code == 200
    assert body["type"] == "ADDED" and body["object"]["metadata"]["name"] == "cfg"
