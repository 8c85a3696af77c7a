"""Every role of site.yml for each notebook flavour, from real playbook data: ansible-playbook with the
example inventory and ``-e @file`` data, in render mode and against the API emulator.

ansible-core 2.19 hands filters and modules the inventory's and extra vars' values as tagged
strings, ``!unsafe`` ones included; tests that pass plain Python values to filters cannot show that
every serialiser (YAML files, ConfigMap JSON, the z2jh hook's Python) takes them.
"""

import json
import os

import pytest
import yaml
from kubernetes import config, dynamic

from tests.support.notebook_crd import install_notebook_crd
from tests.support.playbooks import ansible_env, run_playbook

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SITE = os.path.join(REPO_ROOT, "playbooks", "site.yml")
INVENTORY = os.path.join(REPO_ROOT, "examples", "inventory")
FLAVOUR_FILES = {
    "odh_jsp": [],  # the example inventory's own flavour
    "odh_notebooks": ["-e", "@" + os.path.join(REPO_ROOT, "examples", "flavors", "odh_notebooks.yml")],
    "z2jh": ["-e", "@" + os.path.join(REPO_ROOT, "examples", "flavors", "z2jh.yml")],
}
# The Data Science Projects of examples/flavors/odh_notebooks.yml.
PROJECTS = ["team-a-project", "open-analytics"]
UNSAFE_NAME = "Census {{ extracts }}"


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory):
    """The example organisation as an ``-e @file``, its display name and a group name ``!unsafe``."""
    with open(os.path.join(INVENTORY, "group_vars", "all", "shared_resources.yml")) as handle:
        spec = yaml.safe_load(handle)["shared_resources"]
    spec["storage_class"]["parameters"] = {"server": "nfs.example.com", "share": "/exports/shared"}
    spec["shares"][0]["display_name"] = "UNSAFE-DISPLAY-NAME"
    spec["users"]["mallory"] = ["UNSAFE-GROUP"]
    text = yaml.safe_dump({"shared_resources": spec}, sort_keys=False)
    text = text.replace("UNSAFE-DISPLAY-NAME", "!unsafe '%s'" % UNSAFE_NAME).replace("UNSAFE-GROUP", "!unsafe 'guests-{{ all }}'")
    path = tmp_path_factory.mktemp("spec") / "spec.yml"
    path.write_text(text)
    return str(path)


def site(env, *args):
    return run_playbook(SITE, *args, env=env, inventory=INVENTORY)


def client_for(emulator):
    return dynamic.DynamicClient(config.new_client_from_config(config_file=emulator.kubeconfig))


def prepare_notebook_cluster(emulator):
    """What ODH 2.x brings and the odh_notebooks flavour reads: the Notebook CRD, the project namespaces."""
    client = client_for(emulator)
    install_notebook_crd(client)
    namespaces = client.resources.get(api_version="v1", kind="Namespace")
    for name in PROJECTS:
        namespaces.create(body={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})


def offline_env():
    """No cluster: a kubeconfig that does not exist, so that any API call fails."""
    return ansible_env(K8S_AUTH_KUBECONFIG="/nonexistent/kubeconfig", KUBECONFIG="/nonexistent/kubeconfig")


# The jupyterhub section of each flavour file, with the membership from OpenShift Groups instead of the inventory.
OPENSHIFT_SECTIONS = {
    "odh_jsp": "{'flavor': 'odh_jsp', 'groups_from': 'openshift'}",
    "odh_notebooks": "{'flavor': 'odh_notebooks', 'groups_from': 'openshift', 'notebook_namespaces': [shared_resources.namespace, "
                     "'open-analytics'], 'admission': {'enabled': true}}",
    "z2jh": "{'flavor': 'z2jh', 'groups_from': 'openshift', 'values_path': example_z2jh_values_path}",
}
ADMISSION_FILES = 6  # its two ConfigMaps, Deployment, disruption budget, Service, webhook configuration


@pytest.mark.parametrize("groups_from", ["inventory", "openshift"])
@pytest.mark.parametrize("flavour", sorted(FLAVOUR_FILES))
def test_render_mode_contacts_no_cluster(flavour, groups_from, spec_file, tmp_path):
    """GitOps render of every stage with a kubeconfig that does not exist: any API call would fail the run. What needs
    the cluster is left out, and said once."""
    rendered = tmp_path / "rendered"
    values = tmp_path / "z2jh-values.yaml"
    args = ["-e", "@" + spec_file] + FLAVOUR_FILES[flavour] + [
        "-e", "shared_resources_render_dir=%s" % rendered, "-e", "example_z2jh_values_path=%s" % values]
    if groups_from == "openshift":
        override = tmp_path / "openshift.json"
        override.write_text(json.dumps({"jupyterhub_shared_resources": "{{ shared_resources | combine({'jupyterhub': %s}) }}"
                                        % OPENSHIFT_SECTIONS[flavour]}))
        args += ["-e", "@%s" % override]
    completed = site(offline_env(), *args)
    assert completed.returncode == 0, completed.stdout[-4000:]
    documents = [yaml.safe_load(path.read_text()) for path in sorted(rendered.glob("*.yaml"))]
    kinds = set(document["kind"] for document in documents)
    assert {"StorageClass", "PersistentVolumeClaim", "Job", "ConfigMap"} <= kinds
    census = [d for d in documents if d["kind"] == "PersistentVolumeClaim" and d["metadata"]["name"] == "census"]
    assert census[0]["metadata"]["annotations"]["openshift.io/display-name"] == UNSAFE_NAME
    assert completed.stdout.count("TASK [Say what render mode leaves out, and why]") == 1
    said = completed.stdout.split("TASK [Say what render mode leaves out, and why]", 1)[1].split("PLAY [", 1)[0]
    assert "deletions: objects that earlier specs declared are not removed" in said
    profiles = [d for d in documents if d["metadata"]["name"].startswith("odh-rwx-profiles-")]
    admission = [d for d in documents if d["metadata"].get("labels", {}).get("app.kubernetes.io/component") == "notebook-admission"]
    assert "Notebook" not in kinds and "PersistentVolume" not in kinds
    if flavour == "odh_notebooks":
        assert "the Notebook patches and the Data Science Projects' static volumes and claims" in said
    if groups_from == "openshift":
        assert "it lists the members of OpenShift groups, which render mode does not read" in said
        assert profiles == [] and admission == [] and not values.exists()
        return
    if flavour == "odh_jsp":
        assert len(profiles) >= 2
    if flavour == "odh_notebooks":
        assert len(admission) == ADMISSION_FILES
    if flavour == "z2jh":
        hook = yaml.safe_load(values.read_text())["hub"]["extraConfig"]["zz-odh-rwx-shared-resources"]
        assert '"guests-{{ all }}"' in hook
    else:
        assert not values.exists()


def test_each_flavour_against_the_emulator_from_the_inventory(k8s_emulator, tmp_path):
    """The three flavours in turn on one cluster, as a site switching flavour would (reruns: molecule/default)."""
    prepare_notebook_cluster(k8s_emulator)
    env = ansible_env(k8s_emulator.env())
    values = tmp_path / "z2jh-values.yaml"
    for flavour in ["odh_jsp", "odh_notebooks", "z2jh"]:
        completed = site(env, *(FLAVOUR_FILES[flavour] + ["-e", "example_z2jh_values_path=%s" % values]))
        assert completed.returncode == 0, "%s:\n%s" % (flavour, completed.stdout[-4000:])
    client = client_for(k8s_emulator)
    profiles = client.resources.get(api_version="v1", kind="ConfigMap").get(
        namespace="rhods-notebooks", label_selector="app.kubernetes.io/component=jupyterhub-profiles")
    assert len(profiles.items) >= 2
    volumes = client.resources.get(api_version="v1", kind="PersistentVolumeClaim").get(namespace="team-a-project")
    assert len(volumes.items) >= 1
    assert sorted(yaml.safe_load(values.read_text())["hub"]) == ["config", "extraConfig"]
