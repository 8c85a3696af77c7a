"""Fixtures of the data-plane harness: the directory Jobs as site.yml renders them, per flavour."""

import concurrent.futures
import copy
import glob
import json
import os
import shutil

import pytest
import yaml

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import parse_spec
from tests.support.playbooks import REPO_ROOT, run_playbook

EXAMPLE = os.path.join(REPO_ROOT, "examples", "inventory", "group_vars", "all", "shared_resources.yml")
FLAVOURS = {
    "odh_jsp": {"flavor": "odh_jsp"},
    "odh_notebooks": {"flavor": "odh_notebooks"},
    "z2jh": {"flavor": "z2jh", "values_path": "/tmp/unused-values.yaml"},
}
# Kubernetes: the Jobs need a uid (the Job image's user is root); OpenShift assigns one.
RUN_AS_USER = {"odh_jsp": None, "odh_notebooks": None, "z2jh": 1001}


def pytest_collection_modifyitems(config, items):
    missing = [tool for tool in ("setpriv", "unshare", "mount") if shutil.which(tool) is None]
    if os.geteuid() == 0 and not missing and os.path.exists("/usr/bin/python3"):
        return
    reason = "the data-plane harness needs root, /usr/bin/python3, setpriv, unshare and mount (util-linux)"
    for item in items:
        if "tests/dataplane/" in str(item.fspath):
            item.add_marker(pytest.mark.skip(reason=reason))


def example_data(flavour):
    with open(EXAMPLE) as handle:
        data = yaml.safe_load(handle)["shared_resources"]
    data["storage_class"]["parameters"] = {"server": "nfs.example.com", "share": "/exports"}
    # A directory the Jobs make in a share '*' may not read, besides census's in a public one.
    data["shares"][3]["directories"] = ["drafts"]
    data["jupyterhub"] = copy.deepcopy(FLAVOURS[flavour])
    return data


def render(flavour, workdir):
    """site.yml --tags shares in render mode: the share-directories ConfigMap and the Jobs, as files."""
    os.makedirs(workdir)
    extra = {"shared_resources": example_data(flavour), "shared_resources_render_dir": os.path.join(workdir, "out")}
    if RUN_AS_USER[flavour]:
        extra["shared_resources_run_as_user"] = RUN_AS_USER[flavour]
    with open(os.path.join(workdir, "vars.json"), "w") as handle:
        json.dump(extra, handle)
    completed = run_playbook(os.path.join(REPO_ROOT, "playbooks", "site.yml"), "--tags", "shares", "-e", "@" + os.path.join(workdir, "vars.json"))
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-2000:]
    with open(glob.glob(os.path.join(workdir, "out", "configmap_*_share-directories.yaml"))[0]) as handle:
        script = yaml.safe_load(handle)["data"]["share-directories"]
    jobs = {}
    for path in glob.glob(os.path.join(workdir, "out", "job_*.yaml")):
        with open(path) as handle:
            job = yaml.safe_load(handle)
        jobs[job["metadata"]["labels"]["shared-resources.odh-rwx.io/share"]] = job
    return {"script": script, "jobs": jobs, "log": completed.stdout}


@pytest.fixture(scope="session")
def rendered(tmp_path_factory):
    """flavour -> {"spec", "script", "jobs", "log"}: what site.yml renders for the example organisation."""
    base = tmp_path_factory.mktemp("rendered")
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        results = dict(zip(FLAVOURS, pool.map(lambda flavour: render(flavour, str(base / flavour)), FLAVOURS)))
    for flavour, result in results.items():
        result["spec"] = parse_spec(example_data(flavour))
    return results
