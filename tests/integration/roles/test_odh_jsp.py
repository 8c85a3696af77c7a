"""Flavour odh_jsp of the jupyterhub role against the API emulator, with membership from OpenShift Groups.

Profiles follow the Groups on every rerun; profile ConfigMaps no longer needed are deleted, other
teams' ConfigMaps (even labelled for jupyterhub-singleuser-profiles) are never touched, and a rerun
without a change sends no write.
"""

import json
import textwrap

from kubernetes import config, dynamic

from tests.support.playbooks import ansible_env, run_playbook

NAMESPACE = "odh"
SPEC = {
    "namespace": NAMESPACE,
    "tiers": {
        "public": {"readers": ["*"], "gid": 40001},
        "private": {"readers": ["analysts"], "writers": ["team-a"], "gid": 40002},
        "secret": {"readers": [], "writers": ["hr"], "gid": 40003, "restricted": True},
    },
    "shares": [
        {"name": "census", "tier": "public", "size": "1Gi"},
        {"name": "projects", "tier": "private", "size": "1Gi"},
        {"name": "hr-records", "tier": "secret", "size": "1Gi"},
    ],
    "jupyterhub": {"flavor": "odh_jsp", "groups_from": "openshift"},
}
GROUP_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "groups.user.openshift.io"},
    "spec": {
        "group": "user.openshift.io",
        "names": {"kind": "Group", "plural": "groups", "singular": "group", "listKind": "GroupList"},
        "scope": "Cluster",
        "versions": [{"name": "v1", "served": True, "storage": True,
                      "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}}],
    },
}
FOREIGN = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "team-gpu-profiles", "namespace": NAMESPACE, "labels": {"jupyterhub": "singleuser-profiles"}},
    "data": {"jupyterhub-singleuser-profiles.yaml": "profiles: []\n"},
}


def client_for(k8s_emulator):
    return dynamic.DynamicClient(config.new_client_from_config(config_file=k8s_emulator.kubeconfig))


def set_groups(client, members):
    groups = client.resources.get(api_version="user.openshift.io/v1", kind="Group")
    for name, users in members.items():
        body = {"apiVersion": "user.openshift.io/v1", "kind": "Group", "metadata": {"name": name}, "users": users}
        if any(item.metadata.name == name for item in groups.get().items):
            groups.replace(body=dict(body, metadata={"name": name, "resourceVersion": groups.get(name=name).metadata.resourceVersion}))
        else:
            groups.create(body=body)


def profiles_by_user(client):
    config_maps = client.resources.get(api_version="v1", kind="ConfigMap").get(namespace=NAMESPACE).items
    found = {}
    for item in config_maps:
        if item.metadata.labels and item.metadata.labels.get("app.kubernetes.io/managed-by") == "odh_rwx.shared_resources":
            for profile in json.loads(item.data["jupyterhub-singleuser-profiles.yaml"])["profiles"]:
                volumes = sorted(volume["persistentVolumeClaim"]["claimName"] for volume in profile.get("volumes", []))
                for user in profile["users"]:
                    found.setdefault(user, []).extend(volumes)
    return dict((user, sorted(volumes)) for user, volumes in found.items())


def run_role(k8s_emulator, tmp_path):
    playbook = tmp_path / "jsp.yml"
    playbook.write_text(textwrap.dedent("""\
        - hosts: localhost
          gather_facts: false
          roles:
            - odh_rwx.shared_resources.jupyterhub
        """))
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"shared_resources": SPEC}))
    completed = run_playbook(playbook, "-e", "@" + str(spec), env=ansible_env(k8s_emulator.env()))
    assert completed.returncode == 0, completed.stdout[-4000:]
    return completed


def test_profiles_follow_openshift_groups_and_only_own_configmaps_go(k8s_emulator, tmp_path):
    client = client_for(k8s_emulator)
    client.resources.get(api_version="v1", kind="Namespace").create(body={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})
    client.resources.get(api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition").create(body=GROUP_CRD)
    client.resources.get(api_version="v1", kind="ConfigMap").create(body=FOREIGN, namespace=NAMESPACE)
    set_groups(client, {"team-a": ["alice"], "analysts": ["alice", "bob"], "hr": ["carol"]})

    run_role(k8s_emulator, tmp_path)
    assert profiles_by_user(client) == {"alice": ["projects"], "bob": ["projects"], "carol": ["hr-records"], "*": ["census"]}

    set_groups(client, {"hr": []})
    run_role(k8s_emulator, tmp_path)
    assert profiles_by_user(client) == {"alice": ["projects"], "bob": ["projects"], "*": ["census"]}
    names = [item.metadata.name for item in client.resources.get(api_version="v1", kind="ConfigMap").get(namespace=NAMESPACE).items]
    assert "team-gpu-profiles" in names

    k8s_emulator.reset_audit()
    run_role(k8s_emulator, tmp_path)
    assert k8s_emulator.writes() == []
