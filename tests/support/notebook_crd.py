"""The Notebook CRD the emulator tests install: molecule/default's fixture, reduced to what the emulator needs.

The full upstream CRD (../shared/upstream/kubeflow) is what the admission and notebook_plan tests read.
"""

import yaml

from tests.support.upstream import REPO_ROOT

NOTEBOOK_CRD_FILE = REPO_ROOT / "molecule" / "default" / "files" / "notebook-crd.yml"


def notebook_crd():
    return yaml.safe_load(NOTEBOOK_CRD_FILE.read_text())


def install_notebook_crd(client):
    """Create the Notebook CRD through a kubernetes DynamicClient."""
    client.resources.get(api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition").create(body=notebook_crd())
