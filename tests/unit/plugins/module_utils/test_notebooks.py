"""ODH 2.x Notebook reconciliation (plugins/module_utils/notebooks.py)."""

import base64
import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import notebooks as nb
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.access import access_for_groups, audience_accesses
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.data_plane import notebook_pod_settings
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.k8s_compare import UNCHANGED, UPDATE, decide
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import parse_spec
from tests.support.schema import schema_errors
from tests.support.strategies import organisations

NAMESPACE = "rhods-notebooks"
LMOD = {
    "volumes": [{"name": "lmod-tree", "persistentVolumeClaim": {"claimName": "lmod", "readOnly": True}}],
    "volume_mounts": [{"name": "lmod-tree", "mountPath": "/opt/apps", "readOnly": True}],
    "env": {"MODULEPATH": "/opt/apps/current/modulefiles", "LMOD_RC": "/opt/apps/current/lmodrc.lua"},
}
RBAC_PROXY = {
    "name": "kube-rbac-proxy",
    "image": "registry.redhat.io/openshift4/ose-kube-rbac-proxy-rhel9@sha256:0000",
    "args": ["--secure-listen-address=0.0.0.0:8443", "--upstream=http://127.0.0.1:8888/"],
    "ports": [{"containerPort": 8443, "name": "kube-rbac-proxy", "protocol": "TCP"}],
    "volumeMounts": [{"name": "kube-rbac-proxy-config", "mountPath": "/etc/kube-rbac-proxy"}],
}


def notebook(user="alice", name=None, stopped=True, volumes=(), mounts=(), gids=None, env=(), annotations=None, sidecar=True):
    """A Jupyter-tile notebook as the dashboard creates it (and the ODH webhook completes it)."""
    name = name or nb.jupyter_tile_name(user)
    pvc = "jupyterhub-nb-%s-pvc" % nb.translate_username(user)
    meta_annotations = {
        "opendatahub.io/username": user,
        "opendatahub.io/user": nb.translate_username(user),
        "notebooks.opendatahub.io/last-size-selection": "Small",
    }
    if stopped:
        meta_annotations["kubeflow-resource-stopped"] = "2026-01-02T03:04:05Z"
    meta_annotations.update(annotations or {})
    container = {
        "name": name,
        "image": "image-registry.openshift-image-registry.svc:5000/redhat-ods-applications/s2i-minimal-notebook:2025.1",
        "imagePullPolicy": "Always",
        "workingDir": "/opt/app-root/src",
        "env": [{"name": "NOTEBOOK_ARGS", "value": "--ServerApp.port=8888"}, {"name": "JUPYTER_IMAGE", "value": "x"}] + list(env),
        "resources": {"limits": {"cpu": "2", "memory": "8Gi"}, "requests": {"cpu": "1", "memory": "8Gi"}},
        "volumeMounts": [{"mountPath": "/opt/app-root/src", "name": pvc}, {"mountPath": "/dev/shm", "name": "shm"}] + list(mounts),
        "ports": [{"containerPort": 8888, "name": "notebook-port", "protocol": "TCP"}],
    }
    pod = {
        "enableServiceLinks": False,
        "containers": [container] + ([copy.deepcopy(RBAC_PROXY)] if sidecar else []),
        "volumes": [
            {"name": pvc, "persistentVolumeClaim": {"claimName": pvc}},
            {"name": "shm", "emptyDir": {"medium": "Memory"}},
        ]
        + list(volumes)
        + ([{"name": "kube-rbac-proxy-config", "configMap": {"name": name + "-kube-rbac-proxy-config", "defaultMode": 420}}] if sidecar else []),
    }
    if gids is not None:
        pod["securityContext"] = {"supplementalGroups": list(gids)}
    return {
        "apiVersion": "kubeflow.org/v1",
        "kind": "Notebook",
        "metadata": {
            "name": name,
            "namespace": NAMESPACE,
            "resourceVersion": "42",
            "labels": {"app": name, "opendatahub.io/dashboard": "true", "opendatahub.io/odh-managed": "true"},
            "annotations": meta_annotations,
        },
        "spec": {"template": {"spec": pod}},
    }


@pytest.fixture
def spec(example_spec):
    return parse_spec(example_spec)


def accesses(spec, user):
    return access_for_groups(spec, spec.users.get(user, ()))


def pod(notebook_object):
    return notebook_object["spec"]["template"]["spec"]


def by_name(items):
    return dict((item["name"], item) for item in items)


def reconciled(spec, live, user="alice", lmod=None):
    """The patch for ``live`` and the notebook after the API server applied it."""
    desired = nb.reconcile_notebook(live, accesses(spec, user), lmod, nb.collection_gids(spec))
    assert desired is not None
    return desired, nb.apply_merge_patch(live, desired)


def test_translate_username_follows_the_dashboard():
    assert nb.translate_username("alice") == "alice"
    assert nb.translate_username("Alice.Smith@example.com") == "alice-2esmith-40example-2ecom"
    assert nb.translate_username("a_b-c~d!") == "a-5fb-2dc-7fd-21"
    assert nb.jupyter_tile_name("kube:admin") == "jupyter-nb-kube-3aadmin"


def test_owner_from_the_username_annotation():
    assert nb.notebook_owner(notebook("Alice.Smith@example.com")) == "Alice.Smith@example.com"
    encoded = "b64:" + base64.b64encode("o'brien/x".encode()).decode()
    assert nb.notebook_owner(notebook(annotations={"opendatahub.io/username": encoded})) == "o'brien/x"
    assert nb.notebook_owner(notebook(annotations={"opendatahub.io/username": "b64:%%%"})) == "b64:%%%"


def test_owner_from_the_translated_name_needs_a_unique_known_user():
    live = notebook("Bob.Jones")
    del live["metadata"]["annotations"]["opendatahub.io/username"]
    assert nb.notebook_owner(live) is None
    assert nb.notebook_owner(live, {"Bob.Jones": [], "alice": []}) == "Bob.Jones"
    assert nb.notebook_owner(live, {"Bob.Jones": [], "bob.jones": []}) is None  # both translate to bob-2ejones
    assert nb.has_owner_record(live)
    del live["metadata"]["annotations"]["opendatahub.io/user"]
    live["metadata"]["labels"]["opendatahub.io/user"] = "bob-2ejones"  # older workbenches
    assert nb.notebook_owner(live, {"Bob.Jones": []}) == "Bob.Jones"
    del live["metadata"]["labels"]["opendatahub.io/user"]
    assert not nb.has_owner_record(live)


def test_stopped_notebooks():
    assert nb.is_stopped(notebook(stopped=True))
    assert not nb.is_stopped(notebook(stopped=False))
    # The ODH webhook's reconciliation lock holds back a notebook that is starting: not stopped.
    assert not nb.is_stopped(notebook(stopped=False, annotations={"kubeflow-resource-stopped": "odh-notebook-controller-lock"}))


def test_notebook_container_is_the_one_named_like_the_notebook():
    live = notebook()
    pod(live)["containers"].reverse()
    assert nb.notebook_container_index(live) == 1
    pod(live)["containers"][1]["name"] = "renamed"
    assert nb.notebook_container_index(live) == 0
    pod(live)["containers"] = []
    assert nb.notebook_container_index(live) is None
    assert nb.reconcile_notebook(live, (), None) is None


def test_missing_tiers_are_added_with_their_mode_and_gids(spec):
    live = notebook("alice")
    desired, patched = reconciled(spec, live)
    volumes = by_name(pod(patched)["volumes"])
    assert volumes["shared-census"] == {"name": "shared-census", "persistentVolumeClaim": {"claimName": "census", "readOnly": True}}
    assert volumes["shared-projects"]["persistentVolumeClaim"] == {"claimName": "projects", "readOnly": False}
    assert "shared-hr-records" not in volumes
    mounts = by_name(pod(patched)["containers"][0]["volumeMounts"])
    assert mounts["shared-census"] == {"name": "shared-census", "mountPath": "/opt/app-root/src/shared/public/census", "readOnly": True}
    assert mounts["shared-projects"] == {"name": "shared-projects", "mountPath": "/opt/app-root/src/projects", "readOnly": False}
    assert pod(patched)["securityContext"] == {"supplementalGroups": [40001, 40002]}
    # Everything else is untouched and in place; the shares come after it.
    assert pod(patched)["volumes"][:2] == pod(live)["volumes"][:2]
    assert pod(patched)["volumes"][2]["name"] == "kube-rbac-proxy-config"
    assert pod(patched)["containers"][1] == RBAC_PROXY
    assert pod(patched)["containers"][0]["volumeMounts"][:2] == pod(live)["containers"][0]["volumeMounts"]
    assert {key: value for key, value in pod(patched)["containers"][0].items() if key != "volumeMounts"} == {
        key: value for key, value in pod(live)["containers"][0].items() if key != "volumeMounts"
    }
    assert patched["metadata"] == live["metadata"]


def test_the_patch_is_minimal_and_carries_the_whole_lists(spec):
    live = notebook("alice")
    desired = reconciled(spec, live)[0]
    assert desired["metadata"] == {"name": live["metadata"]["name"], "namespace": NAMESPACE, "resourceVersion": "42"}
    assert set(desired["spec"]["template"]["spec"]) == {"volumes", "containers", "securityContext"}
    assert len(desired["spec"]["template"]["spec"]["volumes"]) == 5
    assert [container["name"] for container in desired["spec"]["template"]["spec"]["containers"]] == [live["metadata"]["name"], "kube-rbac-proxy"]


def test_reconciling_the_result_again_changes_nothing(spec):
    live = notebook("alice", gids=[1000680000])
    desired, patched = reconciled(spec, live, lmod=LMOD)
    assert nb.reconcile_notebook(patched, accesses(spec, "alice"), LMOD, nb.collection_gids(spec)) is None
    # k8s_plan agrees: the next run plans no write, the first one an update.
    assert decide(desired, patched).action == UNCHANGED
    assert decide(desired, live).action == UPDATE


def test_idempotent_after_the_webhook_drops_false_read_only(spec):
    """The ODH webhook round-trips the notebook through Go structs: readOnly: false disappears."""
    patched = reconciled(spec, notebook("alice"))[1]
    for item in pod(patched)["volumes"] + pod(patched)["containers"][0]["volumeMounts"]:
        if item.get("readOnly") is False:
            del item["readOnly"]
        if (item.get("persistentVolumeClaim") or {}).get("readOnly") is False:
            del item["persistentVolumeClaim"]["readOnly"]
    assert nb.reconcile_notebook(patched, accesses(spec, "alice"), None, nb.collection_gids(spec)) is None


def test_modes_are_fixed_in_place(spec):
    # bob (analysts) reads projects; his notebook has it read-write and an extra volume after it.
    live = notebook(
        "bob",
        volumes=[
            {"name": "shared-projects", "persistentVolumeClaim": {"claimName": "projects"}},
            {"name": "my-data", "persistentVolumeClaim": {"claimName": "my-data"}},
        ],
        mounts=[{"name": "shared-projects", "mountPath": "/opt/app-root/src/projects"}, {"name": "my-data", "mountPath": "/data"}],
        gids=[40002],
    )
    patched = reconciled(spec, live, user="bob")[1]
    names = [volume["name"] for volume in pod(patched)["volumes"]]
    assert names[2:5] == ["shared-projects", "my-data", "kube-rbac-proxy-config"]
    assert pod(patched)["volumes"][2]["persistentVolumeClaim"] == {"claimName": "projects", "readOnly": True}
    mounts = pod(patched)["containers"][0]["volumeMounts"]
    assert mounts[2] == {"name": "shared-projects", "mountPath": "/opt/app-root/src/projects", "readOnly": True}
    assert mounts[3] == {"name": "my-data", "mountPath": "/data"}
    assert pod(patched)["securityContext"]["supplementalGroups"] == [40002, 40001]


def test_revoked_tiers_leave_and_foreign_gids_stay(spec):
    live = notebook(
        "carol",  # hr: hr-records read-write, census read-only; not projects
        volumes=[
            {"name": "shared-projects", "persistentVolumeClaim": {"claimName": "projects", "readOnly": False}},
            {"name": "shared-old-share", "persistentVolumeClaim": {"claimName": "old-share"}},
            {"name": "shared-census", "persistentVolumeClaim": {"claimName": "census", "readOnly": True}},
        ],
        mounts=[
            {"name": "shared-projects", "mountPath": "/opt/app-root/src/projects", "readOnly": False},
            {"name": "shared-old-share", "mountPath": "/opt/app-root/src/shared/x/old-share"},
            {"name": "shared-census", "mountPath": "/opt/app-root/src/shared/public/census", "readOnly": True},
        ],
        gids=[5555, 40002, 40001, 40002],
    )
    patched = reconciled(spec, live, user="carol")[1]
    assert [volume["name"] for volume in pod(patched)["volumes"]] == [
        live["spec"]["template"]["spec"]["volumes"][0]["name"],
        "shm",
        "shared-census",
        "kube-rbac-proxy-config",
        "shared-hr-records",
    ]
    assert [mount["name"] for mount in pod(patched)["containers"][0]["volumeMounts"]][2:] == ["shared-census", "shared-hr-records"]
    assert pod(patched)["securityContext"]["supplementalGroups"] == [5555, 40001, 40003]


def test_an_owner_without_access_loses_every_share(spec):
    live = notebook(
        "mallory",
        volumes=[{"name": "shared-census", "persistentVolumeClaim": {"claimName": "census", "readOnly": True}}],
        mounts=[{"name": "shared-census", "mountPath": "/opt/app-root/src/shared/public/census", "readOnly": True}],
        gids=[40001],
        sidecar=False,
    )
    desired = nb.reconcile_notebook(live, (), None, nb.collection_gids(spec))
    patched = nb.apply_merge_patch(live, desired)
    assert [volume["name"] for volume in pod(patched)["volumes"]] == [pod(live)["volumes"][0]["name"], "shm"]
    assert [mount["name"] for mount in pod(patched)["containers"][0]["volumeMounts"]] == [pod(live)["volumes"][0]["name"], "shm"]
    assert desired["spec"]["template"]["spec"]["securityContext"] == {"supplementalGroups": []}
    assert nb.reconcile_notebook(patched, (), None, nb.collection_gids(spec)) is None
    # Nothing of the collection's and no gids: nothing to do at all.
    assert nb.reconcile_notebook(notebook("mallory"), (), None, nb.collection_gids(spec)) is None


def test_lmod_volume_and_environment_come_and_go(spec):
    live = notebook("bob", env=[{"name": "MODULEPATH", "value": "/old"}, {"name": "MY_VAR", "value": "1"}])
    patched = reconciled(spec, live, user="bob", lmod=LMOD)[1]
    env = pod(patched)["containers"][0]["env"]
    assert [item["name"] for item in env] == ["NOTEBOOK_ARGS", "JUPYTER_IMAGE", "MODULEPATH", "MY_VAR", "LMOD_RC"]
    assert env[2] == {"name": "MODULEPATH", "value": "/opt/apps/current/modulefiles"}
    assert patched["metadata"]["annotations"][nb.MANAGED_ENV_ANNOTATION] == "LMOD_RC,MODULEPATH"
    assert "lmod-tree" in by_name(pod(patched)["volumes"])
    assert by_name(pod(patched)["containers"][0]["volumeMounts"])["lmod-tree"]["readOnly"] is True
    # The LMod section is removed: its volume, mount and variables leave, the user's stay.
    desired, removed = reconciled(spec, patched, user="bob", lmod={"volumes": [], "volume_mounts": [], "env": {}})
    assert desired["metadata"]["annotations"] == {nb.MANAGED_ENV_ANNOTATION: None}
    assert [item["name"] for item in pod(removed)["containers"][0]["env"]] == ["NOTEBOOK_ARGS", "JUPYTER_IMAGE", "MY_VAR"]
    assert "lmod-tree" not in by_name(pod(removed)["volumes"])
    assert nb.MANAGED_ENV_ANNOTATION not in removed["metadata"]["annotations"]
    assert nb.reconcile_notebook(removed, accesses(spec, "bob"), {}, nb.collection_gids(spec)) is None


def test_patched_pod_template_validates_as_a_pod(spec):
    live = notebook("carol", gids=[1234])
    patched = reconciled(spec, live, user="carol", lmod=LMOD)[1]
    assert schema_errors(nb.pod_of(patched)) == ""


def test_merge_patch_semantics():
    assert nb.apply_merge_patch({"a": [1, 2], "b": {"c": 1, "d": 2}}, {"a": [3], "b": {"c": None}}) == {"a": [3], "b": {"d": 2}}


def test_plan_sorts_stopped_running_unowned_and_unchanged(spec):
    unowned = notebook("someone", name="hand-made")
    del unowned["metadata"]["annotations"]["opendatahub.io/username"]
    del unowned["metadata"]["annotations"]["opendatahub.io/user"]
    done = nb.apply_merge_patch(notebook("bob"), nb.reconcile_notebook(
        notebook("bob"), accesses(spec, "bob"), None, nb.collection_gids(spec), notebook_pod_settings(spec)))
    broken = {"metadata": {"name": "x", "namespace": "n", "annotations": {"opendatahub.io/username": "x"}}, "spec": {}}
    notebooks = [notebook("alice", stopped=True), notebook("carol", stopped=False), unowned, done, broken]
    plan = nb.plan_notebooks(spec, notebooks, spec.users)
    assert [patch["metadata"]["name"] for patch in plan["patch"]] == ["jupyter-nb-alice"]
    assert plan["deferred"] == [NAMESPACE + "/jupyter-nb-carol"]
    assert plan["unowned"] == [NAMESPACE + "/hand-made"]
    assert plan["unchanged"] == [NAMESPACE + "/jupyter-nb-bob"]
    assert plan["skipped"] == ["n/x: no containers in spec.template.spec"]
    restarted = nb.plan_notebooks(spec, notebooks, spec.users, restart_running=True)
    assert [patch["metadata"]["name"] for patch in restarted["patch"]] == ["jupyter-nb-alice", "jupyter-nb-carol"]
    assert restarted["deferred"] == []


def test_plan_treats_an_unknown_owner_as_a_user_in_no_group(spec):
    live = notebook(
        "eve",  # not in users: the shares of '*' only, never hr-records
        volumes=[{"name": "shared-hr-records", "persistentVolumeClaim": {"claimName": "hr-records"}}],
        mounts=[{"name": "shared-hr-records", "mountPath": "/opt/app-root/src/shared/secret/hr-records"}],
        gids=[40003],
    )
    plan = nb.plan_notebooks(spec, [live], spec.users)
    patched = nb.apply_merge_patch(live, plan["patch"][0])
    assert [volume["name"] for volume in pod(patched)["volumes"] if volume["name"].startswith("shared-")] == ["shared-census"]
    assert pod(patched)["securityContext"]["supplementalGroups"] == [40001]


def in_namespace(notebook_object, namespace):
    notebook_object["metadata"]["namespace"] = namespace
    return notebook_object


def shares_of(plan, live):
    patched = nb.apply_merge_patch(live, plan["patch"][0]) if plan["patch"] else live
    return dict(
        (volume["persistentVolumeClaim"]["claimName"], "ro" if volume["persistentVolumeClaim"]["readOnly"] else "rw")
        for volume in pod(patched).get("volumes", [])
        if volume["name"].startswith("shared-")
    )


@pytest.fixture
def projects_spec(example_spec):
    example_spec["jupyterhub"] = {
        "flavor": "odh_notebooks",
        "notebook_namespaces": [NAMESPACE, {"name": "team-a", "groups": ["team-a", "analysts"]}, "lab"],
    }
    example_spec["lmod"] = {"share": "census", "source": {"type": "image", "image": "quay.io/example/apps:1", "path": "/apps"}}
    return parse_spec(example_spec)


@pytest.mark.parametrize(
    "namespace, user, expected",
    [
        (NAMESPACE, "alice", {"census": "ro", "projects": "rw"}),  # the share namespace: the owner's own access
        ("team-a", "alice", {"census": "ro", "projects": "ro"}),  # capped: analysts in the audience only read projects
        ("team-a", "carol", {"census": "ro"}),  # hr-records never reaches a namespace not all cleared for it
        ("lab", "alice", {"census": "ro"}),  # audience '*': what everybody may read
        ("elsewhere", "alice", {}),  # not a notebook namespace: no claim there
    ],
)
def test_other_namespaces_cap_the_owner_by_their_audience(projects_spec, namespace, user, expected):
    live = in_namespace(notebook(user), namespace)
    assert shares_of(nb.plan_notebooks(projects_spec, [live], projects_spec.users), live) == expected


def test_only_shares_whose_claim_is_there_are_mounted_and_lmod_follows_its_share(projects_spec):
    lmod = {"volumes": [], "volume_mounts": [], "env": {"MODULEPATH": "/opt/app-root/src/shared/public/census/current/modulefiles"}}
    live = in_namespace(notebook("alice"), "team-a")
    plan = nb.plan_notebooks(projects_spec, [live], projects_spec.users, lmod, available_shares={"team-a": ["projects"]})
    assert shares_of(plan, live) == {"projects": "ro"}
    container = nb.apply_merge_patch(live, plan["patch"][0])["spec"]["template"]["spec"]["containers"][0]
    assert "MODULEPATH" not in by_name(container["env"])
    plan = nb.plan_notebooks(projects_spec, [live], projects_spec.users, lmod, available_shares={"team-a": ["census", "projects"]})
    container = nb.apply_merge_patch(live, plan["patch"][0])["spec"]["template"]["spec"]["containers"][0]
    assert by_name(container["env"])["MODULEPATH"]["value"] == lmod["env"]["MODULEPATH"]


# --- property: a project's notebooks never get more than their owner may have --------------------

PROPERTY_GROUPS = ["g0", "g1", "g2", "g3"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    organisations(PROPERTY_GROUPS, jupyterhub={"flavor": "odh_notebooks"}),
    st.lists(st.sampled_from(PROPERTY_GROUPS + ["*"]), min_size=1, max_size=3, unique=True),
    st.sampled_from(["u0", "u1", "u2", "stranger"]),
)
def test_a_project_notebook_never_mounts_what_its_owner_may_not(data, audience, owner):
    data["jupyterhub"]["notebook_namespaces"] = ["ns", {"name": "project", "groups": audience}]
    spec = parse_spec(data)
    live = in_namespace(notebook(owner), "project")
    plan = nb.plan_notebooks(spec, [live], spec.users, restart_running=True)
    mounted = shares_of(plan, live)
    own = dict((access.share.claim_name, access.mode) for access in access_for_groups(spec, spec.users.get(owner, ())))
    namespace = dict((access.share.claim_name, access.mode) for access in audience_accesses(spec, audience))
    for claim, mode in mounted.items():
        assert claim in own and claim in namespace, "a share neither the owner nor the whole audience may read"
        assert mode == "ro" or (own[claim] == "rw" and namespace[claim] == "rw")
    assert set(mounted) == set(own) & set(namespace)


def test_left_for_later_says_each_kind_once():
    assert nb.left_for_later() == []
    messages = nb.left_for_later(waiting=["census in team-a: claim not bound"], deferred=["team-a/forecast", "team-a/model"],
                                 unowned=["team-a/someone"], skipped=["lab/odd: no containers in spec.template.spec"])
    assert messages == [
        "Not available yet, a later run adds them: census in team-a: claim not bound",
        "2 running notebook(s) need new mounts and are left alone (patching restarts them): team-a/forecast, team-a/model. "
        "They are patched by a run after they are stopped, or now with shared_resources.jupyterhub.restart_running: true.",
        "Notebooks without an owner record (not the dashboard's) or not reconcilable, left alone: team-a/someone, "
        "lab/odd: no containers in spec.template.spec",
    ]
    assert nb.left_for_later(skipped=["lab/odd: no containers"]) == [
        "Notebooks without an owner record (not the dashboard's) or not reconcilable, left alone: lab/odd: no containers"]
