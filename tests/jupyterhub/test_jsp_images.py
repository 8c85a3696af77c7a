"""odh_jsp: the notebook image's ImageStream, listed by the real jupyterhub-singleuser-profiles 0.7.0."""

import copy

from tests.jupyterhub.helpers import HUB_NAMESPACE, example_data, requires_library_venv, run_driver

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import lmod
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import parse_spec
from tests.support.openshift import image_stream_errors, imported

pytestmark = requires_library_venv

NOTEBOOK_IMAGE = {
    "image": "quay.io/example/lmod-notebook:2026.11",
    "display_name": "Jupyter | LMod | CPU",
    "description": "JupyterLab with Lmod and the module panel.",
}
# An image ODH itself ships (odh-manifests), which the collection never touches.
ODH_IMAGE = {
    "apiVersion": "image.openshift.io/v1",
    "kind": "ImageStream",
    "metadata": {
        "name": "s2i-minimal-notebook",
        "namespace": HUB_NAMESPACE,
        "labels": {"opendatahub.io/notebook-image": "true"},
        "annotations": {"opendatahub.io/notebook-image-name": "Standard Data Science", "opendatahub.io/notebook-image-order": "10"},
    },
    "spec": {"tags": [{"name": "v0.0.4", "from": {"kind": "DockerImage", "name": "quay.io/thoth-station/s2i-minimal-notebook:v0.0.4"}}]},
}


def hub_image_streams(**image):
    data = example_data({"flavor": "odh_jsp", "namespace": HUB_NAMESPACE})
    data["lmod"]["notebook_image"] = dict(NOTEBOOK_IMAGE, **image)
    return lmod.notebook_image_streams(parse_spec(data))


def test_the_spawner_lists_the_notebook_image_with_its_name_and_description():
    streams = hub_image_streams()
    assert [stream["metadata"]["namespace"] for stream in streams] == [HUB_NAMESPACE]
    assert image_stream_errors(streams[0]) == ""
    listed = run_driver("jsp_images.py", {"namespace": HUB_NAMESPACE, "image_streams": [imported(ODH_IMAGE), imported(streams[0])]})
    images = dict((image["name"], image) for image in listed["images"])
    ours = images["lmod-notebook"]
    assert ours["display_name"] == "Jupyter | LMod | CPU"
    assert ours["description"] == "JupyterLab with Lmod and the module panel."
    assert [tag["name"] for tag in ours["tags"]] == ["2026.11"]
    # The ODH image keeps its place: ours has no order annotation (JSP's default, 100).
    assert [image["name"] for image in listed["images"]] == ["s2i-minimal-notebook", "lmod-notebook"]
    assert listed["default"] == "s2i-minimal-notebook:v0.0.4"


def test_a_tag_not_yet_imported_is_not_offered():
    stream = copy.deepcopy(hub_image_streams(name="lmod-gpu", image="quay.io/example/lmod-notebook-gpu:2026.11")[0])
    listed = run_driver("jsp_images.py", {"namespace": HUB_NAMESPACE, "image_streams": [stream]})
    assert listed["images"][0]["tags"] == []
