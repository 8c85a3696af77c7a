"""The notebook side of the LMod tree through ansible-playbook: kernels in the sync objects,
JUPYTER_PATH in every flavour, and the notebook image where users pick images.

odh_jsp and z2jh are rendered (site.yml with shared_resources_render_dir: no cluster); the
odh_notebooks ImageStream is applied to the API emulator, which serves ImageStreams through a
CRD built from openshift/api's types (tests/support/openshift.py).
"""

import copy
import json
import os

import yaml
from kubernetes import config, dynamic

from tests.jupyterhub import chart
from tests.support.openshift import dashboard_workbench_images, image_stream_crd, image_stream_errors, imported
from tests.support.notebook_crd import install_notebook_crd
from tests.support.playbooks import REPO_ROOT, ansible_env, run_playbook, run_role

EXAMPLE = os.path.join(REPO_ROOT, "examples", "inventory", "group_vars", "all", "shared_resources.yml")
SITE = os.path.join(REPO_ROOT, "playbooks", "site.yml")
KERNELS = [
    {"name": "python-scipy", "display_name": "Python 3 (SciPy stack)", "modules": ["Python", "SciPy-bundle"]},
    {"name": "python-gpu", "display_name": "Python 3 (PyTorch, CUDA)", "modules": ["PyTorch/2.5.1", "CUDA/12.6"]},
]
NOTEBOOK_IMAGE = {
    "image": "quay.io/example/lmod-notebook:2026.11",
    "display_name": "Jupyter | LMod | CPU | Python 3.12",
    "description": "JupyterLab with Lmod and the module panel; the shared software tree at /opt/apps.",
}
JUPYTER_PATH = "/opt/apps/current/share/jupyter"


def example(**jupyterhub):
    data = copy.deepcopy(yaml.safe_load(open(EXAMPLE))["shared_resources"])
    data["storage_class"]["parameters"] = {"server": "nfs.example.com", "share": "/exports/shared"}
    data["lmod"]["kernels"] = KERNELS
    data["lmod"]["notebook_image"] = NOTEBOOK_IMAGE
    data["jupyterhub"] = dict(jupyterhub)
    return data


def render(tmp_path, data):
    extra = tmp_path / "spec.json"
    extra.write_text(json.dumps({"shared_resources": data, "shared_resources_render_dir": str(tmp_path / "rendered")}))
    completed = run_playbook(SITE, "-e", "@" + str(extra))
    assert completed.returncode == 0, completed.stdout[-4000:]
    rendered = {}
    for name in os.listdir(tmp_path / "rendered"):
        with open(tmp_path / "rendered" / name) as handle:
            rendered[name] = yaml.safe_load(handle)
    return rendered


def test_odh_jsp_render_carries_kernels_jupyter_path_and_the_image_stream(tmp_path):
    rendered = render(tmp_path, example(flavor="odh_jsp"))
    config_map = rendered["configmap_rhods-notebooks_lmod-sync.yaml"]
    assert json.loads(config_map["data"]["kernels.json"]) == KERNELS
    with open(os.path.join(REPO_ROOT, "roles", "lmod_tree", "files", "lmod-kernel")) as handle:
        assert config_map["data"]["lmod-kernel"] == handle.read()
    job = next(obj for name, obj in rendered.items() if name.startswith("job_rhods-notebooks_lmod-sync-"))
    command = job["spec"]["template"]["spec"]["containers"][0]["command"]
    assert command[command.index("--kernels") + 1] == "/etc/lmod-sync/kernels.json"

    profiles = [obj for name, obj in rendered.items() if name.startswith("configmap_rhods-notebooks_odh-rwx-profiles-")]
    with_lmod = [
        profile
        for config_map in profiles
        for profile in yaml.safe_load(config_map["data"]["jupyterhub-singleuser-profiles.yaml"])["profiles"]
        if any(item["name"] == "MODULEPATH" for item in profile.get("env", []))
    ]
    assert with_lmod, "no profile carries the LMod environment"
    for profile in with_lmod:
        assert {"name": "JUPYTER_PATH", "value": JUPYTER_PATH} in profile["env"]

    image_stream = rendered["imagestream_rhods-notebooks_lmod-notebook.yaml"]
    assert image_stream_errors(image_stream) == ""
    assert image_stream["metadata"]["labels"]["opendatahub.io/notebook-image"] == "true"
    assert image_stream["spec"]["tags"] == [
        {"name": "2026.11", "from": {"kind": "DockerImage", "name": NOTEBOOK_IMAGE["image"]}, "referencePolicy": {"type": "Source"}}
    ]


def test_z2jh_values_carry_the_image_and_jupyter_path(tmp_path):
    values_path = tmp_path / "values.yaml"
    render(tmp_path, example(flavor="z2jh", values_path=str(values_path)))
    values = yaml.safe_load(values_path.read_text())
    assert values["singleuser"]["image"] == {"name": "quay.io/example/lmod-notebook", "tag": "2026.11"}
    # The environment rides in the hook's data, for the users who mount the tree's share.
    assert '"name": "JUPYTER_PATH",\n' in values["hub"]["extraConfig"]["zz-odh-rwx-shared-resources"]
    assert '"value": "%s"' % JUPYTER_PATH in values["hub"]["extraConfig"]["zz-odh-rwx-shared-resources"]
    for version in ("4.2.0", "4.4.0"):
        assert chart.schema_errors(version, chart.helm_values(version, values)) == []


def run_jupyterhub_role(k8s_emulator, tmp_path, data, *options):
    completed = run_role(tmp_path, "jupyterhub", {"shared_resources": data}, *options, env=ansible_env(k8s_emulator.env()))
    assert completed.returncode == 0, completed.stdout[-4000:]


def test_odh_notebooks_image_stream_in_the_dashboard_namespace(k8s_emulator, tmp_path):
    client = dynamic.DynamicClient(config.new_client_from_config(config_file=k8s_emulator.kubeconfig))
    client.resources.get(api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition").create(body=image_stream_crd())
    install_notebook_crd(client)  # the odh_notebooks flavour reads Notebooks
    namespaces = client.resources.get(api_version="v1", kind="Namespace")
    for name in ("opendatahub", "rhods-notebooks"):
        namespaces.create(body={"metadata": {"name": name}})
    data = example(flavor="odh_notebooks")

    def image_streams():
        return client.resources.get(api_version="image.openshift.io/v1", kind="ImageStream").get(namespace="opendatahub").items

    run_jupyterhub_role(k8s_emulator, tmp_path, data)
    live = [item.to_dict() for item in image_streams()]
    assert [item["metadata"]["name"] for item in live] == ["lmod-notebook"]
    assert dashboard_workbench_images([imported(item) for item in live], "opendatahub") == [
        ("Jupyter | LMod | CPU | Python 3.12", ["2026.11"])
    ]
    k8s_emulator.reset_audit()
    run_jupyterhub_role(k8s_emulator, tmp_path, data)
    assert k8s_emulator.writes() == []

    del data["lmod"]["notebook_image"]
    run_jupyterhub_role(k8s_emulator, tmp_path, data, "--check")
    assert len(image_streams()) == 1
    run_jupyterhub_role(k8s_emulator, tmp_path, data)
    assert image_streams() == []
