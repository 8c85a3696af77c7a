"""Deterministic stand-ins for the controllers that tests wait on.

They run synchronously inside the write that triggers them, so a client that
polls after a successful write already sees the settled state.
"""

from __future__ import annotations

import copy
import random
from datetime import datetime, timezone

from .service_ca import ServiceCA

FAIL_ANNOTATION = "emulator.odh-rwx.io/fail"
LOG_ANNOTATION = "emulator.odh-rwx.io/log"
DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"
_POD_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _annotation(obj: dict, name: str) -> str | None:
    return (obj.get("metadata", {}).get("annotations") or {}).get(name)


def _owner_reference(owner: dict) -> dict:
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


class Controllers:
    def __init__(self, api):
        self.api = api
        self.service_ca = ServiceCA()

    def _type(self, group: str, plural: str):
        return self.api.registry.by_plural(group, plural)

    # -- creation-time initialisation (strategy PrepareForCreate / admission) --

    def prepare_create(self, rtype, obj: dict) -> None:
        kind = (rtype.group, rtype.kind)
        if kind == ("", "Namespace"):
            obj["status"] = {"phase": "Active"}
        elif kind == ("", "PersistentVolumeClaim"):
            self._default_storage_class(obj)
            obj["status"] = {"phase": "Pending"}
        elif kind == ("", "PersistentVolume"):
            obj["status"] = {"phase": "Pending"}
        elif kind == ("", "Pod"):
            obj["status"] = {"phase": "Pending", "qosClass": "BestEffort"}
        elif kind == ("batch", "Job"):
            self._label_job(obj)

    def _default_storage_class(self, pvc: dict) -> None:
        if "storageClassName" in pvc["spec"]:
            return
        for storage_class in self.api.store.list(("storage.k8s.io", "storageclasses")):
            if _annotation(storage_class, DEFAULT_CLASS_ANNOTATION) == "true":
                pvc["spec"]["storageClassName"] = storage_class["metadata"]["name"]
                return

    @staticmethod
    def _label_job(job: dict) -> None:
        uid, name = job["metadata"]["uid"], job["metadata"]["name"]
        spec = job["spec"]
        pod_labels = {
            "batch.kubernetes.io/controller-uid": uid,
            "batch.kubernetes.io/job-name": name,
            "controller-uid": uid,
            "job-name": name,
        }
        template_meta = spec["template"].setdefault("metadata", {})
        template_meta["labels"] = {**(template_meta.get("labels") or {}), **pod_labels}
        spec.setdefault("selector", {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}})
        if not job["metadata"].get("labels"):
            job["metadata"]["labels"] = dict(template_meta["labels"])

    # -- reconciliation after a stored change --------------------------------

    def reconcile(self, rtype, obj: dict, event: str) -> None:
        handler = {
            ("", "PersistentVolumeClaim"): self._persistent_volume_claim,
            ("", "PersistentVolume"): self._persistent_volume,
            ("", "Pod"): self._pod,
            ("batch", "Job"): self._job,
            ("apps", "Deployment"): self._workload,
            ("apps", "StatefulSet"): self._workload,
            ("apps", "ReplicaSet"): self._workload,
            ("apiextensions.k8s.io", "CustomResourceDefinition"): self._crd,
            ("", "Service"): lambda rtype, obj, event: self.service_ca.service(self.api, obj, event),
            ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"): self._inject_ca_bundle,
            ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"): self._inject_ca_bundle,
        }.get((rtype.group, rtype.kind))
        if handler:
            handler(rtype, copy.deepcopy(obj), event)

    # PersistentVolumeClaims and PersistentVolumes

    def _persistent_volume_claim(self, rtype, pvc: dict, event: str) -> None:
        if event == "DELETED":
            self._release_volume(pvc)
        elif pvc["status"].get("phase") == "Bound":
            self._resize(rtype, pvc)
        else:
            self._bind(rtype, pvc)

    def _persistent_volume(self, rtype, pv: dict, event: str) -> None:
        if event == "ADDED":
            pv["status"] = {"phase": "Available"}
            self.api.write_system(rtype, pv)
            self._bind_waiting_claims(lambda pvc: pvc["spec"].get("volumeName") == pv["metadata"]["name"])

    def _bind_waiting_claims(self, wanted) -> None:
        claims = self._type("", "persistentvolumeclaims")
        for pvc in self.api.store.list(("", "persistentvolumeclaims")):
            if pvc.get("status", {}).get("phase") == "Pending" and wanted(pvc):
                self._bind(claims, pvc)

    def _bind(self, rtype, pvc: dict) -> None:
        spec = pvc["spec"]
        volume = self._static_volume(pvc) if spec.get("volumeName") else self._provision(pvc)
        if volume is None:
            return
        pv_type = self._type("", "persistentvolumes")
        volume["spec"]["claimRef"] = {
            "kind": "PersistentVolumeClaim",
            "namespace": pvc["metadata"]["namespace"],
            "name": pvc["metadata"]["name"],
            "uid": pvc["metadata"]["uid"],
            "apiVersion": "v1",
            "resourceVersion": pvc["metadata"]["resourceVersion"],
        }
        volume["status"] = {"phase": "Bound"}
        volume = self.api.write_system(pv_type, volume)
        annotations = pvc["metadata"].setdefault("annotations", {})
        annotations["pv.kubernetes.io/bind-completed"] = "yes"
        annotations["pv.kubernetes.io/bound-by-controller"] = "yes"
        spec["volumeName"] = volume["metadata"]["name"]
        pvc["status"] = {
            "phase": "Bound",
            "accessModes": volume["spec"].get("accessModes", []),
            "capacity": dict(volume["spec"].get("capacity", {})),
        }
        self.api.write_system(rtype, pvc)

    def _static_volume(self, pvc: dict) -> dict | None:
        volume = self.api.store.get(("", "persistentvolumes"), "", pvc["spec"]["volumeName"])
        if volume is None:
            return None
        claim = volume["spec"].get("claimRef")
        if claim and claim.get("uid") not in (None, pvc["metadata"]["uid"]):
            return None
        return volume

    def _provision(self, pvc: dict) -> dict | None:
        class_name = pvc["spec"].get("storageClassName")
        storage_class = self.api.store.get(("storage.k8s.io", "storageclasses"), "", class_name) if class_name else None
        if storage_class is None:
            return None
        if storage_class.get("volumeBindingMode") == "WaitForFirstConsumer" and not self._has_consumer(pvc):
            return None
        provisioner = storage_class["provisioner"]
        annotations = pvc["metadata"].setdefault("annotations", {})
        annotations["volume.beta.kubernetes.io/storage-provisioner"] = provisioner
        annotations["volume.kubernetes.io/storage-provisioner"] = provisioner
        name = f"pvc-{pvc['metadata']['uid']}"
        provisioned = self.api.store.get(("", "persistentvolumes"), "", name)
        if provisioned is not None:
            return provisioned
        pv = {
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": {"name": name, "annotations": {"pv.kubernetes.io/provisioned-by": provisioner}},
            "spec": {
                "accessModes": pvc["spec"]["accessModes"],
                "capacity": {"storage": pvc["spec"]["resources"]["requests"]["storage"]},
                "csi": _provisioned_source(provisioner, name, storage_class.get("parameters") or {}),
                "persistentVolumeReclaimPolicy": storage_class.get("reclaimPolicy", "Delete"),
                "storageClassName": class_name,
                "volumeMode": pvc["spec"].get("volumeMode", "Filesystem"),
            },
        }
        if storage_class.get("mountOptions"):
            pv["spec"]["mountOptions"] = storage_class["mountOptions"]
        return self.api.create_object(self._type("", "persistentvolumes"), pv)

    def _has_consumer(self, pvc: dict) -> bool:
        for pod in self.api.store.list(("", "pods"), pvc["metadata"]["namespace"]):
            for volume in pod.get("spec", {}).get("volumes", []):
                if (volume.get("persistentVolumeClaim") or {}).get("claimName") == pvc["metadata"]["name"]:
                    return True
        return False

    def _resize(self, rtype, pvc: dict) -> None:
        requested = pvc["spec"]["resources"]["requests"]["storage"]
        if pvc["status"].get("capacity", {}).get("storage") == requested:
            return
        volume = self.api.store.get(("", "persistentvolumes"), "", pvc["spec"]["volumeName"])
        if volume is not None:
            volume["spec"]["capacity"]["storage"] = requested
            self.api.write_system(self._type("", "persistentvolumes"), volume)
        pvc["status"]["capacity"] = {"storage": requested}
        self.api.write_system(rtype, pvc)

    def _release_volume(self, pvc: dict) -> None:
        name = pvc["spec"].get("volumeName")
        volume = self.api.store.get(("", "persistentvolumes"), "", name) if name else None
        if volume is None or (volume["spec"].get("claimRef") or {}).get("uid") != pvc["metadata"]["uid"]:
            return
        pv_type = self._type("", "persistentvolumes")
        if volume["spec"].get("persistentVolumeReclaimPolicy") == "Delete":
            self.api.delete_object(pv_type, volume)
        else:
            volume["status"] = {"phase": "Released"}
            self.api.write_system(pv_type, volume)

    # Pods and Jobs

    def _pod(self, rtype, pod: dict, event: str) -> None:
        if event != "ADDED":
            return
        claim_names = {
            (v.get("persistentVolumeClaim") or {}).get("claimName") for v in pod["spec"].get("volumes", [])
        }
        if claim_names - {None}:
            namespace = pod["metadata"]["namespace"]
            self._bind_waiting_claims(
                lambda pvc: pvc["metadata"]["namespace"] == namespace and pvc["metadata"]["name"] in claim_names
            )
        pod = self.api.store.get(("", "pods"), pod["metadata"]["namespace"], pod["metadata"]["name"])
        if pod["metadata"].get("ownerReferences"):
            return
        failed = _annotation(pod, FAIL_ANNOTATION) == "true"
        self._finish_pod(rtype, pod, "Failed" if failed else "Running")

    def _finish_pod(self, rtype, pod: dict, phase: str) -> None:
        started = _now()
        running = phase == "Running"
        pod["spec"].setdefault("nodeName", "emulator-node")
        pod["status"] = {
            "phase": phase,
            "startTime": started,
            "hostIP": "127.0.0.1",
            "podIP": "10.0.0.%d" % random.randint(2, 254),
            "qosClass": "BestEffort",
            "conditions": [
                {"type": t, "status": "True" if running or t == "PodScheduled" else "False", "lastTransitionTime": started}
                for t in ("PodScheduled", "Initialized", "ContainersReady", "Ready")
            ],
            "containerStatuses": [self._container_status(c, phase, started) for c in pod["spec"]["containers"]],
        }
        self.api.write_system(rtype, pod)

    @staticmethod
    def _container_status(container: dict, phase: str, started: str) -> dict:
        if phase == "Running":
            state = {"running": {"startedAt": started}}
        else:
            code = 0 if phase == "Succeeded" else 1
            reason = "Completed" if code == 0 else "Error"
            state = {"terminated": {"exitCode": code, "reason": reason, "startedAt": started, "finishedAt": _now()}}
        return {
            "name": container["name"],
            "image": container.get("image", ""),
            "imageID": "",
            "ready": phase == "Running",
            "restartCount": 0,
            "started": phase == "Running",
            "state": state,
        }

    def _job(self, rtype, job: dict, event: str) -> None:
        if event != "ADDED" or job["spec"].get("suspend"):
            return
        template = job["spec"]["template"]
        failed = "true" in (_annotation(job, FAIL_ANNOTATION), _annotation(template, FAIL_ANNOTATION))
        attempts = job["spec"].get("backoffLimit", 6) + 1 if failed else job["spec"].get("completions", 1)
        started = _now()
        for _ in range(attempts):
            self._run_job_pod(job, "Failed" if failed else "Succeeded")
        job = self.api.store.get(("batch", "jobs"), job["metadata"]["namespace"], job["metadata"]["name"])
        job["status"] = self._job_status(job, attempts, failed, started)
        self.api.write_system(rtype, job)

    def _run_job_pod(self, job: dict, phase: str) -> None:
        template = copy.deepcopy(job["spec"]["template"])
        meta = template.get("metadata") or {}
        annotations = {**(job["metadata"].get("annotations") or {}), **(meta.get("annotations") or {})}
        suffix = "".join(random.choices(_POD_SUFFIX_ALPHABET, k=5))
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": f"{job['metadata']['name']}-{suffix}",
                "namespace": job["metadata"]["namespace"],
                "labels": meta.get("labels", {}),
                "annotations": {k: v for k, v in annotations.items() if k.startswith("emulator.odh-rwx.io/")},
                "ownerReferences": [_owner_reference(job)],
            },
            "spec": template["spec"],
        }
        if not pod["metadata"]["annotations"]:
            del pod["metadata"]["annotations"]
        pod_type = self._type("", "pods")
        created = self.api.create_object(pod_type, pod)
        self._finish_pod(pod_type, self.api.store.get(("", "pods"), created["metadata"]["namespace"], created["metadata"]["name"]), phase)

    @staticmethod
    def _job_status(job: dict, attempts: int, failed: bool, started: str) -> dict:
        finished = _now()
        if failed:
            conditions = [
                {"type": "FailureTarget", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"},
                {"type": "Failed", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"},
            ]
        else:
            conditions = [
                {"type": "SuccessCriteriaMet", "reason": "CompletionsReached", "message": "Reached expected number of succeeded pods"},
                {"type": "Complete", "reason": "CompletionsReached", "message": "Reached expected number of succeeded pods"},
            ]
        for condition in conditions:
            condition.update(status="True", lastProbeTime=finished, lastTransitionTime=finished)
        status = {"startTime": started, "ready": 0, "terminating": 0,
                  "uncountedTerminatedPods": {}, "conditions": conditions}
        if failed:
            status["failed"] = attempts
        else:
            status["succeeded"] = attempts
            status["completionTime"] = finished
        return status

    def pod_log(self, pod: dict, query: dict) -> str:
        text = _annotation(pod, LOG_ANNOTATION) or ""
        tail = query.get("tailLines")
        if tail is not None and tail.isdigit():
            lines = text.splitlines(keepends=True)
            text = "".join(lines[-int(tail):]) if int(tail) else ""
        return text

    # OpenShift's service CA

    def _inject_ca_bundle(self, rtype, configuration: dict, event: str) -> None:
        self.service_ca.webhook_configuration(self.api, rtype, configuration, event)

    # Workloads and CRDs

    def _workload(self, rtype, workload: dict, event: str) -> None:
        if event == "DELETED":
            return
        replicas = workload["spec"].get("replicas", 1)
        status = {
            "observedGeneration": workload["metadata"].get("generation", 1),
            "replicas": replicas,
            "readyReplicas": replicas,
            "availableReplicas": replicas,
            "updatedReplicas": replicas,
        }
        if rtype.kind == "Deployment":
            now = _now()
            status["conditions"] = [
                {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
                 "message": "Deployment has minimum availability.", "lastUpdateTime": now, "lastTransitionTime": now},
                {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
                 "message": "ReplicaSet has successfully progressed.", "lastUpdateTime": now, "lastTransitionTime": now},
            ]
        if rtype.kind == "StatefulSet":
            status["currentReplicas"] = replicas
        workload["status"] = status
        self.api.write_system(rtype, workload)

    def _crd(self, rtype, crd: dict, event: str) -> None:
        spec = crd["spec"]
        if event == "DELETED":
            self.api.registry.unregister_crd(crd["metadata"]["name"])
            self.api.store.remove_kind((spec["group"], spec["names"]["plural"]))
            return
        self.api.registry.register_crd(crd)
        now = _now()
        crd["status"] = {
            "acceptedNames": {k: v for k, v in spec["names"].items()},
            "conditions": [
                {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts",
                 "message": "no conflicts found", "lastTransitionTime": now},
                {"type": "Established", "status": "True", "reason": "InitialNamesAccepted",
                 "message": "the initial names have been accepted", "lastTransitionTime": now},
            ],
            "storedVersions": [v["name"] for v in spec["versions"] if v.get("storage")],
        }
        self.api.write_system(rtype, crd)


def _provisioned_source(driver: str, name: str, parameters: dict) -> dict:
    """The csi source a driver returns for a new volume: the class parameters as volume context.

    external-provisioner hands the parameters, minus its own ``csi.storage.k8s.io/`` keys, to
    CreateVolume; csi-driver-nfs returns them with the ``subdir`` it made and a handle that
    encodes server, share and subdir.
    """
    attributes = {key: value for key, value in parameters.items() if not key.startswith("csi.storage.k8s.io/")}
    handle = name
    if driver == "nfs.csi.k8s.io" and attributes.get("server") and attributes.get("share"):
        attributes["subdir"] = name
        handle = "#".join((attributes["server"], attributes["share"].strip("/"), name, ""))
    source = {"driver": driver, "volumeHandle": handle}
    if attributes:
        source["volumeAttributes"] = attributes
    return source
