"""The requests the ODH dashboard sends for Notebooks, and what the ODH webhook does to them, as test data.

Reproduced from upstream source (read with `fetch`, not copied), so that tests of the admission webhook
and of the reconcile face the shapes the dashboard really writes:

- opendatahub-io/odh-dashboard at b9d09633b0eeab9d043faa2dc133a7d2eeb13e17:
  - frontend/src/api/k8s/notebooks.ts:31-192 ``assembleNotebook`` - a Data Science Project workbench;
    :345-387 ``mergePatchUpdateNotebook`` - editing it: a JSON merge patch of the assembled notebook,
    whose ``volumes`` are the form's claims plus ``shm`` and whose ``containers`` is one container;
    :194-204 ``startPatch``/``getStopPatch`` - JSON patches of the stop annotation alone;
    :680-702 ``restartNotebook`` - a JSON patch adding ``notebooks.opendatahub.io/notebook-restart``;
    :515-546 ``attachNotebookPVC`` - JSON patches appending a claim and its mount.
  - frontend/src/api/k8s/utils.ts:3-11 ``getshmVolume``/``getshmVolumeMount``.
  - backend/src/utils/notebookUtils.ts:148-311 ``assembleNotebook`` - a Jupyter-tile notebook (with
    :410 the inject-auth annotation, :424 JUPYTER_NOTEBOOK_PORT), :346-377 ``stopNotebook`` - a JSON merge
    patch of the stop annotation.
- opendatahub-io/kubeflow at b85f66ae8d18de4f402c07b2b53338ab92a44a1a,
  components/odh-notebook-controller/controllers/notebook_mutating_webhook.go:113-122,383-389: on
  creation the ODH webhook sets the stop annotation to ``odh-notebook-controller-lock``.
- AdmissionReview admission.k8s.io/v1 (kubernetes/api admission/v1 types.go): what the API server sends.
"""

import copy
import uuid

ROOT_MOUNT_PATH = "/opt/app-root/src"
STOP_ANNOTATION = "kubeflow-resource-stopped"
RESTART_ANNOTATION = "notebooks.opendatahub.io/notebook-restart"
RECONCILIATION_LOCK = "odh-notebook-controller-lock"
STOP_TIME = "2026-11-30T10:00:00Z"
IMAGE = "image-registry.openshift-image-registry.svc:5000/redhat-ods-applications/s2i-minimal-notebook:2025.1"


def shm_volume():
    return {"name": "shm", "emptyDir": {"medium": "Memory"}}


def shm_mount():
    return {"name": "shm", "mountPath": "/dev/shm"}


def form_storage(claim, mount_path=ROOT_MOUNT_PATH):
    """A claim picked in the workbench form: read-write, ``{name, mountPath}`` mount without readOnly."""
    return {"name": claim, "persistentVolumeClaim": {"claimName": claim}}, {"name": claim, "mountPath": mount_path}


def workbench(name, namespace, username, translated=None, storage=None, image=IMAGE):
    """A Data Science Project workbench as ``assembleNotebook`` builds it (frontend, notebooks.ts:31-192)."""
    volume, mount = storage or form_storage(name + "-storage")
    return {
        "apiVersion": "kubeflow.org/v1",
        "kind": "Notebook",
        "metadata": {
            "labels": {"app": name, "opendatahub.io/odh-managed": "true", "opendatahub.io/dashboard": "true"},
            "annotations": {
                "openshift.io/display-name": name,
                "openshift.io/description": "",
                "notebooks.opendatahub.io/last-image-selection": "s2i-minimal-notebook:2025.1",
                "notebooks.opendatahub.io/inject-auth": "true",
                "opendatahub.io/user": translated or username,
                "opendatahub.io/username": username,
                "notebooks.opendatahub.io/last-image-version-git-commit-selection": "",
                "opendatahub.io/connections": "",
            },
            "name": name,
            "namespace": namespace,
        },
        "spec": {"template": {"spec": {
            "enableServiceLinks": False,
            "containers": [{
                "image": image,
                "imagePullPolicy": "Always",
                "workingDir": ROOT_MOUNT_PATH,
                "name": name,
                "env": [
                    {"name": "NOTEBOOK_ARGS", "value": "--ServerApp.port=8888 --ServerApp.base_url=/notebook/%s/%s" % (namespace, name)},
                    {"name": "JUPYTER_IMAGE", "value": image},
                ],
                "volumeMounts": [mount, shm_mount()],
                "ports": [{"name": "notebook-port", "containerPort": 8888, "protocol": "TCP"}],
            }],
            "volumes": [volume, shm_volume()],
        }}},
    }


def jupyter_tile_notebook(username, namespace, translated=None):
    """A Jupyter-tile notebook as the backend's ``assembleNotebook`` builds it (notebookUtils.ts:148-311, 410, 424)."""
    translated = translated or username
    name, claim = "jupyter-nb-" + translated, "jupyterhub-nb-%s-pvc" % translated
    notebook = workbench(name, namespace, username, translated, storage=form_storage(claim))
    annotations = notebook["metadata"]["annotations"]
    for key in ("openshift.io/display-name", "openshift.io/description", "opendatahub.io/connections",
                "notebooks.opendatahub.io/last-image-version-git-commit-selection"):
        del annotations[key]
    annotations["notebooks.opendatahub.io/last-size-selection"] = "Small"
    container = notebook["spec"]["template"]["spec"]["containers"][0]
    container["env"].append({"name": "JUPYTER_NOTEBOOK_PORT", "value": "8888"})
    container["resources"] = {"requests": {"cpu": "1", "memory": "8Gi"}, "limits": {"cpu": "2", "memory": "8Gi"}}
    return notebook


def edit_merge_patch(existing, storage=None, image=IMAGE):
    """What ``mergePatchUpdateNotebook`` (notebooks.ts:345-387) sends when the workbench form is saved.

    The assembled notebook of the form: its lists replace the live ones whole, so volumes, mounts and
    environment that others added to the live notebook are gone; the old node selector keys are nulled.
    """
    metadata = existing["metadata"]
    annotations = metadata.get("annotations") or {}
    name = metadata["name"]
    claims = [volume for volume in existing["spec"]["template"]["spec"].get("volumes", [])
              if "persistentVolumeClaim" in volume and not volume["name"].startswith("shared-")]
    default = form_storage(claims[0]["persistentVolumeClaim"]["claimName"]) if claims else None
    patch = workbench(name, metadata["namespace"], annotations.get("opendatahub.io/username"), annotations.get("opendatahub.io/user"),
                      storage=storage or default, image=image)
    node_selector = existing["spec"]["template"]["spec"].get("nodeSelector") or {}
    patch["spec"]["template"]["spec"]["nodeSelector"] = dict((key, None) for key in node_selector)
    return patch


def stop_patch():
    """``getStopPatch`` (notebooks.ts:200-204): a JSON patch adding the stop annotation."""
    return [{"op": "add", "path": "/metadata/annotations/" + STOP_ANNOTATION, "value": STOP_TIME}]


def start_patch():
    """``startPatch`` (notebooks.ts:196-199): a JSON patch removing the stop annotation."""
    return [{"op": "remove", "path": "/metadata/annotations/" + STOP_ANNOTATION}]


def restart_patch():
    """``restartNotebook`` (notebooks.ts:680-702)."""
    return [{"op": "add", "path": "/metadata/annotations/notebooks.opendatahub.io~1notebook-restart", "value": "true"}]


def backend_stop_merge_patch():
    """The Jupyter tile's ``stopNotebook`` (notebookUtils.ts:346-377): a JSON merge patch of the stop annotation."""
    return {"metadata": {"annotations": {STOP_ANNOTATION: STOP_TIME}}}


def attach_claim_patch(claim, mount_path):
    """``attachNotebookPVC`` (notebooks.ts:515-546): a claim and its mount appended, read-write."""
    return [
        {"op": "add", "path": "/spec/template/spec/volumes/-", "value": {"name": claim, "persistentVolumeClaim": {"claimName": claim}}},
        {"op": "add", "path": "/spec/template/spec/containers/0/volumeMounts/-", "value": {"mountPath": mount_path, "name": claim}},
    ]


def with_reconciliation_lock(notebook):
    """What the ODH webhook does to a new notebook first (notebook_mutating_webhook.go:113-122, 383-389)."""
    notebook = copy.deepcopy(notebook)
    notebook["metadata"].setdefault("annotations", {})[STOP_ANNOTATION] = RECONCILIATION_LOCK
    return notebook


def admission_review(operation, obj, old=None, dry_run=False, username="system:serviceaccount:redhat-ods-applications:odh-dashboard"):
    """The AdmissionReview admission.k8s.io/v1 the API server sends a webhook for a Notebook write."""
    metadata = obj["metadata"]
    request = {
        "uid": str(uuid.uuid4()),
        "kind": {"group": "kubeflow.org", "version": "v1", "kind": "Notebook"},
        "resource": {"group": "kubeflow.org", "version": "v1", "resource": "notebooks"},
        "requestKind": {"group": "kubeflow.org", "version": "v1", "kind": "Notebook"},
        "requestResource": {"group": "kubeflow.org", "version": "v1", "resource": "notebooks"},
        "name": metadata["name"],
        "namespace": metadata["namespace"],
        "operation": operation,
        "userInfo": {"username": username, "groups": ["system:authenticated"]},
        "object": obj,
        "oldObject": old,
        "dryRun": dry_run,
        "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions" if operation == "CREATE" else "UpdateOptions"},
    }
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}
