"""The admission webhook's decisions (plugins/module_utils/admission.py) on reviews shaped like the dashboard's writes.

Notebooks and requests come from tests/support/odh_dashboard.py (the dashboard's own shapes, cited there);
JSON patches are applied with the jsonpatch library, merge patches as the API server does (RFC 7386).
"""

import base64
import copy
import json

import jsonpatch
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import admission
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import notebooks as nb
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import parse_spec
from tests.support import odh_dashboard as dashboard
from tests.support.strategies import organisations

NAMESPACE = "rhods-notebooks"
LMOD = {"share": "census", "source": {"type": "image", "image": "quay.io/example/apps:1", "path": "/apps"}}
MODULEPATH = "/opt/app-root/src/shared/public/census/current/modulefiles"


@pytest.fixture
def spec_data(example_spec):
    example_spec["lmod"] = LMOD
    example_spec["jupyterhub"] = {
        "flavor": "odh_notebooks",
        "notebook_namespaces": [NAMESPACE, {"name": "team-a", "groups": ["team-a", "analysts"]}, "lab"],
    }
    return example_spec


@pytest.fixture
def config(spec_data):
    return admission.access_map(spec_data, spec_data["users"], {"team-a": ["census", "projects"], "lab": ["census"]})


@pytest.fixture
def rules(config):
    return admission.rules_from_access_map(json.loads(admission.access_map_text(config)))


def decide(rules, operation, obj, old=None):
    return admission.decide(rules, admission.review_request(dashboard.admission_review(operation, obj, old)))


def patched(obj, verdict):
    return jsonpatch.apply_patch(obj, verdict.patch) if verdict.patch else obj


def pod(notebook):
    return notebook["spec"]["template"]["spec"]


def shares(notebook):
    """share claim -> (volume readOnly, mount readOnly) of the notebook container."""
    mounts = dict((mount["name"], mount.get("readOnly", False)) for mount in pod(notebook)["containers"][0].get("volumeMounts", []))
    return dict((volume["persistentVolumeClaim"]["claimName"], (volume["persistentVolumeClaim"].get("readOnly", False), mounts.get(volume["name"])))
                for volume in pod(notebook).get("volumes", []) if volume["name"].startswith("shared-"))


def env(notebook):
    return dict((item["name"], item.get("value")) for item in pod(notebook)["containers"][0].get("env", []))


def gids(notebook):
    return (pod(notebook).get("securityContext") or {}).get("supplementalGroups", [])


def reconciled(rules, notebook):
    """The notebook as a run leaves it (the reconcile's merge patch applied)."""
    outcome, desired = rules.desired(notebook)
    return nb.apply_merge_patch(notebook, desired) if outcome == rules.CHANGED else notebook


ALICE_SHARES = {"census": (True, True), "projects": (False, False)}


# --- what users do in the dashboard -------------------------------------------------------------


def test_a_new_jupyter_tile_notebook_gets_its_owners_shares_modes_groups_and_lmod(rules):
    new = dashboard.with_reconciliation_lock(dashboard.jupyter_tile_notebook("alice", NAMESPACE))
    verdict = decide(rules, "CREATE", new)
    assert verdict.outcome == admission.PATCHED
    result = patched(new, verdict)
    assert shares(result) == ALICE_SHARES
    assert gids(result) == [40001, 40002]
    assert env(result)["MODULEPATH"] == MODULEPATH
    assert result["metadata"]["annotations"][nb.ACCESS_MAP_ANNOTATION] == rules.access_map
    # what the dashboard and the ODH webhook wrote is still there, in place
    assert pod(result)["volumes"][:2] == pod(new)["volumes"]
    assert pod(result)["containers"][0]["volumeMounts"][:2] == pod(new)["containers"][0]["volumeMounts"]
    assert [item["name"] for item in pod(result)["containers"][0]["env"]][:3] == ["NOTEBOOK_ARGS", "JUPYTER_IMAGE", "JUPYTER_NOTEBOOK_PORT"]
    assert result["metadata"]["annotations"][dashboard.STOP_ANNOTATION] == dashboard.RECONCILIATION_LOCK
    # the webhook's answer is what the reconcile would give: one set of rules
    assert result == reconciled(rules, new)


def test_the_dashboards_edit_that_dropped_the_shares_gets_them_back_exactly(rules):
    stored = reconciled(rules, dashboard.workbench("forecast", "team-a", "alice"))
    assert shares(stored) == {"census": (True, True), "projects": (True, True)}  # capped by team-a's audience
    edited = nb.apply_merge_patch(stored, dashboard.edit_merge_patch(stored))
    assert shares(edited) == {} and gids(edited) == [40001, 40002] and "MODULEPATH" not in env(edited)
    verdict = decide(rules, "UPDATE", edited, stored)
    assert verdict.outcome == admission.PATCHED
    result = patched(edited, verdict)
    assert shares(result) == shares(stored) and gids(result) == gids(stored) and env(result) == env(stored)
    assert pod(result)["volumes"][0] == pod(edited)["volumes"][0]


def test_the_dashboards_edit_keeps_what_it_wrote_and_the_patch_names_only_the_changes(rules):
    stored = reconciled(rules, dashboard.workbench("forecast", "team-a", "alice"))
    edited = nb.apply_merge_patch(stored, dashboard.edit_merge_patch(stored, image="quay.io/example/other:1"))
    verdict = decide(rules, "UPDATE", edited, stored)
    paths = sorted(operation["path"] for operation in verdict.patch)
    assert paths == ["/spec/template/spec/containers/0/env", "/spec/template/spec/containers/0/volumeMounts",
                     "/spec/template/spec/volumes"]
    assert pod(patched(edited, verdict))["containers"][0]["image"] == "quay.io/example/other:1"


@pytest.mark.parametrize("change, notebook_stopped", [
    (dashboard.stop_patch(), False),  # the frontend stops a running notebook
    (dashboard.start_patch(), True),  # and starts a stopped one: its pod does not run yet
    (dashboard.restart_patch(), False),  # a restart restarts anyway
])
def test_stop_start_and_restart_patches_bring_a_notebook_up_to_date(rules, spec_data, change, notebook_stopped):
    notebook = dashboard.jupyter_tile_notebook("bob", NAMESPACE)
    if notebook_stopped:
        notebook["metadata"]["annotations"][dashboard.STOP_ANNOTATION] = dashboard.STOP_TIME
    # bob was reconciled when he was still in team-a: he had projects read-write
    spec_data["users"]["bob"] = ["team-a"]
    before = admission.rules_from_access_map(admission.access_map(spec_data, spec_data["users"], {}))
    stored = reconciled(before, notebook)
    assert shares(stored) == ALICE_SHARES
    new = jsonpatch.apply_patch(stored, change)
    verdict = decide(rules, "UPDATE", new, stored)
    assert verdict.outcome == admission.PATCHED
    assert shares(patched(new, verdict)) == {"census": (True, True), "projects": (True, True)}


def test_the_jupyter_tiles_stop_merge_patch_too(rules):
    stored = dashboard.jupyter_tile_notebook("alice", NAMESPACE)
    new = nb.apply_merge_patch(stored, dashboard.backend_stop_merge_patch())
    assert shares(patched(new, decide(rules, "UPDATE", new, stored))) == ALICE_SHARES


def test_a_running_notebook_is_not_restarted_for_its_shares_by_an_unrelated_write(rules):
    stored = dashboard.jupyter_tile_notebook("alice", NAMESPACE)  # running, without its shares
    touched = copy.deepcopy(stored)
    touched["metadata"]["annotations"]["notebooks.kubeflow.org/last-activity"] = "2026-11-30T10:05:00Z"  # the culler
    verdict = decide(rules, "UPDATE", touched, stored)
    assert verdict.outcome == admission.DEFERRED and verdict.patch is None


def test_restart_running_changes_a_running_notebook_on_any_write(spec_data):
    spec_data["jupyterhub"]["restart_running"] = True
    rules = admission.rules_from_access_map(admission.access_map(spec_data, spec_data["users"], None, restart_running=True))
    stored = dashboard.jupyter_tile_notebook("alice", NAMESPACE)
    touched = copy.deepcopy(stored)
    touched["metadata"]["labels"]["x"] = "y"
    assert shares(patched(touched, decide(rules, "UPDATE", touched, stored))) == ALICE_SHARES


def test_a_claim_attached_in_the_dashboard_stays(rules):
    stored = reconciled(rules, dashboard.workbench("forecast", "team-a", "alice"))
    attached = jsonpatch.apply_patch(stored, dashboard.attach_claim_patch("scratch", "/opt/app-root/src/scratch"))
    verdict = decide(rules, "UPDATE", attached, stored)
    assert verdict.outcome == admission.UNCHANGED
    assert "scratch" in [volume["name"] for volume in pod(attached)["volumes"]]


# --- Data Science Projects, owners -------------------------------------------------------------


@pytest.mark.parametrize("namespace, user, expected", [
    ("team-a", "alice", {"census": (True, True), "projects": (True, True)}),  # capped by the audience (analysts read)
    ("team-a", "carol", {"census": (True, True)}),  # hr-records never reaches a project not all cleared for it
    ("lab", "alice", {"census": (True, True)}),  # only the claims the project holds
])
def test_a_data_science_project_workbench_is_capped_by_its_project(rules, namespace, user, expected):
    new = dashboard.workbench("work", namespace, user)
    assert shares(patched(new, decide(rules, "CREATE", new))) == expected


def test_a_share_not_yet_claimed_in_a_project_is_not_mounted(spec_data):
    rules = admission.rules_from_access_map(admission.access_map(spec_data, spec_data["users"], {"team-a": ["projects"]}))
    new = dashboard.workbench("work", "team-a", "alice")
    result = patched(new, decide(rules, "CREATE", new))
    assert shares(result) == {"projects": (True, True)}
    assert "MODULEPATH" not in env(result)  # the tree's share (census) is not there


def test_an_owner_nobody_lists_gets_what_everybody_may_read(rules):
    new = dashboard.jupyter_tile_notebook("mallory", NAMESPACE)
    result = patched(new, decide(rules, "CREATE", new))
    assert shares(result) == {"census": (True, True)} and gids(result) == [40001]


def test_a_notebook_without_an_owner_record_is_left_alone(rules):
    new = dashboard.workbench("hand-made", NAMESPACE, "alice")
    for key in ("opendatahub.io/username", "opendatahub.io/user"):
        del new["metadata"]["annotations"][key]
    verdict = decide(rules, "CREATE", new)
    assert verdict.outcome == admission.UNOWNED and verdict.patch is None


def test_foreign_volumes_mounts_env_and_gids_are_kept(rules):
    new = dashboard.workbench("work", NAMESPACE, "alice")
    spec = pod(new)
    spec["volumes"].append({"name": "trusted-ca", "configMap": {"name": "odh-trusted-ca-bundle"}})
    spec["containers"][0]["volumeMounts"].append({"name": "trusted-ca", "mountPath": "/etc/pki/tls/custom-certs"})
    spec["containers"][0]["env"].append({"name": "PIP_CERT", "value": "/etc/pki/tls/custom-certs/ca-bundle.crt"})
    spec["securityContext"] = {"supplementalGroups": [5555, 40003]}  # 40003 is the secret tier's: alice may not have it
    result = patched(new, decide(rules, "CREATE", new))
    assert gids(result) == [5555, 40001, 40002]
    assert {"name": "trusted-ca", "configMap": {"name": "odh-trusted-ca-bundle"}} in pod(result)["volumes"]
    assert env(result)["PIP_CERT"] == "/etc/pki/tls/custom-certs/ca-bundle.crt"
    assert "/etc/pki/tls/custom-certs" in [mount["mountPath"] for mount in pod(result)["containers"][0]["volumeMounts"]]


def test_an_already_right_notebook_gets_no_patch(rules):
    stored = reconciled(rules, dashboard.jupyter_tile_notebook("alice", NAMESPACE))
    for operation, old in (("CREATE", None), ("UPDATE", stored)):
        verdict = decide(rules, operation, stored, old)
        assert verdict.outcome == admission.UNCHANGED and verdict.patch is None
    response = admission.review_response("uid-1", None)["response"]
    assert response == {"uid": "uid-1", "allowed": True}


def test_a_write_by_a_run_with_another_access_map_is_left_as_written(rules):
    stored = dashboard.jupyter_tile_notebook("alice", NAMESPACE)
    stored["metadata"]["annotations"][dashboard.STOP_ANNOTATION] = dashboard.STOP_TIME
    run_write = copy.deepcopy(stored)  # a newer run revoked projects: only census
    run_write["metadata"]["annotations"][nb.ACCESS_MAP_ANNOTATION] = "0123456789abcdef"
    verdict = decide(rules, "UPDATE", run_write, stored)
    assert verdict.outcome == admission.RUN_WRITE and verdict.patch is None
    # later writes that keep the run's digest are the webhook's to fix, with its own access map
    later = copy.deepcopy(run_write)
    later["metadata"]["labels"]["edited"] = "yes"
    assert decide(rules, "UPDATE", later, run_write).outcome == admission.PATCHED


@pytest.mark.parametrize("operation, namespace", [("DELETE", NAMESPACE), ("CREATE", "elsewhere")])
def test_other_operations_and_namespaces_are_not_touched(rules, operation, namespace):
    new = dashboard.jupyter_tile_notebook("alice", namespace)
    assert decide(rules, operation, new).outcome == admission.SKIPPED


def test_the_response_is_a_base64_json_patch_with_the_requests_uid(rules):
    review = dashboard.admission_review("CREATE", dashboard.jupyter_tile_notebook("alice", NAMESPACE))
    verdict = admission.decide(rules, admission.review_request(review))
    answer = admission.review_response(review["request"]["uid"], verdict.patch)
    assert answer["apiVersion"] == "admission.k8s.io/v1" and answer["kind"] == "AdmissionReview"
    assert answer["response"]["uid"] == review["request"]["uid"] and answer["response"]["allowed"] is True
    assert answer["response"]["patchType"] == "JSONPatch"
    assert json.loads(base64.b64decode(answer["response"]["patch"])) == verdict.patch


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("document, message", [
    ([], "the body must be a JSON object"),
    ({"apiVersion": "admission.k8s.io/v1beta1", "kind": "AdmissionReview", "request": {}}, "expected an AdmissionReview admission.k8s.io/v1"),
    ({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview"}, "AdmissionReview.request: expected dict, got NoneType"),
    ({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {"operation": "CREATE"}}, "request.uid: expected str"),
    ({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {"uid": "", "operation": "CREATE"}}, "request.uid: must not be empty"),
    ({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {"uid": "u", "operation": "CREATE", "object": "x"}},
     "request.object: expected dict, got str"),
])
def test_malformed_reviews_are_refused_with_a_message(document, message):
    with pytest.raises(admission.BadReview, match=message.replace("(", r"\(").replace(")", r"\)")):
        admission.review_request(document)


def test_a_broken_access_map_names_every_problem(config):
    config = copy.deepcopy(config)
    config["format"] = 2
    config["shared_resources"]["shares"][0]["tier"] = "publik"
    config["users"] = {"alice": "team-a"}
    config["available_shares"] = {"team-a": "census"}
    config["extra"] = 1
    with pytest.raises(admission.AccessMapError) as caught:
        admission.rules_from_access_map(config)
    text = str(caught.value)
    for message in ("extra: unknown field", "format: 2 is not 1", "shared_resources.shares[0] (census).tier: unknown tier 'publik'",
                    "users.alice: must be a list of group names", "available_shares: must map each notebook namespace"):
        assert message in text
    with pytest.raises(admission.AccessMapError, match="serves flavour odh_notebooks only"):
        admission.rules_from_access_map(dict(admission.access_map(dict(config["shared_resources"], shares=[
            {"name": "census", "tier": "public", "size": "1Gi"}], lmod=None, jupyterhub={"flavor": "odh_jsp"}), {})))


def test_the_access_map_digest_follows_its_content(spec_data, config):
    assert admission.access_map_digest(config) == admission.access_map_digest(json.loads(admission.access_map_text(config)))
    reordered = admission.access_map(spec_data, dict((user, list(reversed(groups))) for user, groups in spec_data["users"].items()),
                                     {"lab": ["census"], "team-a": ["projects", "census"]})
    assert admission.access_map_digest(reordered) == admission.access_map_digest(config)
    revoked = admission.access_map(spec_data, dict(spec_data["users"], alice=[]), {"team-a": ["census", "projects"], "lab": ["census"]})
    assert admission.access_map_digest(revoked) != admission.access_map_digest(config)
    assert "users" not in config["shared_resources"]


# --- properties --------------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.text("ab/~", max_size=3),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text("ab/~", max_size=3), children, max_size=3),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(JSON, JSON)
def test_json_patch_turns_one_document_into_the_other(source, target):
    operations = admission.json_patch(source, target)
    assert jsonpatch.apply_patch(copy.deepcopy(source), operations) == target
    result = jsonpatch.apply_patch(copy.deepcopy(source), operations)
    assert json.dumps(result, sort_keys=True) == json.dumps(target, sort_keys=True)  # true stays true, 1 stays 1
    assert admission.json_patch(target, copy.deepcopy(target)) == []


GROUPS = ["g0", "g1", "g2"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    organisations(GROUPS, jupyterhub={"flavor": "odh_notebooks", "notebook_namespaces": ["ns", {"name": "project", "groups": ["g0"]}]}),
    st.sampled_from(["ns", "project"]),
    st.sampled_from(["u0", "u1", "u2", "stranger"]),
    st.booleans(),
)
def test_the_webhook_gives_what_the_reconcile_gives(data, namespace, owner, stopped):
    """One set of rules: a notebook the webhook patched is the notebook a run would leave, and a run then sends nothing."""
    rules = admission.rules_from_access_map(admission.access_map(data, data.get("users", {})))
    spec = parse_spec(data)
    new = dashboard.jupyter_tile_notebook(owner, namespace)
    if stopped:
        new["metadata"]["annotations"][dashboard.STOP_ANNOTATION] = dashboard.STOP_TIME
    result = patched(new, decide(rules, "CREATE", new))
    assert result == reconciled(rules, new)
    plan = nb.plan_notebooks(spec, [result], spec.users, nb_environment(spec), restart_running=True)
    assert plan["patch"] == [] and plan["unchanged"] == ["%s/%s" % (namespace, new["metadata"]["name"])]


def nb_environment(spec):
    from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.lmod import notebook_environment

    return notebook_environment(spec)
