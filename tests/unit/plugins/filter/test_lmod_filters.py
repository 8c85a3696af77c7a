import copy
import os

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.odh_rwx.shared_resources.plugins.filter import lmod as lmod_filters
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import lmod
from tests.support.pod_security import pod_spec_of, restricted_violations
from tests.support.schema import schema_errors

SCRIPT_PATH = "roles/lmod_tree/files/lmod-sync"
LAUNCHER_PATH = "roles/lmod_tree/files/lmod-kernel"
KERNELS = [{"name": "python-scipy", "display_name": "Python 3 (SciPy stack)", "modules": ["Python", "SciPy-bundle"]}]
NOTEBOOK_IMAGE = {"image": "quay.io/example/lmod-notebook:2026.11", "display_name": "Jupyter | LMod | CPU"}
FILTER_DOCS = "plugins/filter"
IMAGE_SOURCE = {"type": "image", "image": "quay.io/example/easybuild-tree:2026.11", "path": "/opt/apps-src"}


@pytest.fixture
def script():
    with open(SCRIPT_PATH) as handle:
        return handle.read()


@pytest.fixture
def lmod_spec(example_spec):
    example_spec["shares"].append({"name": "software", "tier": "public", "size": "200Gi", "mount_path": "/opt/apps"})
    example_spec["lmod"] = {"share": "software", "source": copy.deepcopy(IMAGE_SOURCE), "schedule": "@daily", "default_modules": ["Python"]}
    return example_spec


@pytest.fixture
def launcher():
    with open(LAUNCHER_PATH) as handle:
        return handle.read()


def test_filters_are_registered():
    assert sorted(lmod_filters.FilterModule().filters()) == ["lmod_notebook", "lmod_notebook_image", "lmod_sync_objects"]


@pytest.mark.parametrize("name", ["lmod_notebook", "lmod_notebook_image", "lmod_sync_objects"])
def test_every_filter_has_its_documentation(name):
    with open(os.path.join(FILTER_DOCS, name + ".yml")) as handle:
        docs = yaml.safe_load(handle)
    assert docs["DOCUMENTATION"]["name"] == name
    assert docs["EXAMPLES"] and docs["RETURN"]


def test_sync_objects_carry_the_real_script(lmod_spec, script):
    objects = lmod_filters.lmod_sync_objects(lmod_spec, script)
    assert [obj["kind"] for obj in objects] == ["ConfigMap", "Job", "CronJob"]
    assert objects[0]["data"]["lmod-sync"] == script
    for obj in objects:
        assert schema_errors(obj) == "", obj["kind"]
    for obj in objects[1:]:
        assert restricted_violations(pod_spec_of(obj)) == []


def test_kernels_reach_the_config_map_with_the_real_launcher(lmod_spec, script, launcher):
    lmod_spec["lmod"]["kernels"] = KERNELS
    config_map, job = lmod_filters.lmod_sync_objects(lmod_spec, script, False, None, lmod.DEFAULT_GIT_IMAGE, lmod.DEFAULT_FETCH_IMAGE, launcher)[:2]
    assert sorted(config_map["data"]) == ["kernels.json", "lmod-kernel", "lmod-sync"]
    assert config_map["data"]["lmod-kernel"] == launcher
    assert yaml.safe_load(config_map["data"]["kernels.json"]) == KERNELS
    assert "--kernels" in job["spec"]["template"]["spec"]["containers"][0]["command"]


def test_kernels_need_the_launcher(lmod_spec, script):
    lmod_spec["lmod"]["kernels"] = KERNELS
    with pytest.raises(AnsibleFilterError, match="lmod_sync_objects: lmod.kernels needs launcher"):
        lmod_filters.lmod_sync_objects(lmod_spec, script)


def test_notebook_image_filter(lmod_spec):
    lmod_spec["lmod"]["notebook_image"] = NOTEBOOK_IMAGE
    lmod_spec["jupyterhub"] = {"flavor": "odh_notebooks"}
    result = lmod_filters.lmod_notebook_image(lmod_spec)
    assert result["namespace"] == "opendatahub"
    assert [stream["metadata"]["name"] for stream in result["image_streams"]] == ["lmod-notebook"]
    del lmod_spec["lmod"]["notebook_image"]
    assert lmod_filters.lmod_notebook_image(lmod_spec) == {"image_streams": [], "namespace": "opendatahub"}


def test_same_input_same_job(lmod_spec, script):
    first = lmod_filters.lmod_sync_objects(lmod_spec, script)[1]["metadata"]["name"]
    assert lmod_filters.lmod_sync_objects(copy.deepcopy(lmod_spec), script)[1]["metadata"]["name"] == first


def test_force_makes_a_new_job_every_time(lmod_spec, script):
    plain = lmod_filters.lmod_sync_objects(lmod_spec, script)[1]["metadata"]["name"]
    forced = [lmod_filters.lmod_sync_objects(lmod_spec, script, True)[1]["metadata"]["name"] for attempt in range(3)]
    assert len(set(forced + [plain])) == 4


def test_options_reach_the_pods(lmod_spec, script):
    lmod_spec["lmod"]["source"] = {"type": "git", "url": "https://git.example.com/apps.git", "ref": "main"}
    job = lmod_filters.lmod_sync_objects(lmod_spec, script, False, "1001", "example.com/git:2", "example.com/fetch:1")[1]
    pod = job["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsUser"] == 1001
    assert pod["initContainers"][0]["image"] == "example.com/git:2"


def test_without_lmod_section(example_spec, script):
    assert lmod_filters.lmod_sync_objects(example_spec, script) == []
    assert lmod_filters.lmod_notebook(example_spec) == {"volumes": [], "volume_mounts": [], "env": {}}
    assert lmod_filters.lmod_notebook_image(example_spec) == {"image_streams": [], "namespace": None}


def test_notebook_filter(lmod_spec):
    notebook = lmod_filters.lmod_notebook(lmod_spec)
    assert sorted(notebook) == ["env", "volume_mounts", "volumes"]
    assert notebook["volumes"] == [] and notebook["volume_mounts"] == []
    assert notebook["env"]["MODULEPATH"] == "/opt/apps/current/modulefiles"
    assert notebook["env"]["LMOD_SYSTEM_DEFAULT_MODULES"] == "Python"
    assert notebook["env"]["JUPYTER_PATH"] == "/opt/apps/current/share/jupyter"


@pytest.mark.parametrize("name", ["lmod_sync_objects", "lmod_notebook", "lmod_notebook_image"])
def test_filters_name_the_bad_field(lmod_spec, script, name):
    lmod_spec["lmod"]["source"]["type"] = "gti"
    lmod_spec["shares"][1]["size"] = "10GB"
    arguments = (lmod_spec, script) if name == "lmod_sync_objects" else (lmod_spec,)
    with pytest.raises(AnsibleFilterError) as info:
        getattr(lmod_filters, name)(*arguments)
    message = str(info.value)
    assert message.startswith("%s: invalid shared_resources spec:" % name)
    assert "\n  - shares[1] (projects).size: invalid size '10GB'" in message
    assert "\n  - lmod.source.type: unknown source type 'gti' (did you mean 'git'?)" in message


@pytest.mark.parametrize(
    "arguments, expected",
    [
        (("",), "script must be the text of lmod-sync"),
        ((None,), "script must be the text of lmod-sync"),
        (("x", "yes"), "force must be true or false"),
        (("x", False, 0), "run_as_user must be a non-root uid"),
        (("x", False, "root"), "run_as_user must be a non-root uid"),
        (("x", False, None, ""), "git_image must be a container image reference"),
        (("x", False, None, lmod.DEFAULT_GIT_IMAGE, "a b"), "fetch_image must be a container image reference"),
        (("x", False, None, lmod.DEFAULT_GIT_IMAGE, lmod.DEFAULT_FETCH_IMAGE, ""), "launcher must be the text of lmod-kernel"),
    ],
)
def test_bad_filter_arguments(lmod_spec, arguments, expected):
    with pytest.raises(AnsibleFilterError, match="lmod_sync_objects: " + expected):
        lmod_filters.lmod_sync_objects(lmod_spec, *arguments)
