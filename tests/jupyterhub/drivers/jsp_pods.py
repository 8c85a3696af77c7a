"""Build notebook pods with the real jupyterhub-singleuser-profiles 0.7.0 (run in .venv-jsp).

stdin: {"namespace": hub namespace, "config_maps": [ConfigMap manifests], "default_mount_path": str,
        "cases": [{"user": name, "image": "imagestream:tag"}]}
stdout: {"results": [{"user", "image", "pod": serialized pod or null, "profile": merged profile, "error": str or null}]}

Only the Kubernetes API is replaced: CoreV1Api answers list/read of ConfigMaps from the given
manifests (label selectors included) and 404 for everything else, so the library's own
OpenShift.get_config_maps_matching_label / read_config_map, User presets, load_profiles,
get_merged_profile and apply_pod_profile run unchanged, as ODH 1.x JupyterHub calls them:
load_profiles(username=user), get_merged_profile(image, user=user, size=None), then
SingleuserProfiles.apply_pod_profile(user, pod, profile, gpu_types, "/opt/app-root/src").
The pod before the profile is shaped like the one ODH's spawner builds: the user's home PVC
jupyterhub-nb-<user>-pvc at /opt/app-root/src, JUPYTERHUB_* env, restricted security contexts.
"""

import copy
import json
import sys
import traceback

import kubernetes
import yaml
from kubernetes.client import (
    V1Capabilities,
    V1ConfigMap,
    V1ConfigMapList,
    V1Container,
    V1EnvVar,
    V1ObjectMeta,
    V1PersistentVolumeClaimVolumeSource,
    V1Pod,
    V1PodSecurityContext,
    V1PodSpec,
    V1ResourceRequirements,
    V1SeccompProfile,
    V1SecurityContext,
    V1Volume,
    V1VolumeMount,
)
from kubernetes.client.rest import ApiException

from jupyterhub_singleuser_profiles.images import Images
from jupyterhub_singleuser_profiles.openshift import OpenShift
from jupyterhub_singleuser_profiles.profiles import SingleuserProfiles
from jupyterhub_singleuser_profiles.user import User
from jupyterhub_singleuser_profiles.utils import escape


def _matches(labels, selector):
    for term in filter(None, (selector or "").split(",")):
        key, _sep, value = term.partition("=")
        if (labels or {}).get(key) != value:
            return False
    return True


class FakeCoreV1Api(object):
    """ConfigMaps from manifests; every other read is a 404, like an empty namespace."""

    def __init__(self, namespace, config_maps):
        self.namespace = namespace
        self.config_maps = dict((cm["metadata"]["name"], cm) for cm in config_maps)

    def _model(self, manifest):
        metadata = manifest["metadata"]
        return V1ConfigMap(
            metadata=V1ObjectMeta(name=metadata["name"], namespace=self.namespace, labels=metadata.get("labels")),
            data=manifest.get("data"),
        )

    def list_namespaced_config_map(self, namespace, label_selector=None):
        items = [
            self._model(cm)
            for name, cm in sorted(self.config_maps.items())
            if namespace == self.namespace and _matches(cm["metadata"].get("labels"), label_selector)
        ]
        return V1ConfigMapList(items=items)

    def read_namespaced_config_map(self, name, namespace):
        if namespace != self.namespace or name not in self.config_maps:
            raise ApiException(status=404, reason="Not Found")
        return self._model(self.config_maps[name])

    def read_namespaced_secret(self, name, namespace):
        raise ApiException(status=404, reason="Not Found")


def make_profiles(namespace, config_maps):
    openshift = OpenShift.__new__(OpenShift)
    openshift.namespace = namespace
    openshift.api_client = FakeCoreV1Api(namespace, config_maps)
    openshift.oapi_client = None
    profiles = SingleuserProfiles.__new__(SingleuserProfiles)
    profiles.profiles = []
    profiles.gpu_types = []
    profiles.gpu_mode = None
    profiles.openshift = openshift
    profiles.namespace = namespace
    profiles.service = None
    profiles.images = Images(openshift, namespace=namespace)
    profiles.user = User(openshift, images=profiles.images, notebook_namespace=namespace)
    return profiles


def user_presets(user, image):
    """The per-user ConfigMap the spawner writes on a first spawn (JSP reads it in load_profiles)."""
    presets = {"gpu": "0", "last_selected_image": image, "last_selected_size": ""}
    return {
        "metadata": {"name": User._USER_CONFIG_MAP_TEMPLATE % escape(user), "labels": {"app": "jupyterhub"}},
        "data": {"profile": yaml.safe_dump(presets)},
    }


def base_pod(user, image, default_mount_path):
    claim = "jupyterhub-nb-%s-pvc" % escape(user)
    container = V1Container(
        name="notebook",
        image=image,
        env=[V1EnvVar(name="JUPYTERHUB_USER", value=user), V1EnvVar(name="JUPYTERHUB_API_URL", value="http://jupyterhub:8081/hub/api")],
        ports=[kubernetes.client.V1ContainerPort(name="notebook-port", container_port=8080)],
        resources=V1ResourceRequirements(limits={}, requests={}),
        volume_mounts=[V1VolumeMount(name=claim, mount_path=default_mount_path)],
        security_context=V1SecurityContext(
            allow_privilege_escalation=False, capabilities=V1Capabilities(drop=["ALL"]), run_as_non_root=True
        ),
    )
    return V1Pod(
        api_version="v1",
        kind="Pod",
        metadata=V1ObjectMeta(name="jupyterhub-nb-%s" % escape(user), labels={"app": "jupyterhub"}),
        spec=V1PodSpec(
            containers=[container],
            volumes=[V1Volume(name=claim, persistent_volume_claim=V1PersistentVolumeClaimVolumeSource(claim_name=claim))],
            security_context=V1PodSecurityContext(run_as_non_root=True, seccomp_profile=V1SeccompProfile(type="RuntimeDefault")),
        ),
    )


def run_case(namespace, config_maps, default_mount_path, case):
    user, image = case["user"], case["image"]
    profiles = make_profiles(namespace, copy.deepcopy(config_maps) + [user_presets(user, image)])
    result = {"user": user, "image": image, "pod": None, "profile": None, "error": None}
    try:
        profiles.load_profiles(username=user)
        profile = profiles.get_merged_profile(image, user=user, size=None)
        result["profile"] = profile
        pod = SingleuserProfiles.apply_pod_profile(
            user, base_pod(user, image, default_mount_path), profile, profiles.gpu_types, default_mount_path, profiles.gpu_mode
        )
        result["pod"] = kubernetes.client.ApiClient().sanitize_for_serialization(pod)
    except Exception as exc:  # reported, the test decides
        result["error"] = "%s: %s\n%s" % (type(exc).__name__, exc, traceback.format_exc())
    return result


def main():
    request = json.load(sys.stdin)
    results = [
        run_case(request["namespace"], request["config_maps"], request.get("default_mount_path", "/opt/app-root/src"), case)
        for case in request["cases"]
    ]
    json.dump({"results": results}, sys.stdout, default=str)


if __name__ == "__main__":
    main()
