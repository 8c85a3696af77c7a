"""k8s_reconcile against the API emulator (tools/k8s_emulator): applies, deletions as changes, foreign and adopted
claims, conflicts with a concurrent writer, diffs, render mode.

The ``k8s_emulator`` fixture comes from tools.k8s_emulator.pytest_plugin, which pytest.ini loads.
"""

import copy
import json

import pytest
from ansible.module_utils.common.dict_transformations import dict_merge
from ansible.module_utils.testing import patch_module_args
from ansible_collections.kubernetes.core.plugins.module_utils.apply import annotate
from kubernetes import config, dynamic

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import manifests
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import parse_spec
from ansible_collections.odh_rwx.shared_resources.plugins.modules import k8s_reconcile
from tests.unit.conftest import EXAMPLE_SPEC

NAMESPACE = "rhods-notebooks"
PVC = ("v1", "PersistentVolumeClaim")
PRUNE = dict(label_selector=manifests.managed_selector(manifests.SHARED_VOLUME_COMPONENT),
             kinds=[dict(api_version="v1", kind="PersistentVolumeClaim")], namespaces=[NAMESPACE])


def spec_with(**share_changes):
    """The example spec, its first share changed."""
    data = copy.deepcopy(EXAMPLE_SPEC)
    data["shares"][0].update(share_changes)
    return parse_spec(data)


def share_objects(spec):
    return [dict(manifests.namespace_manifest(spec))] + [manifests.claim_manifest(spec, share) for share in spec.shares]


@pytest.fixture
def warnings(monkeypatch):
    """Module warnings, caught at the source (where they go depends on what other tests imported)."""
    caught = []
    monkeypatch.setattr(k8s_reconcile.AnsibleK8SModule, "warn", lambda module, warning: caught.append(warning))
    return caught


@pytest.fixture
def client(k8s_emulator):
    return dynamic.DynamicClient(config.new_client_from_config(config_file=k8s_emulator.kubeconfig))


def reconcile(capsys, k8s_emulator, definitions, **args):
    with patch_module_args(dict(kubeconfig=k8s_emulator.kubeconfig, definitions=definitions, **args)):
        with pytest.raises(SystemExit) as exited:
            k8s_reconcile.main()
    return exited.value.code, json.loads(capsys.readouterr().out)


def resource(client, api_version, kind):
    return client.resources.get(api_version=api_version, kind=kind)


def live_claim(client, name):
    return resource(client, *PVC).get(name=name, namespace=NAMESPACE).to_dict()


def test_apply_then_rerun_writes_nothing(capsys, k8s_emulator):
    objects = share_objects(spec_with())
    code, first = reconcile(capsys, k8s_emulator, objects)
    assert code == 0 and first["changed"] is True
    assert len(first["creates"]) == len(objects)
    k8s_emulator.reset_audit()
    code, again = reconcile(capsys, k8s_emulator, objects)
    assert again["changed"] is False and again["apply"] == [] and len(again["unchanged"]) == len(objects)
    assert k8s_emulator.writes() == []


def test_deletions_are_changes_with_a_diff_in_check_mode_and_in_a_real_run(capsys, k8s_emulator, warnings):
    spec = spec_with()
    reconcile(capsys, k8s_emulator, share_objects(spec))
    remaining = share_objects(spec)[:-2]  # the last two shares leave the spec
    gone = sorted(claim["metadata"]["name"] for claim in share_objects(spec)[-2:])  # orphans come as listed, by name
    prune = dict(PRUNE, delete=True)

    k8s_emulator.reset_audit()
    code, check = reconcile(capsys, k8s_emulator, remaining, prune=prune, _ansible_check_mode=True, _ansible_diff=True)
    assert code == 0 and check["changed"] is True
    assert [reference["metadata"]["name"] for reference in check["delete"]] == gone
    headers = [entry["after_header"] for entry in check["diff"]]
    assert headers == ["PersistentVolumeClaim %s/%s (deleted)" % (NAMESPACE, name) for name in gone]
    assert "name: %s" % gone[0] in check["diff"][0]["before"] and check["diff"][0]["after"] == ""
    assert [event for event in k8s_emulator.audit_events() if event["verb"] not in ("get", "list")] == []

    code, real = reconcile(capsys, k8s_emulator, remaining, prune=prune, _ansible_diff=True)
    assert code == 0 and real["changed"] is True
    assert [entry["after_header"] for entry in real["diff"]] == headers
    assert sorted(event["objectRef"]["name"] for event in k8s_emulator.writes()) == sorted(gone)
    assert warnings == []


def test_prune_keeps_what_it_may_not_delete_and_says_why(capsys, k8s_emulator, client, warnings):
    spec = spec_with()
    objects = share_objects(spec)
    reconcile(capsys, k8s_emulator, objects)
    # A claim someone else made with the collection's labels (a copy), and one without any of them.
    copied = copy.deepcopy(objects[1])
    copied["metadata"]["name"] = "copied"
    resource(client, *PVC).create(body=copied, namespace=NAMESPACE)
    restricted = [claim for claim in objects[1:] if claim["metadata"]["labels"][manifests.RESTRICTED_LABEL] == "true"]
    keep = [dict(label_selectors=["%s=true" % manifests.RESTRICTED_LABEL], reason="restricted")]
    k8s_emulator.reset_audit()
    code, result = reconcile(capsys, k8s_emulator, [objects[0]], prune=dict(PRUNE, delete=True, keep=keep))
    assert code == 0
    kept = dict((entry["object"].rsplit("/", 1)[1], entry["reason"]) for entry in result["kept"])
    assert kept["copied"].startswith("the collection did not create it")
    assert all(kept[claim["metadata"]["name"]] == "restricted" for claim in restricted)
    deleted = sorted(event["objectRef"]["name"] for event in k8s_emulator.writes())
    assert deleted == sorted(claim["metadata"]["name"] for claim in objects[1:] if claim not in restricted)
    assert len(warnings) == len(kept) and all("is no longer declared and is kept" in warning for warning in warnings)


def foreign_claim(client, name, labels=None):
    """A claim its owner applied with kubectl (so with a last-applied annotation of its own), labelled owner=radiology."""
    claim = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": labels or {"owner": "radiology"},
                     "annotations": {"team.example.com/contact": "radiology@example.com"}},
        "spec": {"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": "3Gi"}}},
    }
    claim["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] = json.dumps(claim)
    resource(client, "v1", "Namespace").create(body={"metadata": {"name": NAMESPACE}})
    resource(client, *PVC).create(body=claim, namespace=NAMESPACE)
    return live_claim(client, name)


def test_a_foreign_claim_is_refused_before_any_write(capsys, k8s_emulator, client):
    foreign_claim(client, "radiology-data")
    spec = spec_with(claim_name="radiology-data")
    k8s_emulator.reset_audit()
    code, result = reconcile(capsys, k8s_emulator, share_objects(spec))
    assert code == 1
    (error,) = result["errors"]
    share = spec.shares[0].name
    assert error.startswith("PersistentVolumeClaim %s/radiology-data: exists, and the collection did not create it" % NAMESPACE)
    assert "Set adopt: true on share %r" % share in error
    assert k8s_emulator.writes() == []


def test_an_adopted_claim_only_gets_the_collections_labels_and_is_never_deleted(capsys, k8s_emulator, client, warnings):
    before = foreign_claim(client, "radiology-data")
    spec = spec_with(claim_name="radiology-data", adopt=True, display_name="Radiology")
    objects = share_objects(spec)
    code, result = reconcile(capsys, k8s_emulator, objects)
    assert code == 0, result
    after = live_claim(client, "radiology-data")
    assert after["spec"] == before["spec"]
    for field in ("labels", "annotations"):
        assert before["metadata"][field].items() <= after["metadata"][field].items(), field
    assert after["metadata"]["labels"][manifests.SHARE_LABEL] == spec.shares[0].name
    assert after["metadata"]["annotations"][manifests.ADOPTED_ANNOTATION] == "true"
    assert manifests.OWNERSHIP_ANNOTATION not in after["metadata"]["annotations"]
    k8s_emulator.reset_audit()
    assert reconcile(capsys, k8s_emulator, objects)[1]["changed"] is False
    assert k8s_emulator.writes() == []

    # The share leaves the spec: its claim stays, even with deletion asked for.
    code, result = reconcile(capsys, k8s_emulator, objects[:1] + objects[2:], prune=dict(PRUNE, delete=True))
    assert result["kept"] == [dict(object="PersistentVolumeClaim/%s/radiology-data" % NAMESPACE,
                                   reason="adopted (shares[].adopt): the collection did not create it and never deletes it")]
    assert live_claim(client, "radiology-data")["metadata"]["uid"] == before["metadata"]["uid"]


def test_adopting_a_missing_claim_is_refused(capsys, k8s_emulator):
    code, result = reconcile(capsys, k8s_emulator, share_objects(spec_with(claim_name="radiology-data", adopt=True)))
    assert code == 1
    assert "has adopt: true, but the claim does not exist" in result["errors"][0]


def test_a_create_another_run_made_meanwhile_is_no_error(capsys, k8s_emulator, client, monkeypatch):
    """Two runs plan the same object as new; the second one's create answers 409 AlreadyExists."""
    objects = share_objects(spec_with())
    send = k8s_reconcile.Writer.send

    def send_after_the_other_run(writer, definition, live):
        if definition["kind"] == "PersistentVolumeClaim" and live is None:
            # as the other run's kubernetes.core apply creates it: with the last-applied annotation
            applied = dict_merge(copy.deepcopy(definition), annotate(definition))
            resource(client, *PVC).create(body=applied, namespace=NAMESPACE)
        return send(writer, definition, live)

    monkeypatch.setattr(k8s_reconcile.Writer, "send", send_after_the_other_run)
    code, result = reconcile(capsys, k8s_emulator, objects)
    assert code == 0, result
    claims = [ref for ref in result["unchanged"] if ref.startswith("PersistentVolumeClaim/")]
    assert len(claims) == len(objects) - 1 and result["creates"] == ["Namespace/%s" % NAMESPACE]


def test_a_create_with_other_content_meanwhile_stops_the_run(capsys, k8s_emulator, client, monkeypatch):
    objects = share_objects(spec_with())
    send = k8s_reconcile.Writer.send

    def send_after_someone_else(writer, definition, live):
        if definition["kind"] == "PersistentVolumeClaim":
            other = copy.deepcopy(definition)
            other["spec"]["resources"]["requests"]["storage"] = "7Gi"
            client.resources.get(api_version="v1", kind="PersistentVolumeClaim").create(body=other, namespace=NAMESPACE)
        return send(writer, definition, live)

    monkeypatch.setattr(k8s_reconcile.Writer, "send", send_after_someone_else)
    code, result = reconcile(capsys, k8s_emulator, objects)
    assert code == 1
    assert "was written by someone else while this run applied it, with other content" in result["msg"]
    assert "written before: Namespace/%s" % NAMESPACE in result["msg"]


def test_a_patch_of_an_object_changed_since_it_was_read_is_left_for_the_next_run(capsys, k8s_emulator, client, warnings):
    reconcile(capsys, k8s_emulator, share_objects(spec_with()))
    claim = live_claim(client, spec_with().shares[0].claim_name)
    patch = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
             "metadata": {"name": claim["metadata"]["name"], "namespace": NAMESPACE, "resourceVersion": claim["metadata"]["resourceVersion"],
                          "labels": {"extra": "mine"}}}
    resource(client, *PVC).patch(body={"metadata": {"labels": {"someone": "else"}}}, name=claim["metadata"]["name"], namespace=NAMESPACE,
                                 content_type="application/merge-patch+json")
    code, result = reconcile(capsys, k8s_emulator, [patch], method="merge")
    assert code == 0, result
    assert warnings == ["PersistentVolumeClaim %s/%s was changed by someone else since this run read it: left for the next run"
                        % (NAMESPACE, claim["metadata"]["name"])]
    assert "extra" not in live_claim(client, claim["metadata"]["name"])["metadata"]["labels"]


def test_diffs_are_yaml_lines_with_secrets_hidden_and_no_line_over_a_thousand_characters(capsys, k8s_emulator):
    script = "#!/bin/sh\n" + "echo " + "x" * 31000 + "\n"
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "script", "namespace": "default"}, "data": {"run": script}}
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "key", "namespace": "default"}, "stringData": {"tls.key": "PRIVATE"}}
    code, result = reconcile(capsys, k8s_emulator, [config_map, secret], _ansible_check_mode=True, _ansible_diff=True)
    texts = [entry["after"] for entry in result["diff"]]
    assert "run: |\n    #!/bin/sh\n" in texts[0]
    assert max(len(line) for text in texts for line in text.splitlines()) <= 1000
    assert "31009 characters, sha256 " in texts[0]  # the line with its YAML indentation
    assert "PRIVATE" not in json.dumps(result["diff"]) and "tls.key: <hidden" in texts[1]


def test_render_mode_contacts_no_cluster(capsys, tmp_path):
    objects = share_objects(spec_with())
    with patch_module_args(dict(definitions=objects, render_dir=str(tmp_path), kubeconfig=str(tmp_path / "none"),
                                prune=dict(PRUNE, delete=True), delete=[objects[1]])):
        with pytest.raises(SystemExit) as exited:
            k8s_reconcile.main()
    result = json.loads(capsys.readouterr().out)
    assert exited.value.code == 0, result
    assert len(result["written"]) == len(objects) and result["delete"] == []
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(path.rsplit("/", 1)[1] for path in result["files"])
