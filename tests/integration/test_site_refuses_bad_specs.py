"""site.yml refuses every spec of the bad-spec corpus before any API call.

One ansible-playbook run holds the whole corpus: each case is a host of its own (local connection) with
its spec as host variable, and site.yml's plays target them all (shared_resources_target_hosts), so
each case fails its own first task while the others go on.
"""

import copy
import json
import os
import sys

import jsonpatch
import yaml

from tests.support.playbooks import ansible_env, run_playbook

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

with open(os.path.join(REPO_ROOT, "tests", "corpus", "bad_specs.yml")) as handle:
    CORPUS = yaml.safe_load(handle)
with open(os.path.join(REPO_ROOT, "examples", "inventory", "group_vars", "all", "shared_resources.yml")) as handle:
    EXAMPLE = yaml.safe_load(handle)["shared_resources"]


def host_name(case):
    return case["name"].replace(" ", "-")


def values_path(case, workdir):
    """Where a z2jh case's values file would go: in the test's directory, so that its absence can be checked."""
    return os.path.join(workdir, "%s-values.yaml" % host_name(case))


def host_vars(case, workdir):
    spec = jsonpatch.apply_patch(copy.deepcopy(EXAMPLE), case["patch"])
    if "values_path" in (spec.get("jupyterhub") or {}):
        spec["jupyterhub"]["values_path"] = values_path(case, workdir)
    return {"ansible_connection": "local", "ansible_python_interpreter": sys.executable, "shared_resources": spec}


def test_every_bad_spec_is_refused_before_any_api_call(k8s_emulator, tmp_path):
    inventory = tmp_path / "corpus.json"
    inventory.write_text(json.dumps({"all": {"hosts": dict((host_name(case), host_vars(case, str(tmp_path))) for case in CORPUS)}}))
    env = ansible_env(k8s_emulator.env(), ANSIBLE_STDOUT_CALLBACK="ansible.posix.json")
    k8s_emulator.reset_audit()
    completed = run_playbook(os.path.join(REPO_ROOT, "playbooks", "site.yml"), "-e", "shared_resources_target_hosts=all",
                             "--forks", "8", env=env, inventory=str(inventory))
    assert completed.returncode == 2, completed.stderr[-2000:]
    result = json.loads(completed.stdout)
    assert all(stats["failures"] == 1 and stats["changed"] == 0 for stats in result["stats"].values()), result["stats"]
    first_task = result["plays"][0]["tasks"][0]
    assert first_task["task"]["name"] == "Validate the spec and map users to their tiers"
    for case in CORPUS:
        outcome = first_task["hosts"][host_name(case)]
        assert outcome.get("failed"), case["name"]
        assert case["error"] in outcome["msg"], (case["name"], outcome["msg"])
        assert not os.path.exists(values_path(case, str(tmp_path))), case["name"]
    assert len(result["plays"]) == 1 or all(not play["tasks"] for play in result["plays"][1:])
    assert k8s_emulator.audit_events() == []
