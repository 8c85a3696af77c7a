"""site.yml refuses every spec of the bad-spec corpus before any API call."""

import concurrent.futures
import copy
import json
import os

import jsonpatch
import yaml

from tests.support.playbooks import ansible_env, run_playbook

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

with open(os.path.join(REPO_ROOT, "tests", "corpus", "bad_specs.yml")) as handle:
    CORPUS = yaml.safe_load(handle)
with open(os.path.join(REPO_ROOT, "examples", "inventory", "group_vars", "all", "shared_resources.yml")) as handle:
    EXAMPLE = yaml.safe_load(handle)["shared_resources"]


def values_path(case, workdir):
    """Where a z2jh case's values file would go: in the test's directory, so that its absence can be checked."""
    return os.path.join(workdir, "%s-values.yaml" % case["name"].replace(" ", "-"))


def run_site(case, workdir, env):
    spec = jsonpatch.apply_patch(copy.deepcopy(EXAMPLE), case["patch"])
    if "values_path" in (spec.get("jupyterhub") or {}):
        spec["jupyterhub"]["values_path"] = values_path(case, workdir)
    vars_file = os.path.join(workdir, "%s.json" % case["name"].replace(" ", "-"))
    with open(vars_file, "w") as handle:
        json.dump({"shared_resources": spec}, handle)
    return case, run_playbook(os.path.join(REPO_ROOT, "playbooks", "site.yml"), "-e", "@" + vars_file, env=env)


def test_every_bad_spec_is_refused_before_any_api_call(k8s_emulator, tmp_path):
    env = ansible_env(k8s_emulator.env(), ANSIBLE_STDOUT_CALLBACK="ansible.posix.json")
    k8s_emulator.reset_audit()
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(lambda case: run_site(case, str(tmp_path), env), CORPUS))
    for case, completed in outcomes:
        assert completed.returncode == 2, (case["name"], completed.stderr[-2000:])
        assert case["error"] in completed.stdout, (case["name"], completed.stdout[-3000:])
        assert not os.path.exists(values_path(case, str(tmp_path))), case["name"]
    assert k8s_emulator.audit_events() == []
