"""site.yml refuses every spec of the bad-spec corpus before any API call."""

import concurrent.futures
import copy
import json
import os
import subprocess
import sys

import jsonpatch
import yaml

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

with open(os.path.join(REPO_ROOT, "tests", "corpus", "bad_specs.yml")) as handle:
    CORPUS = yaml.safe_load(handle)
with open(os.path.join(REPO_ROOT, "examples", "inventory", "group_vars", "all", "shared_resources.yml")) as handle:
    EXAMPLE = yaml.safe_load(handle)["shared_resources"]


def run_site(case, workdir, env):
    spec = jsonpatch.apply_patch(copy.deepcopy(EXAMPLE), case["patch"])
    vars_file = os.path.join(workdir, "%s.json" % case["name"].replace(" ", "-"))
    with open(vars_file, "w") as handle:
        json.dump({"shared_resources": spec}, handle)
    command = [
        "ansible-playbook", "-i", "localhost,", "-c", "local", os.path.join(REPO_ROOT, "playbooks", "site.yml"),
        "-e", "@" + vars_file, "-e", "ansible_python_interpreter=" + sys.executable,
    ]
    return case, subprocess.run(command, env=env, capture_output=True, text=True, check=False)


def test_every_bad_spec_is_refused_before_any_api_call(k8s_emulator, tmp_path):
    env = dict(
        k8s_emulator.env(),
        ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO_ROOT, ".collections"),
        ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
        PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"],
    )
    k8s_emulator.reset_audit()
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(lambda case: run_site(case, str(tmp_path), env), CORPUS))
    for case, completed in outcomes:
        assert completed.returncode == 2, (case["name"], completed.stderr[-2000:])
        assert case["error"] in completed.stdout, (case["name"], completed.stdout[-3000:])
    assert k8s_emulator.audit_events() == []
