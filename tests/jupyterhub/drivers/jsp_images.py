"""List notebook images with the real jupyterhub-singleuser-profiles 0.7.0 (run in .venv-jsp).

stdin: {"namespace": hub namespace, "image_streams": [ImageStream manifests, status included]}
stdout: {"images": Images.get(), "default": Images.get_default(), or null where it fails for want of a tag}

Only the API is replaced: the dynamic client answers the ImageStream list of the namespace with
the given manifests (label selector applied, as the API server does) wrapped in the kubernetes
library's own ResourceInstance, and an empty Build list; OpenShift.get_imagestreams,
OpenShift.get_builds and Images.load run unchanged, as the ODH 1.x spawner form calls them.
"""

import json
import sys

from kubernetes.dynamic.resource import ResourceInstance

from jupyterhub_singleuser_profiles.images import Images
from jupyterhub_singleuser_profiles.openshift import OpenShift
from jsp_pods import _matches


class FakeResource(object):
    def __init__(self, kind, api_version, namespace, items):
        self.kind, self.api_version, self.namespace, self.items = kind, api_version, namespace, items

    def get(self, namespace=None, label_selector=None, **_kwargs):
        items = [
            item
            for item in self.items
            if item["metadata"].get("namespace", namespace) == namespace and _matches(item["metadata"].get("labels"), label_selector)
        ]
        return ResourceInstance(None, {"apiVersion": self.api_version, "kind": self.kind + "List", "items": items})


class FakeResources(object):
    def __init__(self, namespace, image_streams):
        self.namespace, self.image_streams = namespace, image_streams

    def get(self, kind, api_version):
        items = self.image_streams if kind == "ImageStream" else []
        return FakeResource(kind, api_version, self.namespace, items)


class FakeDynamicClient(object):
    def __init__(self, namespace, image_streams):
        self.resources = FakeResources(namespace, image_streams)


def main():
    request = json.load(sys.stdin)
    openshift = OpenShift.__new__(OpenShift)
    openshift.namespace = request["namespace"]
    openshift.api_client = None
    openshift.oapi_client = FakeDynamicClient(request["namespace"], request["image_streams"])
    images = Images(openshift, namespace=request["namespace"])
    try:
        default = images.get_default()
    except AttributeError:  # JSP 0.7.0 fails when no image has an imported tag
        default = None
    json.dump({"images": images.get(), "default": default}, sys.stdout, default=str)


if __name__ == "__main__":
    main()
