"""The admission webhook's objects in render mode, with no cluster: the jupyterhub role run with --tags notebook_admission."""

import json

import pytest
import yaml

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import rollout
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import parse_spec
from tests.support.playbooks import ansible_env, run_role
from tests.unit.conftest import EXAMPLE_SPEC


def render(tmp_path, certificates):
    spec = dict(EXAMPLE_SPEC, jupyterhub={"flavor": "odh_notebooks", "notebook_namespaces": ["rhods-notebooks", {"name": "team-a", "groups": ["team-a"]}],
                                          "admission": {"enabled": True, "certificates": certificates}})
    # A kubeconfig whose server nobody serves: any API call fails the run.
    (tmp_path / "kubeconfig").write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "none",
        "clusters": [{"name": "none", "cluster": {"server": "https://127.0.0.1:9"}}],
        "contexts": [{"name": "none", "context": {"cluster": "none", "user": "none"}}], "users": [{"name": "none", "user": {"token": "x"}}]}))
    env = ansible_env(K8S_AUTH_KUBECONFIG=str(tmp_path / "kubeconfig"), ANSIBLE_NOCOLOR="1")
    return run_role(tmp_path, "jupyterhub", {"shared_resources": spec, "shared_resources_render_dir": str(tmp_path / "out")},
                    "--tags", "notebook_admission", env=env)


@pytest.mark.parametrize("source, extra", [
    ("openshift", []),
    ("cert_manager", ["certificate_rhods-notebooks_notebook-admission-ca.yaml", "certificate_rhods-notebooks_notebook-admission.yaml",
                      "issuer_rhods-notebooks_notebook-admission-ca.yaml", "issuer_rhods-notebooks_notebook-admission-selfsigned.yaml"]),
])
def test_the_objects_render_without_a_cluster(tmp_path, source, extra):
    completed = render(tmp_path, {"source": source})
    assert completed.returncode == 0, completed.stdout + completed.stderr
    files = sorted(path.name for path in (tmp_path / "out").iterdir())
    assert files == sorted([
        "configmap_rhods-notebooks_notebook-admission-code.yaml", "configmap_rhods-notebooks_notebook-admission-config.yaml",
        "deployment_rhods-notebooks_notebook-admission.yaml", "mutatingwebhookconfiguration_cluster_odh-rwx-notebook-admission-rhods-notebooks.yaml",
        "poddisruptionbudget_rhods-notebooks_notebook-admission.yaml", "service_rhods-notebooks_notebook-admission.yaml"] + extra)
    config = yaml.safe_load((tmp_path / "out" / "configmap_rhods-notebooks_notebook-admission-config.yaml").read_text())
    access_map = json.loads(config["data"]["config.json"])
    assert access_map["users"]["alice"] == ["analysts", "team-a"] and access_map["available_shares"] is None
    # rendering again changes no file
    again = render(tmp_path, {"source": source})
    assert again.returncode == 0 and "changed=0" in again.stdout


def test_a_generated_certificate_is_left_out_in_render_mode(tmp_path):
    """Its CA lives in the cluster's Secrets, which render mode does not read: nothing of the webhook is written,
    and site.yml says why (render_omissions)."""
    completed = render(tmp_path, {"source": "generated"})
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert not (tmp_path / "out").exists()
    spec = dict(EXAMPLE_SPEC, jupyterhub={"flavor": "odh_notebooks", "admission": {"enabled": True, "certificates": {"source": "generated"}}})
    omissions = rollout.render_omissions(parse_spec(spec))
    assert any("for GitOps use jupyterhub.admission.certificates.source openshift or cert_manager" in text for text in omissions)
