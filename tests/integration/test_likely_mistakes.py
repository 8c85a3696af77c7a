"""Warnings about likely mistakes, at default verbosity, from the validate playbook and the first task of site.yml.

Membership from shared_resources.users is checked anywhere; membership from OpenShift Groups is read from
the cluster by site.yml's first task (after the spec is valid) and said to be unchecked by validate and
in render mode, which contact no cluster.
"""

import json
import os
import re

from kubernetes import config, dynamic

from tests.integration.roles.test_odh_jsp import GROUP_CRD, SPEC
from tests.support.playbooks import ansible_env, run_playbook
from tests.support.spec_schema import REPO_ROOT, example_spec

SITE = os.path.join(REPO_ROOT, "playbooks", "site.yml")
VALIDATE = os.path.join(REPO_ROOT, "playbooks", "validate.yml")
OPENSHIFT_SPEC = dict(SPEC, jupyterhub={"flavor": "odh_jsp", "groups_from": "openshift"})


def output(completed):
    """stdout and stderr with the line wrapping of the default callback undone."""
    return re.sub(r"\s+", " ", completed.stdout + completed.stderr)


def vars_file(tmp_path, spec, **extra):
    path = tmp_path / "vars.json"
    path.write_text(json.dumps(dict(extra, shared_resources=spec)))
    return "@" + str(path)


def test_validate_warns_about_a_users_typo_and_a_group_nobody_is_in(tmp_path):
    spec = example_spec()
    spec["tiers"]["private"]["writers"] = ["team-a", "team-b", "imaging"]
    spec["users"]["alice"] = ["team-a", "imagng"]
    completed = run_playbook(VALIDATE, "-e", vars_file(tmp_path, spec))
    assert completed.returncode == 0, completed.stdout[-3000:]
    text = output(completed)
    assert ("[WARNING]: users: group 'imagng' (alice) is named by no tier, share or notebook namespace, so it gives its "
            "members nothing (did you mean 'imaging'?)") in text
    assert "tiers.private.writers: group 'imaging' has no member in shared_resources.users" in text
    assert text.count("[WARNING]") == 2


def test_the_example_validates_without_warnings(tmp_path):
    completed = run_playbook(VALIDATE, inventory=os.path.join(REPO_ROOT, "examples", "inventory"))
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert "[WARNING]" not in completed.stdout + completed.stderr


def openshift_groups(k8s_emulator, members):
    client = dynamic.DynamicClient(config.new_client_from_config(config_file=k8s_emulator.kubeconfig))
    client.resources.get(api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition").create(body=GROUP_CRD)
    groups = client.resources.get(api_version="user.openshift.io/v1", kind="Group")
    for name, users in members.items():
        groups.create(body={"apiVersion": "user.openshift.io/v1", "kind": "Group", "metadata": {"name": name}, "users": users})


def group_requests(k8s_emulator):
    return [event for event in k8s_emulator.audit_events() if "/apis/user.openshift.io/" in event.get("requestURI", "")]


def test_site_checks_openshift_groups_and_validate_says_it_cannot(k8s_emulator, tmp_path):
    openshift_groups(k8s_emulator, {"team-a": ["alice"], "analysts": ["alice", "bob"], "hr": [], "dedicated-admins": ["root"]})
    env = ansible_env(k8s_emulator.env())
    report = tmp_path / "access-report.md"
    k8s_emulator.reset_audit()

    completed = run_playbook(SITE, "--tags", "validate", "-e", vars_file(tmp_path, OPENSHIFT_SPEC), "-e",
                             "shared_resources_report_path=%s" % report, env=env)
    assert completed.returncode == 0, completed.stdout[-3000:]
    text = output(completed)
    assert ("[WARNING]: tiers.secret.writers: group 'hr' has no member in the cluster's OpenShift Groups, so what it gives "
            "reaches nobody") in text
    assert "shares[2] (hr-records): none of its groups (hr) has a member, so nobody mounts it" in text
    assert "dedicated-admins" not in text  # OpenShift Groups serve much else: only the spec's groups are checked
    assert [event["verb"] for event in group_requests(k8s_emulator)].count("list") == 1  # besides discovery
    assert k8s_emulator.writes() == []
    assert "| alice |" in report.read_text() and "| bob |" in report.read_text()  # the report maps the cluster's members

    for playbook, extra in ((VALIDATE, ()), (SITE, ("--tags", "validate", "-e", "shared_resources_render_dir=%s" % (tmp_path / "r")))):
        k8s_emulator.reset_audit()
        completed = run_playbook(playbook, "-e", vars_file(tmp_path, OPENSHIFT_SPEC), *extra, env=env)
        assert completed.returncode == 0, completed.stdout[-3000:]
        assert ("[WARNING]: jupyterhub.groups_from is openshift: membership comes from the cluster's OpenShift Groups, which "
                "this run does not read") in output(completed), playbook
        assert group_requests(k8s_emulator) == [], playbook
