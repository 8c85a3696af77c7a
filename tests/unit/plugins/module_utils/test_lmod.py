import copy
import re

import pytest
import yaml

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import lmod, manifests, spec_lmod
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.access import access_for_groups, pod_volumes
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import SpecError, parse_spec
from tests.support.pod_security import pod_spec_of, restricted_violations
from tests.support.openshift import dashboard_workbench_images, image_stream_errors, imported
from tests.support.schema import schema_errors

SCRIPT = "#!/usr/bin/env python\nprint('lmod-sync')\n"
EXAMPLE_INVENTORY = "examples/inventory/group_vars/all/shared_resources.yml"
IMAGE_SOURCE = {"type": "image", "image": "quay.io/example/easybuild-tree:2026.11", "path": "/opt/apps-src"}
SOURCES = {
    "image": IMAGE_SOURCE,
    "git": {"type": "git", "url": "https://git.example.com/hpc/apps.git", "ref": "v2026.11"},
    "http_archive": {"type": "http_archive", "url": "https://files.example.com/apps.tar.gz", "sha256": "ab" * 32},
    "pvc": {"type": "pvc", "claim_name": "easybuild-build", "path": "build/apps"},
}


@pytest.fixture
def lmod_spec(example_spec):
    """The example spec plus a software share everybody reads, holding the tree."""
    example_spec["shares"].append({"name": "software", "tier": "public", "size": "200Gi", "writers": ["platform"], "mount_path": "/opt/apps"})
    example_spec["lmod"] = {
        "share": "software",
        "source": copy.deepcopy(IMAGE_SOURCE),
        "modulefiles_dir": "modules/all",
        "default_modules": ["Python"],
    }
    return example_spec


def errors_of(data):
    with pytest.raises(SpecError) as info:
        parse_spec(data)
    return info.value.errors


def sync_objects(data, **options):
    return lmod.lmod_sync_objects(parse_spec(data), SCRIPT, **options)


def job_of(objects):
    return next(obj for obj in objects if obj["kind"] == "Job")


def check_manifests(objects):
    for obj in objects:
        assert schema_errors(obj) == "", obj["kind"]
        if obj["kind"] in ("Job", "CronJob"):
            assert restricted_violations(pod_spec_of(obj)) == [], obj["kind"]


# --------------------------------------------------------------------------
# Validation


def test_defaults(lmod_spec):
    del lmod_spec["lmod"]["modulefiles_dir"], lmod_spec["lmod"]["default_modules"]
    tree = parse_spec(lmod_spec).lmod
    assert tree == spec_lmod.LmodSpec(
        share="software",
        claim_name="software",
        gid=40001,
        mount_path="/opt/apps",
        modulefiles_dir="modulefiles",
        source=spec_lmod.LmodSource("image", IMAGE_SOURCE["image"], "/opt/apps-src", None, None, None, None),
        schedule=None,
        keep_releases=2,
        default_modules=(),
        image=spec_lmod.DEFAULT_SYNC_IMAGE,
        lmod_prefix="/usr/share/lmod/lmod",
        kernels=(),
        jupyter_path=(),
        notebook_image=None,
    )


def test_no_lmod_section(example_spec):
    spec = parse_spec(example_spec)
    assert spec.lmod is None
    assert lmod.lmod_sync_objects(spec, SCRIPT) == []
    assert lmod.notebook_environment(spec) == {"volumes": [], "volume_mounts": [], "env": {}}


def test_the_example_inventory_has_a_valid_tree():
    with open(EXAMPLE_INVENTORY) as handle:
        data = yaml.safe_load(handle)["shared_resources"]
    data["storage_class"]["parameters"] = {"server": "nfs.example.com", "share": "/exports/shared"}
    tree = parse_spec(data).lmod
    assert (tree.share, tree.mount_path, tree.modulefiles_dir, tree.default_modules) == ("software", "/opt/apps", "modules/all", ("Python",))
    assert tree.source.type == "image" and tree.schedule == "0 3 * * *"


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"source": {"type": "gti", "url": "x"}}, "lmod.source.type: unknown source type 'gti' (did you mean 'git'?)"),
        ({"source": {"image": "x"}}, "lmod.source.type: missing; known types: image, git, http_archive, pvc"),
        ({"source": "quay.io/x"}, "lmod.source: must be a mapping with a type"),
        ({"source": {"type": "image", "image": "x"}}, "lmod.source.path: missing: a image source needs image, path"),
        ({"source": dict(IMAGE_SOURCE, path="opt/apps-src")}, "lmod.source.path: invalid path 'opt/apps-src'"),
        ({"source": dict(IMAGE_SOURCE, url="https://x")}, "lmod.source.url: unknown field; allowed fields: type, image, path"),
        ({"source": dict(SOURCES["git"], ref="--upload-pack=x")}, "lmod.source.ref: invalid ref '--upload-pack=x'"),
        ({"source": dict(SOURCES["git"], url="ftp://x")}, "lmod.source.url: invalid url 'ftp://x'"),
        ({"source": dict(SOURCES["http_archive"], sha256="abc")}, "lmod.source.sha256: invalid sha256 'abc'"),
        ({"source": dict(SOURCES["pvc"], claim_name="Build_Area")}, "lmod.source.claim_name: invalid claim name 'Build_Area'"),
        ({"source": dict(SOURCES["pvc"], path="../up")}, "lmod.source.path: invalid path '../up'"),
        ({"source": {"type": "pvc", "claim_name": "software"}}, "lmod.source.path: missing: the tree's own claim"),
        ({"source": {"type": "pvc", "claim_name": "software", "path": "releases/x"}}, "lmod.source.path: 'releases/x' is where lmod-sync publishes"),
        ({"share": "softwar"}, "lmod.share: unknown share 'softwar' (did you mean 'software'?)"),
        ({"share": "projects"}, "lmod.share: share 'projects' is not readable by every user"),
        ({"mount_path": "/opt/software"}, "lmod.mount_path: must be the share's mount path '/opt/apps'"),
        ({"claim_name": "apps"}, "lmod: set share (a share of the spec) or claim_name (an existing claim), not both"),
        ({"modulefiles_dir": "/modules"}, "lmod.modulefiles_dir: invalid path '/modules'"),
        ({"modulefiles_dir": "mod files"}, "lmod.modulefiles_dir: invalid path 'mod files'"),
        ({"modulefiles_dir": ".lmod-sync/x"}, "lmod.modulefiles_dir: '.lmod-sync/x' is a name lmod-sync keeps for itself"),
        ({"keep_releases": 0}, "lmod.keep_releases: invalid keep_releases 0"),
        ({"keep_releases": True}, "lmod.keep_releases: invalid keep_releases True"),
        ({"default_modules": "Python"}, "lmod.default_modules: must be a list of module names"),
        ({"default_modules": ["Python", "a:b"]}, "lmod.default_modules[1]: invalid module 'a:b'"),
        ({"image": "my image"}, "lmod.image: invalid image 'my image'"),
        ({"lmod_prefix": "usr/share/lmod"}, "lmod.lmod_prefix: invalid path 'usr/share/lmod'"),
        ({"lmod_prefix": "/usr/share/lmod/"}, "lmod.lmod_prefix: path '/usr/share/lmod/' is not normalized"),
        ({"modulefile_dir": "x"}, "lmod.modulefile_dir: unknown field (did you mean 'modulefiles_dir'?)"),
    ],
)
def test_bad_lmod_fields(lmod_spec, change, expected):
    lmod_spec["lmod"].update(change)
    assert any(error.startswith(expected) for error in errors_of(lmod_spec)), errors_of(lmod_spec)


@pytest.mark.parametrize(
    "lmod_section, expected",
    [
        ({"source": IMAGE_SOURCE}, "lmod: missing share or claim_name"),
        ({"claim_name": "apps", "source": IMAGE_SOURCE}, "lmod.mount_path: missing: with claim_name"),
        ({"claim_name": "software", "mount_path": "/opt/x", "source": IMAGE_SOURCE}, "lmod.claim_name: claim 'software' belongs to share 'software'"),
        (
            {"claim_name": "apps", "mount_path": "/opt/apps", "source": IMAGE_SOURCE},
            "lmod.mount_path: mount path '/opt/apps' is already the mount path of share 'software'",
        ),
        ({"claim_name": "apps", "mount_path": "/tmp", "source": IMAGE_SOURCE}, "lmod.mount_path: mount path '/tmp' is reserved"),
        ({"claim_name": "apps", "mount_path": "/opt/my apps", "source": IMAGE_SOURCE}, "lmod.mount_path: invalid path '/opt/my apps'"),
        ({"share": "software"}, "lmod.source: missing: say where the tree comes from"),
        ("software", "lmod: must be a mapping with share (or claim_name) and source, got str"),
    ],
)
def test_bad_tree_location(lmod_spec, lmod_section, expected):
    lmod_spec["lmod"] = lmod_section
    assert any(error.startswith(expected) for error in errors_of(lmod_spec)), errors_of(lmod_spec)


def test_a_share_everybody_writes_may_hold_the_tree(lmod_spec):
    lmod_spec["shares"][0].update(readers=[], writers=["*"])
    lmod_spec["lmod"]["share"] = "census"
    assert parse_spec(lmod_spec).lmod.mount_path == "/opt/app-root/src/shared/public/census"


def test_mount_path_equal_to_the_share_is_accepted(lmod_spec):
    lmod_spec["lmod"]["mount_path"] = "/opt/apps"
    assert parse_spec(lmod_spec).lmod.mount_path == "/opt/apps"


def test_every_problem_is_reported_at_once(lmod_spec):
    lmod_spec["shares"][0]["size"] = "50GB"
    lmod_spec["lmod"].update(source={"type": "gti"}, keep_releases=-1, schedule="61 * * * *")
    errors = errors_of(lmod_spec)
    assert [error.split(":")[0] for error in errors] == ["shares[0] (census).size", "lmod.source.type", "lmod.schedule", "lmod.keep_releases"]


@pytest.mark.parametrize(
    "schedule",
    ["0 3 * * *", "*/15 * * * *", "0 0-23/2 * * 1-5", "30 2 1,15 * *", "0 4 * jan-mar sun", "0 0 ? * 7", "@daily", "@hourly"],
)
def test_good_schedules(lmod_spec, schedule):
    lmod_spec["lmod"]["schedule"] = schedule
    assert parse_spec(lmod_spec).lmod.schedule == schedule


@pytest.mark.parametrize(
    "schedule, expected",
    [
        ("0 3 * *", "invalid schedule '0 3 * *': use five fields"),
        ("0 3 * * * *", "invalid schedule '0 3 * * * *': use five fields"),
        ("60 3 * * *", "invalid minute '60'"),
        ("0 24 * * *", "invalid hour '24'"),
        ("0 3 0 * *", "invalid day of month '0'"),
        ("0 3 * 13 *", "invalid month '13'"),
        ("0 3 * * 8", "invalid day of week '8'"),
        ("0 3 * * mon-sun-x", "invalid day of week 'mon-sun-x'"),
        ("*/0 * * * *", "invalid minute '*/0'"),
        ("5-1 * * * *", "invalid minute '5-1'"),
        ("@often", "invalid schedule '@often'"),
        ("TZ=UTC 0 3 * * *", "time zones are not allowed"),
        (3, "must be a cron schedule string"),
    ],
)
def test_bad_schedules(lmod_spec, schedule, expected):
    lmod_spec["lmod"]["schedule"] = schedule
    assert any(error.startswith("lmod.schedule: " + expected) for error in errors_of(lmod_spec)), errors_of(lmod_spec)


# --------------------------------------------------------------------------
# Sync objects


def test_objects_in_apply_order(lmod_spec):
    assert [obj["kind"] for obj in sync_objects(lmod_spec)] == ["ConfigMap", "Job"]
    lmod_spec["lmod"]["schedule"] = "0 3 * * *"
    assert [obj["kind"] for obj in sync_objects(lmod_spec)] == ["ConfigMap", "Job", "CronJob"]


def test_config_map_holds_the_script(lmod_spec):
    config_map = sync_objects(lmod_spec)[0]
    assert config_map["metadata"]["name"] == "lmod-sync"
    assert config_map["metadata"]["namespace"] == "rhods-notebooks"
    assert config_map["data"] == {"lmod-sync": SCRIPT}
    assert config_map["metadata"]["labels"]["app.kubernetes.io/component"] == "lmod-sync"


@pytest.mark.parametrize("source_type", sorted(SOURCES))
def test_manifests_per_source_type_are_valid_and_restricted(lmod_spec, source_type):
    lmod_spec["lmod"].update(source=copy.deepcopy(SOURCES[source_type]), schedule="0 3 * * *")
    check_manifests(sync_objects(lmod_spec))
    check_manifests(sync_objects(lmod_spec, run_as_user=1001, nonce="1"))


def test_sync_pod(lmod_spec):
    job = job_of(sync_objects(lmod_spec))
    pod = job["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == manifests.JOBS_SERVICE_ACCOUNT
    assert pod["automountServiceAccountToken"] is False
    assert pod["restartPolicy"] == "Never"
    assert pod["securityContext"] == manifests.restricted_pod_security_context([40001])
    sync = pod["containers"][0]
    assert sync["image"] == spec_lmod.DEFAULT_SYNC_IMAGE
    assert sync["securityContext"] == manifests.restricted_container_security_context()
    assert sync["command"] == [
        "python3",
        "/etc/lmod-sync/lmod-sync",
        "--source",
        "/src/tree",
        "--target",
        "/opt/apps",
        "--mount-path",
        "/opt/apps",
        "--modulefiles-dir",
        "modules/all",
        "--keep",
        "2",
        "--update-cache-cmd",
        "/usr/share/lmod/lmod/libexec/update_lmod_system_cache_files",
        "--lock-timeout",
        "300",
        "--json",
    ]
    mounts = dict((mount["name"], mount) for mount in sync["volumeMounts"])
    assert mounts["tree"] == {"name": "tree", "mountPath": "/opt/apps"}
    assert mounts["script"]["readOnly"] and mounts["source"]["readOnly"]
    assert mounts["tmp"]["mountPath"] == "/tmp"
    volumes = dict((volume["name"], volume) for volume in pod["volumes"])
    assert volumes["tree"] == {"name": "tree", "persistentVolumeClaim": {"claimName": "software"}}
    assert volumes["script"]["configMap"]["name"] == "lmod-sync"
    assert volumes["source"] == {"name": "source", "emptyDir": {}}
    assert volumes["tmp"] == {"name": "tmp", "emptyDir": {}}
    rules = job["spec"]["podFailurePolicy"]["rules"]
    assert rules[0]["onExitCodes"] == {"containerName": "sync", "operator": "In", "values": [2, 3, 4, 6]}


def test_every_container_writes_only_to_its_volumes(lmod_spec):
    for source in SOURCES.values():
        lmod_spec["lmod"]["source"] = copy.deepcopy(source)
        pod = job_of(sync_objects(lmod_spec))["spec"]["template"]["spec"]
        for container in pod.get("initContainers", []) + pod["containers"]:
            assert container["securityContext"]["readOnlyRootFilesystem"] is True
            assert "/tmp" in [mount["mountPath"] for mount in container["volumeMounts"]]


def test_image_source_copies_out_of_the_source_image(lmod_spec):
    pod = job_of(sync_objects(lmod_spec))["spec"]["template"]["spec"]
    (copy_tree,) = pod["initContainers"]
    assert copy_tree["image"] == "quay.io/example/easybuild-tree:2026.11"
    assert copy_tree["command"] == ["cp", "-a", "--", "/opt/apps-src/.", "/src/tree"]
    assert {"name": "source", "mountPath": "/src"} in copy_tree["volumeMounts"]


def test_git_source_clones_the_ref(lmod_spec):
    lmod_spec["lmod"]["source"] = copy.deepcopy(SOURCES["git"])
    pod = job_of(sync_objects(lmod_spec, git_image="example.com/git:1"))["spec"]["template"]["spec"]
    (clone,) = pod["initContainers"]
    env = dict((item["name"], item["value"]) for item in clone["env"])
    assert clone["image"] == "example.com/git:1"
    assert clone["command"][:2] == ["/bin/sh", "-c"]
    assert 'git fetch -q --depth 1 origin "$GIT_REF"' in clone["command"][2]
    assert "rm -rf .git" in clone["command"][2]
    assert env == {"HOME": "/tmp", "TREE": "/src/tree", "GIT_URL": "https://git.example.com/hpc/apps.git", "GIT_REF": "v2026.11"}


def test_http_archive_source_verifies_the_checksum(lmod_spec):
    lmod_spec["lmod"]["source"] = copy.deepcopy(SOURCES["http_archive"])
    pod = job_of(sync_objects(lmod_spec))["spec"]["template"]["spec"]
    (download,) = pod["initContainers"]
    env = dict((item["name"], item["value"]) for item in download["env"])
    assert download["image"] == lmod.DEFAULT_FETCH_IMAGE
    assert env["ARCHIVE_SHA256"] == "ab" * 32 and env["ARCHIVE_URL"] == "https://files.example.com/apps.tar.gz"
    script = download["command"][2]
    assert script.index("sha256sum -c") < script.index("tar -xf")


def test_pvc_source_is_mounted_read_only_without_init_container(lmod_spec):
    lmod_spec["lmod"]["source"] = copy.deepcopy(SOURCES["pvc"])
    pod = job_of(sync_objects(lmod_spec))["spec"]["template"]["spec"]
    assert "initContainers" not in pod
    volumes = dict((volume["name"], volume) for volume in pod["volumes"])
    assert volumes["source"] == {"name": "source", "persistentVolumeClaim": {"claimName": "easybuild-build", "readOnly": True}}
    command = pod["containers"][0]["command"]
    assert command[command.index("--source") + 1] == "/src/build/apps"


def test_pvc_source_defaults_to_the_claim_root(lmod_spec):
    lmod_spec["lmod"]["source"] = {"type": "pvc", "claim_name": "easybuild-build"}
    command = job_of(sync_objects(lmod_spec))["spec"]["template"]["spec"]["containers"][0]["command"]
    assert command[command.index("--source") + 1] == "/src"


def test_tree_on_an_existing_claim(lmod_spec):
    lmod_spec["lmod"] = {"claim_name": "hpc-apps", "mount_path": "/opt/hpc", "source": IMAGE_SOURCE, "lmod_prefix": "/opt/lmod/lmod"}
    objects = sync_objects(lmod_spec, run_as_user=1001)
    check_manifests(objects)
    pod = job_of(objects)["spec"]["template"]["spec"]
    assert pod["securityContext"] == manifests.restricted_pod_security_context(run_as_user=1001)
    assert {"name": "tree", "persistentVolumeClaim": {"claimName": "hpc-apps"}} in pod["volumes"]
    command = pod["containers"][0]["command"]
    assert command[command.index("--target") + 1] == "/opt/hpc"
    assert command[command.index("--update-cache-cmd") + 1] == "/opt/lmod/lmod/libexec/update_lmod_system_cache_files"


# --------------------------------------------------------------------------
# Job naming


def test_job_name_is_a_hash_of_the_sync(lmod_spec):
    job = job_of(sync_objects(lmod_spec))
    name = job["metadata"]["name"]
    assert re.match(r"^lmod-sync-[0-9a-f]{10}$", name)
    assert job["metadata"]["labels"]["shared-resources.odh-rwx.io/lmod-sync-hash"] == name[len("lmod-sync-"):]
    assert job_of(sync_objects(copy.deepcopy(lmod_spec)))["metadata"]["name"] == name
    assert "annotations" not in job["metadata"]


@pytest.mark.parametrize(
    "change",
    [
        {"keep_releases": 3},
        {"modulefiles_dir": "modulefiles"},
        {"image": "quay.io/example/lmod:9"},
        {"lmod_prefix": "/opt/lmod/lmod"},
        {"source": dict(IMAGE_SOURCE, image="quay.io/example/easybuild-tree:2026.12")},
        {"source": dict(IMAGE_SOURCE, path="/opt/other")},
    ],
)
def test_a_changed_sync_spec_changes_the_job_name(lmod_spec, change):
    before = job_of(sync_objects(lmod_spec))["metadata"]["name"]
    lmod_spec["lmod"].update(change)
    assert job_of(sync_objects(lmod_spec))["metadata"]["name"] != before


def test_a_changed_script_changes_the_job_name(lmod_spec):
    spec = parse_spec(lmod_spec)
    assert lmod.sync_job(spec, {"lmod-sync": SCRIPT})["metadata"]["name"] != lmod.sync_job(spec, {"lmod-sync": SCRIPT + "# new\n"})["metadata"]["name"]


# A spec without kernels hashes its Job as before kernels existed: upgrading the collection starts no sync.
def test_a_spec_without_kernels_keeps_its_job_name(lmod_spec):
    spec = parse_spec(lmod_spec)
    pod_spec = lmod.sync_pod_spec(spec.lmod)
    before = manifests.short_hash({"pod": pod_spec, "script": lmod.script_digest(SCRIPT)})
    assert job_of(sync_objects(lmod_spec))["metadata"]["name"] == "lmod-sync-" + before
    assert "--kernels" not in pod_spec["containers"][0]["command"]
    assert sorted(sync_objects(lmod_spec)[0]["data"]) == ["lmod-sync"]


KERNELS = [
    {"name": "python-scipy", "display_name": "Python 3 (SciPy stack)", "modules": ["Python", "SciPy-bundle/2024.05"]},
    {"name": "r-4.4", "display_name": "R 4.4 libraries for rpy2", "modules": ["R/4.4.1"]},
]
LAUNCHER = "#!/usr/bin/env python\nprint('lmod-kernel')\n"


def test_kernels_ride_in_the_config_map_and_the_command(lmod_spec):
    lmod_spec["lmod"]["kernels"] = KERNELS
    objects = sync_objects(lmod_spec, launcher=LAUNCHER)
    config_map, job = objects[0], job_of(objects)
    assert config_map["data"]["lmod-kernel"] == LAUNCHER
    assert yaml.safe_load(config_map["data"]["kernels.json"]) == KERNELS
    command = job["spec"]["template"]["spec"]["containers"][0]["command"]
    assert command[-4:] == ["--kernels", "/etc/lmod-sync/kernels.json", "--lmod-cmd", "/usr/share/lmod/lmod/libexec/lmod"]
    check_manifests(objects)


@pytest.mark.parametrize("change", [
    lambda k: k[0].update(display_name="Python 3 (SciPy 2024.05)"),
    lambda k: k[1]["modules"].append("GCC/13.2.0"),
    lambda k: k.pop(),
])
def test_changed_kernels_change_the_job_name(lmod_spec, change):
    lmod_spec["lmod"]["kernels"] = copy.deepcopy(KERNELS)
    before = job_of(sync_objects(lmod_spec, launcher=LAUNCHER))["metadata"]["name"]
    change(lmod_spec["lmod"]["kernels"])
    assert job_of(sync_objects(lmod_spec, launcher=LAUNCHER))["metadata"]["name"] != before


def test_a_changed_launcher_changes_the_job_name(lmod_spec):
    lmod_spec["lmod"]["kernels"] = KERNELS
    before = job_of(sync_objects(lmod_spec, launcher=LAUNCHER))["metadata"]["name"]
    assert job_of(sync_objects(lmod_spec, launcher=LAUNCHER + "# new\n"))["metadata"]["name"] != before


def test_kernels_without_the_launcher_are_refused(lmod_spec):
    lmod_spec["lmod"]["kernels"] = KERNELS
    with pytest.raises(ValueError, match="needs the text of lmod-kernel"):
        sync_objects(lmod_spec)


def test_kernels_are_parsed(lmod_spec):
    lmod_spec["lmod"]["kernels"] = KERNELS
    assert parse_spec(lmod_spec).lmod.kernels == (
        spec_lmod.LmodKernel("python-scipy", "Python 3 (SciPy stack)", ("Python", "SciPy-bundle/2024.05")),
        spec_lmod.LmodKernel("r-4.4", "R 4.4 libraries for rpy2", ("R/4.4.1",)),
    )


@pytest.mark.parametrize(
    "kernels, expected",
    [
        ("python", "lmod.kernels: must be a list of {name, display_name, modules}"),
        (["python"], "lmod.kernels[0]: must be a mapping with name, display_name and modules"),
        ([{"name": "x", "modules": ["a"]}], "lmod.kernels[0].display_name: missing"),
        ([{"name": "Py GPU", "display_name": "X", "modules": ["a"]}], "lmod.kernels[0].name: invalid kernel name 'Py GPU'"),
        ([{"name": "-x", "display_name": "X", "modules": ["a"]}], "lmod.kernels[0].name: invalid kernel name '-x'"),
        ([{"name": "python3", "display_name": "X", "modules": ["a"]}], "lmod.kernels[0].name: kernel name 'python3' would hide"),
        ([{"name": "x", "display_name": "", "modules": ["a"]}], "lmod.kernels[0].display_name: must be the name"),
        ([{"name": "x", "display_name": "X", "modules": []}], "lmod.kernels[0].modules: is empty"),
        ([{"name": "x", "display_name": "X", "modules": "Python"}], "lmod.kernels[0].modules: must be a list of module names"),
        ([{"name": "x", "display_name": "X", "modules": ["a b"]}], "lmod.kernels[0].modules[0]: invalid module 'a b'"),
        ([{"name": "x", "display_name": "X", "modules": ["--force"]}], "lmod.kernels[0].modules[0]: invalid module '--force'"),
        ([{"name": "x", "display_name": "X", "modules": ["a"], "env": {}}], "lmod.kernels[0].env: unknown field"),
        ([KERNELS[0], dict(KERNELS[0])], "lmod.kernels[1].name: kernel 'python-scipy' is listed twice"),
    ],
)
def test_bad_kernels(lmod_spec, kernels, expected):
    lmod_spec["lmod"]["kernels"] = kernels
    assert any(error.startswith(expected) for error in errors_of(lmod_spec)), errors_of(lmod_spec)


@pytest.mark.parametrize("change", [{"default_modules": ["R"]}, {"schedule": "0 4 * * *"}])
def test_notebook_only_settings_keep_the_job(lmod_spec, change):
    before = job_of(sync_objects(lmod_spec))["metadata"]["name"]
    lmod_spec["lmod"].update(change)
    assert job_of(sync_objects(lmod_spec))["metadata"]["name"] == before


def test_a_nonce_forces_a_new_job(lmod_spec):
    plain = job_of(sync_objects(lmod_spec))
    forced = job_of(sync_objects(lmod_spec, nonce="1767225600.000001"))
    again = job_of(sync_objects(lmod_spec, nonce="1767225600.000002"))
    assert len({plain["metadata"]["name"], forced["metadata"]["name"], again["metadata"]["name"]}) == 3
    assert re.match(r"^lmod-sync-[0-9a-f]{10}$", forced["metadata"]["name"])
    assert forced["metadata"]["annotations"] == {"shared-resources.odh-rwx.io/forced-sync": "1767225600.000001"}
    # Same pod, same spec hash label: pruning by that label keeps the plain Job of the spec.
    assert forced["spec"]["template"] == plain["spec"]["template"]
    assert forced["metadata"]["labels"] == plain["metadata"]["labels"]


def test_job_name_fits_a_label(lmod_spec):
    assert len(job_of(sync_objects(lmod_spec))["metadata"]["name"]) <= 63


# --------------------------------------------------------------------------
# CronJob


def test_cron_job_runs_the_same_pod(lmod_spec):
    lmod_spec["lmod"]["schedule"] = "0 3 * * *"
    objects = sync_objects(lmod_spec)
    job, cron_job = objects[1], objects[2]
    assert cron_job["metadata"]["name"] == "lmod-sync"
    assert cron_job["spec"]["schedule"] == "0 3 * * *"
    assert cron_job["spec"]["concurrencyPolicy"] == "Forbid"
    template = cron_job["spec"]["jobTemplate"]
    assert template["spec"]["template"]["spec"] == job["spec"]["template"]["spec"]
    assert template["spec"]["podFailurePolicy"] == job["spec"]["podFailurePolicy"]
    # Jobs the CronJob starts must not match the selector that prunes the role's earlier Jobs.
    assert template["metadata"]["labels"]["app.kubernetes.io/component"] == "lmod-sync-scheduled"
    assert cron_job["metadata"]["labels"]["app.kubernetes.io/component"] == "lmod-sync"


# --------------------------------------------------------------------------
# Notebook environment

NOTEBOOK_ENV = {
    "MODULEPATH": "/opt/apps/current/modules/all",
    "LMOD_RC": "/opt/apps/current/lmodrc.lua",
    "BASH_ENV": "/usr/share/lmod/lmod/init/bash",
    "LMOD_CMD": "/usr/share/lmod/lmod/libexec/lmod",
    "LMOD_CACHED_LOADS": "yes",
    "LMOD_SYSTEM_DEFAULT_MODULES": "Python",
    "JUPYTER_PATH": "/opt/apps/current/share/jupyter",
}


def test_notebook_environment_on_a_share(lmod_spec):
    spec = parse_spec(lmod_spec)
    assert lmod.notebook_environment(spec) == {"volumes": [], "volume_mounts": [], "env": NOTEBOOK_ENV}
    # The tier mapping mounts the tree's share, read-only, for a user in no group at all.
    mapped = pod_volumes(access_for_groups(spec, []))
    assert {"name": "shared-software", "mountPath": "/opt/apps", "readOnly": True} in mapped["volume_mounts"]


def test_notebook_environment_on_an_existing_claim(lmod_spec):
    lmod_spec["lmod"] = {
        "claim_name": "hpc-apps",
        "mount_path": "/opt/hpc",
        "source": IMAGE_SOURCE,
        "default_modules": ["GCC/13.2.0", "Python"],
        "lmod_prefix": "/opt/lmod/lmod",
    }
    assert lmod.notebook_environment(parse_spec(lmod_spec)) == {
        "volumes": [{"name": "lmod-tree", "persistentVolumeClaim": {"claimName": "hpc-apps", "readOnly": True}}],
        "volume_mounts": [{"name": "lmod-tree", "mountPath": "/opt/hpc", "readOnly": True}],
        "env": {
            "MODULEPATH": "/opt/hpc/current/modulefiles",
            "LMOD_RC": "/opt/hpc/current/lmodrc.lua",
            "BASH_ENV": "/opt/lmod/lmod/init/bash",
            "LMOD_CMD": "/opt/lmod/lmod/libexec/lmod",
            "LMOD_CACHED_LOADS": "yes",
            "LMOD_SYSTEM_DEFAULT_MODULES": "GCC/13.2.0:Python",
            "JUPYTER_PATH": "/opt/hpc/current/share/jupyter",
        },
    }


def test_no_default_modules_no_variable(lmod_spec):
    lmod_spec["lmod"]["default_modules"] = []
    assert "LMOD_SYSTEM_DEFAULT_MODULES" not in lmod.notebook_environment(parse_spec(lmod_spec))["env"]


def test_notebook_volume_validates_in_a_pod(lmod_spec):
    lmod_spec["lmod"] = {"claim_name": "hpc-apps", "mount_path": "/opt/hpc", "source": IMAGE_SOURCE}
    notebook = lmod.notebook_environment(parse_spec(lmod_spec))
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "jupyter-alice", "namespace": "rhods-notebooks"},
        "spec": {
            "securityContext": manifests.restricted_pod_security_context(),
            "containers": [
                {
                    "name": "notebook",
                    "image": "quay.io/example/notebook:1",
                    "securityContext": manifests.restricted_container_security_context(),
                    "env": [{"name": name, "value": value} for name, value in sorted(notebook["env"].items())],
                    "volumeMounts": notebook["volume_mounts"],
                }
            ],
            "volumes": notebook["volumes"],
        },
    }
    assert schema_errors(pod) == ""
    assert restricted_violations(pod_spec_of(pod)) == []


# --------------------------------------------------------------------------
# JUPYTER_PATH and the notebook image


def test_jupyter_path_keeps_the_directories_named_after_the_tree(lmod_spec):
    lmod_spec["lmod"]["jupyter_path"] = ["/opt/conda/share/jupyter", "/usr/local/share/site-kernels"]
    env = lmod.notebook_environment(parse_spec(lmod_spec))["env"]
    assert env["JUPYTER_PATH"] == "/opt/apps/current/share/jupyter:/opt/conda/share/jupyter:/usr/local/share/site-kernels"


@pytest.mark.parametrize(
    "value, expected",
    [
        ("/opt/conda/share/jupyter", "lmod.jupyter_path: must be a list of directories"),
        (["share/jupyter"], "lmod.jupyter_path[0]: invalid path 'share/jupyter'"),
        (["/opt/a:/opt/b"], "lmod.jupyter_path[0]: invalid path '/opt/a:/opt/b'"),
    ],
)
def test_bad_jupyter_path(lmod_spec, value, expected):
    lmod_spec["lmod"]["jupyter_path"] = value
    assert any(error.startswith(expected) for error in errors_of(lmod_spec)), errors_of(lmod_spec)


def test_every_flavour_notebook_gets_jupyter_path(lmod_spec):
    """JUPYTER_PATH comes from notebook_environment, which every flavour's builder uses."""
    from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import jupyterhub, notebooks

    expected = {"name": "JUPYTER_PATH", "value": "/opt/apps/current/share/jupyter"}
    lmod_spec["jupyterhub"] = {"flavor": "odh_jsp"}
    profiles = [profile for _suffix, profile in jupyterhub.jsp_profiles(parse_spec(lmod_spec))]
    assert any(expected in profile.get("env", []) for profile in profiles)
    lmod_spec["jupyterhub"] = {"flavor": "z2jh", "values_path": "values.yaml"}
    with_share = jupyterhub.hook_data(parse_spec(lmod_spec))["with_share"]  # the tree is on a share: env for who mounts it
    assert expected in with_share[lmod_spec["lmod"]["share"]]["env"]
    lmod_spec["jupyterhub"] = {"flavor": "odh_notebooks"}
    spec = parse_spec(lmod_spec)
    notebook = {
        "apiVersion": "kubeflow.org/v1",
        "kind": "Notebook",
        "metadata": {"name": "jupyter-nb-alice", "namespace": "rhods-notebooks", "annotations": {"opendatahub.io/username": "alice"}},
        "spec": {"template": {"spec": {"containers": [{"name": "jupyter-nb-alice", "image": "x", "env": [{"name": "JUPYTER_PATH", "value": "/mine"}]}]}}},
    }
    patch = notebooks.reconcile_notebook(notebook, access_for_groups(spec, ["team-a"]), lmod.notebook_environment(spec))
    env = patch["spec"]["template"]["spec"]["containers"][0]["env"]
    # The collection owns the variable on a workbench: a value set there is replaced (docs: lmod.jupyter_path keeps directories).
    assert env.count(expected) == 1 and [item["name"] for item in env].count("JUPYTER_PATH") == 1


NOTEBOOK_IMAGE = {"image": "quay.io/example/lmod-notebook:2026.11", "display_name": "Jupyter | LMod | CPU"}


@pytest.mark.parametrize(
    "flavor, image, namespace",
    [
        ({"flavor": "odh_notebooks"}, {}, "opendatahub"),
        ({"flavor": "odh_notebooks"}, {"namespace": "redhat-ods-applications"}, "redhat-ods-applications"),
        ({"flavor": "odh_jsp", "namespace": "odh-hub"}, {}, "odh-hub"),
        ({"flavor": "odh_jsp"}, {}, "rhods-notebooks"),
    ],
)
def test_the_image_stream_goes_where_the_flavour_lists_images(lmod_spec, flavor, image, namespace):
    lmod_spec["jupyterhub"] = flavor
    lmod_spec["lmod"]["notebook_image"] = dict(NOTEBOOK_IMAGE, description="Lmod and the module panel", **image)
    streams = lmod.notebook_image_streams(parse_spec(lmod_spec))
    assert len(streams) == 1
    stream = streams[0]
    assert image_stream_errors(stream) == ""
    assert stream["metadata"]["namespace"] == namespace
    assert stream["metadata"]["labels"]["opendatahub.io/notebook-image"] == "true"
    assert stream["metadata"]["labels"]["app.kubernetes.io/component"] == "lmod-notebook-image"
    assert stream["metadata"]["annotations"] == {
        "opendatahub.io/notebook-image-name": "Jupyter | LMod | CPU",
        "opendatahub.io/notebook-image-desc": "Lmod and the module panel",
    }
    assert dashboard_workbench_images([imported(stream)], namespace) == [("Jupyter | LMod | CPU", ["2026.11"])]


def test_z2jh_gets_the_image_as_singleuser_image(lmod_spec):
    from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import jupyterhub

    lmod_spec["jupyterhub"] = {"flavor": "z2jh", "values_path": "values.yaml"}
    assert "singleuser" not in jupyterhub.z2jh_values(parse_spec(lmod_spec))
    digest = "sha256:" + "0f" * 32
    lmod_spec["lmod"]["notebook_image"] = dict(NOTEBOOK_IMAGE, image="quay.io/example/lmod-notebook:2026.11@" + digest)
    spec = parse_spec(lmod_spec)
    assert lmod.notebook_image_streams(spec) == [] and lmod.notebook_image_namespace(spec) is None
    image = jupyterhub.z2jh_values(spec)["singleuser"]["image"]
    # The chart runs the image name:tag (jupyterhub_config.py): the digest rides on the tag.
    assert "%s:%s" % (image["name"], image["tag"]) == "quay.io/example/lmod-notebook:2026.11@" + digest


def test_notebook_image_defaults(lmod_spec):
    lmod_spec["lmod"]["notebook_image"] = {"image": "registry.example.com:5000/hpc/Lmod_Notebook:v1".lower(), "display_name": "LMod"}
    image = parse_spec(lmod_spec).lmod.notebook_image
    assert (image.repository, image.tag, image.digest, image.name, image.namespace, image.description) == (
        "registry.example.com:5000/hpc/lmod_notebook", "v1", None, "lmod-notebook", None, None)


@pytest.mark.parametrize(
    "image, expected",
    [
        ("quay.io/example/lmod-notebook", "lmod.notebook_image.image: invalid image 'quay.io/example/lmod-notebook': use a reference with a tag"),
        ("quay.io/example/lmod-notebook@sha256:" + "0" * 64, "lmod.notebook_image.image: invalid image"),
        ("Quay.io/Example/LMod:1", "lmod.notebook_image.image: invalid image"),
        ({"image": "x:1"}, "lmod.notebook_image.display_name: missing"),
        ({"display_name": "x"}, "lmod.notebook_image.image: missing"),
        (dict(NOTEBOOK_IMAGE, name="LMod"), "lmod.notebook_image.name: invalid ImageStream name 'LMod'"),
        (dict(NOTEBOOK_IMAGE, namespace="Open Data Hub"), "lmod.notebook_image.namespace: invalid namespace"),
        (dict(NOTEBOOK_IMAGE, description=""), "lmod.notebook_image.description: must be a non-empty string"),
        (dict(NOTEBOOK_IMAGE, tag="x"), "lmod.notebook_image.tag: unknown field"),
        ("quay.io/example/lmod-notebook:2026.11", None),
    ],
)
def test_bad_notebook_images(lmod_spec, image, expected):
    lmod_spec["lmod"]["notebook_image"] = image if isinstance(image, dict) else dict(NOTEBOOK_IMAGE, image=image)
    if expected is None:
        assert parse_spec(lmod_spec).lmod.notebook_image.tag == "2026.11"
        return
    assert any(error.startswith(expected) for error in errors_of(lmod_spec)), errors_of(lmod_spec)
