# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared LMod software tree: the sync objects and the notebook environment.

Plain Python, no Ansible import, like spec.py: JupyterHub hooks compute the
notebook environment with the same code the roles use. spec_lmod.py validates
``shared_resources.lmod``.

The tree lives on a ReadWriteMany claim (a share of the spec, or an existing
claim) and is published there by ``lmod-sync`` (roles/lmod_tree/files, see
docs/lmod-sync.md) as immutable releases behind ``<mount_path>/current``.
The sync Job mounts the claim read-write at the very path notebooks mount it
read-only, so the paths in the spider cache are the ones notebooks see.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import posixpath

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import manifests

DEFAULT_GIT_IMAGE = "docker.io/alpine/git:2.47.2"
DEFAULT_FETCH_IMAGE = "registry.access.redhat.com/ubi9/ubi:9.6"


COMPONENT = "lmod-sync"
# Jobs the CronJob starts carry another component, so pruning the role's Jobs leaves them to the CronJob.
SCHEDULED_COMPONENT = "lmod-sync-scheduled"
CONFIG_MAP_NAME = "lmod-sync"
CRON_JOB_NAME = "lmod-sync"
SCRIPT_KEY = "lmod-sync"
# Beside the script, where lmod-sync finds the launcher it publishes with each kernel.
LAUNCHER_KEY = "lmod-kernel"
KERNELS_KEY = "kernels.json"
SCRIPT_DIR = "/etc/lmod-sync"
SOURCE_DIR = "/src"
SOURCE_TREE = SOURCE_DIR + "/tree"
SYNC_HASH_SUFFIX = "lmod-sync-hash"
FORCED_SYNC_SUFFIX = "forced-sync"
NOTEBOOK_VOLUME = "lmod-tree"
# Where lmod-sync publishes the kernels in a release, as Jupyter looks for them on JUPYTER_PATH.
JUPYTER_DATA_DIR = "share/jupyter"
IMAGE_COMPONENT = "lmod-notebook-image"
IMAGE_STREAM_API_VERSION = "image.openshift.io/v1"
# The label and annotations the ODH dashboard (frontend/src/pages/projects/screens/spawner/const.ts)
# and jupyterhub-singleuser-profiles 0.7.0 (images.py) read on workbench ImageStreams.
NOTEBOOK_IMAGE_LABEL = "opendatahub.io/notebook-image"
IMAGE_NAME_ANNOTATION = "opendatahub.io/notebook-image-name"
IMAGE_DESC_ANNOTATION = "opendatahub.io/notebook-image-desc"
# The namespace the ODH dashboard lists workbench images in (Red Hat OpenShift AI: redhat-ods-applications).
DEFAULT_DASHBOARD_NAMESPACE = "opendatahub"
# lmod-sync exit codes that no retry fixes: usage (2), source (3), target (4), Lmod (6).
# A held lock (5) or a killed pod is retried up to the backoff limit.
PERMANENT_EXIT_CODES = [2, 3, 4, 6]
LOCK_TIMEOUT_SECONDS = 300

GIT_SCRIPT = r"""set -eu
git init -q "$TREE"
cd "$TREE"
git remote add origin "$GIT_URL"
git fetch -q --depth 1 origin "$GIT_REF"
git -c advice.detachedHead=false checkout -q FETCH_HEAD
commit=$(git rev-parse HEAD)
stamp=$(git log -1 --format=%ct)
rm -rf .git
# A clone gives every file the time of the checkout; the commit time keeps an unchanged commit unchanged for lmod-sync.
find . -exec touch -h -d "@$stamp" {} +
echo "fetched $GIT_URL $GIT_REF at commit $commit"
"""

HTTP_ARCHIVE_SCRIPT = r"""set -eu
archive="$SOURCE_DIR/archive"
curl -fsSL --retry 3 -o "$archive" "$ARCHIVE_URL"
echo "$ARCHIVE_SHA256  $archive" | sha256sum -c -
mkdir "$TREE"
tar -xf "$archive" -C "$TREE" --no-same-owner
rm -f "$archive"
echo "unpacked $ARCHIVE_URL"
"""


def _env(pairs):
    return [{"name": name, "value": value} for name, value in pairs]


def _container(name, image, command, mounts, env=(), memory="512Mi"):
    return {
        "name": name,
        "image": image,
        "command": command,
        "env": _env((("HOME", "/tmp"),) + tuple(env)),
        "securityContext": manifests.restricted_container_security_context(),
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": memory}},
        "volumeMounts": mounts,
    }


def _fetch_container(source, git_image, fetch_image):
    """The init container that fills the emptyDir /src with the tree, or None for a pvc source."""
    mounts = [{"name": "source", "mountPath": SOURCE_DIR}, {"name": "tmp", "mountPath": "/tmp"}]
    if source.type == "image":
        # The source image only needs cp: no shell. -a keeps the mtimes lmod-sync compares.
        return _container("copy-tree", source.image, ["cp", "-a", "--", source.path + "/.", SOURCE_TREE], mounts)
    if source.type == "git":
        env = (("TREE", SOURCE_TREE), ("GIT_URL", source.url), ("GIT_REF", source.ref))
        return _container("clone-tree", git_image, ["/bin/sh", "-c", GIT_SCRIPT], mounts, env)
    if source.type == "http_archive":
        env = (("SOURCE_DIR", SOURCE_DIR), ("TREE", SOURCE_TREE), ("ARCHIVE_URL", source.url), ("ARCHIVE_SHA256", source.sha256))
        return _container("download-tree", fetch_image, ["/bin/sh", "-c", HTTP_ARCHIVE_SCRIPT], mounts, env)
    return None


def _source_volume(source):
    if source.type == "pvc":
        return {"name": "source", "persistentVolumeClaim": {"claimName": source.claim_name, "readOnly": True}}
    return {"name": "source", "emptyDir": {}}


def _source_tree(source):
    if source.type == "pvc":
        return SOURCE_DIR if source.path == "." else posixpath.join(SOURCE_DIR, source.path)
    return SOURCE_TREE


def kernels_document(lmod):
    """The ``--kernels`` file: the kernels as a JSON list of {name, display_name, modules}."""
    kernels = [{"name": k.name, "display_name": k.display_name, "modules": list(k.modules)} for k in lmod.kernels]
    return json.dumps(kernels, indent=2, sort_keys=True) + "\n"


def sync_command(lmod):
    """The lmod-sync command line of the sync container."""
    kernels = []
    if lmod.kernels:
        kernels = [
            "--kernels",
            posixpath.join(SCRIPT_DIR, KERNELS_KEY),
            "--lmod-cmd",
            lmod_command(lmod),
        ]
    return [
        "python3",
        posixpath.join(SCRIPT_DIR, SCRIPT_KEY),
        "--source",
        _source_tree(lmod.source),
        "--target",
        lmod.mount_path,
        "--mount-path",
        lmod.mount_path,
        "--modulefiles-dir",
        lmod.modulefiles_dir,
        "--keep",
        str(lmod.keep_releases),
        "--update-cache-cmd",
        posixpath.join(lmod.lmod_prefix, "libexec", "update_lmod_system_cache_files"),
        "--lock-timeout",
        str(LOCK_TIMEOUT_SECONDS),
        "--json",
    ] + kernels


def lmod_command(lmod):
    """Lmod's command in notebooks (LMOD_CMD), under the prefix the sync image shares with them."""
    return posixpath.join(lmod.lmod_prefix, "libexec", "lmod")


def sync_pod_spec(lmod, run_as_user=None, git_image=DEFAULT_GIT_IMAGE, fetch_image=DEFAULT_FETCH_IMAGE):
    """The pod of a sync: fetch the source into /src (unless it is a claim), then publish it with lmod-sync."""
    mounts = [
        {"name": "script", "mountPath": SCRIPT_DIR, "readOnly": True},
        {"name": "source", "mountPath": SOURCE_DIR, "readOnly": True},
        # Read-write at the notebooks' path: the spider cache then holds the paths notebooks see.
        {"name": "tree", "mountPath": lmod.mount_path},
        {"name": "tmp", "mountPath": "/tmp"},
    ]
    pod_spec = {
        "serviceAccountName": manifests.JOBS_SERVICE_ACCOUNT,
        "automountServiceAccountToken": False,
        "restartPolicy": "Never",
        "securityContext": manifests.restricted_pod_security_context(
            [lmod.gid] if lmod.gid is not None else (), run_as_user=run_as_user
        ),
        "containers": [_container("sync", lmod.image, sync_command(lmod), mounts, memory="1Gi")],
        "volumes": [
            {"name": "script", "configMap": {"name": CONFIG_MAP_NAME, "defaultMode": 0o444}},
            _source_volume(lmod.source),
            {"name": "tree", "persistentVolumeClaim": {"claimName": lmod.claim_name}},
            {"name": "tmp", "emptyDir": {}},
        ],
    }
    fetch = _fetch_container(lmod.source, git_image, fetch_image)
    if fetch is not None:
        pod_spec["initContainers"] = [fetch]
    return pod_spec


def script_digest(script):
    return hashlib.sha256(script.encode("utf-8")).hexdigest()


def sync_hash(pod_spec, data):
    """What a sync does: its pod and the files of its ConfigMap (the script, and the kernels' files when declared).

    A spec without kernels hashes as it did before kernels existed, so upgrading starts no sync.
    """
    if set(data) == set([SCRIPT_KEY]):
        return manifests.short_hash({"pod": pod_spec, "script": script_digest(data[SCRIPT_KEY])})
    return manifests.short_hash({"pod": pod_spec, "files": dict((key, script_digest(text)) for key, text in data.items())})


def config_map_data(lmod, script, launcher=None):
    """The files the sync pod mounts at SCRIPT_DIR: the script, and with kernels the launcher and the kernels."""
    data = {SCRIPT_KEY: script}
    if lmod.kernels:
        if not launcher:
            raise ValueError("lmod.kernels needs the text of lmod-kernel (the launcher published with each kernel)")
        data[LAUNCHER_KEY] = launcher
        data[KERNELS_KEY] = kernels_document(lmod)
    return data


def sync_job_name(digest, nonce=None):
    """``lmod-sync-<hash>``; a forced sync hashes a nonce in, which makes a new name."""
    if nonce is None:
        return "lmod-sync-" + digest
    return "lmod-sync-" + manifests.short_hash({"sync": digest, "nonce": str(nonce)})


def config_map(spec, data):
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": CONFIG_MAP_NAME, "namespace": spec.namespace, "labels": manifests.managed_labels(COMPONENT)},
        "data": data,
    }


def _job_spec(pod_spec, labels):
    return {
        "backoffLimit": 2,
        "podFailurePolicy": {
            "rules": [
                {"action": "FailJob", "onExitCodes": {"containerName": "sync", "operator": "In", "values": PERMANENT_EXIT_CODES}}
            ]
        },
        "template": {"metadata": {"labels": dict(labels)}, "spec": pod_spec},
    }


def sync_job(spec, data, run_as_user=None, git_image=DEFAULT_GIT_IMAGE, fetch_image=DEFAULT_FETCH_IMAGE, nonce=None):
    """The Job that publishes the tree once, named ``lmod-sync-<hash>`` after what it does (its pod and ConfigMap data)."""
    pod_spec = sync_pod_spec(spec.lmod, run_as_user, git_image, fetch_image)
    digest = sync_hash(pod_spec, data)
    labels = manifests.managed_labels(COMPONENT, **{manifests.LABEL_PREFIX + SYNC_HASH_SUFFIX: digest})
    metadata = {"name": sync_job_name(digest, nonce), "namespace": spec.namespace, "labels": labels}
    if nonce is not None:
        metadata["annotations"] = {manifests.LABEL_PREFIX + FORCED_SYNC_SUFFIX: str(nonce)}
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": metadata, "spec": _job_spec(pod_spec, labels)}


def sync_cron_job(spec, run_as_user=None, git_image=DEFAULT_GIT_IMAGE, fetch_image=DEFAULT_FETCH_IMAGE):
    """The CronJob of periodic syncs: the sync pod on ``schedule``, never two at once."""
    pod_spec = sync_pod_spec(spec.lmod, run_as_user, git_image, fetch_image)
    scheduled = manifests.managed_labels(SCHEDULED_COMPONENT)
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": CRON_JOB_NAME, "namespace": spec.namespace, "labels": manifests.managed_labels(COMPONENT)},
        "spec": {
            "schedule": spec.lmod.schedule,
            "concurrencyPolicy": "Forbid",
            "startingDeadlineSeconds": 3600,
            "successfulJobsHistoryLimit": 3,
            "failedJobsHistoryLimit": 3,
            "jobTemplate": {"metadata": {"labels": dict(scheduled)}, "spec": _job_spec(pod_spec, scheduled)},
        },
    }


def lmod_sync_objects(
    spec, script, run_as_user=None, git_image=DEFAULT_GIT_IMAGE, fetch_image=DEFAULT_FETCH_IMAGE, nonce=None, launcher=None
):
    """ConfigMap with the script (and the kernels), the sync Job and, with a schedule, the CronJob, in apply order; [] without a tree.

    ``launcher`` is the text of lmod-kernel, needed when the tree declares kernels.
    """
    if spec.lmod is None:
        return []
    data = config_map_data(spec.lmod, script, launcher)
    objects = [
        config_map(spec, data),
        sync_job(spec, data, run_as_user, git_image, fetch_image, nonce),
    ]
    if spec.lmod.schedule:
        objects.append(sync_cron_job(spec, run_as_user, git_image, fetch_image))
    return objects


# --------------------------------------------------------------------------
# What notebooks need


def jupyter_path(lmod):
    """JUPYTER_PATH: the tree's kernels first, then the directories ``lmod.jupyter_path`` keeps.

    A pod's variable replaces the image's own JUPYTER_PATH (Kubernetes expands ``$(VAR)`` only
    from variables set earlier in the same container's env, never from the image), so directories
    the image lists there must be named in ``lmod.jupyter_path``. Jupyter's own data directories
    (user, ``sys.prefix``, /usr/local/share/jupyter, /usr/share/jupyter) are searched after
    JUPYTER_PATH anyway, so an image's installed kernels stay listed.
    """
    return ":".join((posixpath.join(lmod.mount_path, "current", JUPYTER_DATA_DIR),) + tuple(lmod.jupyter_path))


def notebook_environment(spec):
    """Volumes, mounts and environment that give a notebook the tree, ``module`` and the tree's kernels.

    A tree on a share needs no volume here: the tier mapping mounts that share,
    read-only, for every user. A tree on a claim of its own gets one read-only volume.
    """
    lmod = spec.lmod
    if lmod is None:
        return {"volumes": [], "volume_mounts": [], "env": {}}
    current = posixpath.join(lmod.mount_path, "current")
    env = {
        "MODULEPATH": posixpath.join(current, lmod.modulefiles_dir),
        "LMOD_RC": posixpath.join(current, "lmodrc.lua"),
        "BASH_ENV": posixpath.join(lmod.lmod_prefix, "init", "bash"),
        "LMOD_CMD": lmod_command(lmod),
        "LMOD_CACHED_LOADS": "yes",
        "JUPYTER_PATH": jupyter_path(lmod),
    }
    if lmod.default_modules:
        env["LMOD_SYSTEM_DEFAULT_MODULES"] = ":".join(lmod.default_modules)
    if lmod.share is not None:
        return {"volumes": [], "volume_mounts": [], "env": env}
    return {
        "volumes": [{"name": NOTEBOOK_VOLUME, "persistentVolumeClaim": {"claimName": lmod.claim_name, "readOnly": True}}],
        "volume_mounts": [{"name": NOTEBOOK_VOLUME, "mountPath": lmod.mount_path, "readOnly": True}],
        "env": env,
    }


# --------------------------------------------------------------------------
# The notebook image with Lmod, where users pick images


def notebook_image_namespace(spec):
    """Where the ImageStream goes: ``notebook_image.namespace``, else the hub's (odh_jsp) or the dashboard's (odh_notebooks).

    None for flavours that pick images otherwise (z2jh) or without a jupyterhub section.
    """
    flavor = spec.jupyterhub.flavor if spec.jupyterhub is not None else None
    if flavor not in ("odh_jsp", "odh_notebooks"):
        return None
    image = spec.lmod.notebook_image if spec.lmod is not None else None
    if image is not None and image.namespace:
        return image.namespace
    return spec.jupyterhub.namespace if flavor == "odh_jsp" else DEFAULT_DASHBOARD_NAMESPACE


def notebook_image_streams(spec):
    """The ImageStream that lists the notebook image in the ODH image pickers, as a list ([] when none is wanted).

    Both the ODH dashboard and jupyterhub-singleuser-profiles list ImageStreams labelled
    ``opendatahub.io/notebook-image: "true"`` in their namespace, named and described by the
    ``opendatahub.io/notebook-image-name``/``-desc`` annotations; a tag is offered once OpenShift
    has imported it (it is then in ``status.tags``).
    """
    namespace = notebook_image_namespace(spec)
    image = spec.lmod.notebook_image if spec.lmod is not None else None
    if image is None or namespace is None:
        return []
    annotations = {IMAGE_NAME_ANNOTATION: image.display_name}
    if image.description:
        annotations[IMAGE_DESC_ANNOTATION] = image.description
    labels = manifests.managed_labels(IMAGE_COMPONENT, **{NOTEBOOK_IMAGE_LABEL: "true"})
    return [
        {
            "apiVersion": IMAGE_STREAM_API_VERSION,
            "kind": "ImageStream",
            "metadata": {"name": image.name, "namespace": namespace, "labels": labels, "annotations": annotations},
            "spec": {
                "lookupPolicy": {"local": True},
                "tags": [
                    {
                        "name": image.tag,
                        "from": {"kind": "DockerImage", "name": image.image},
                        "referencePolicy": {"type": "Source"},
                    }
                ],
            },
        }
    ]


def z2jh_image(spec):
    """``singleuser.image`` for Zero to JupyterHub (the chart joins ``name:tag``), or None without a notebook image."""
    image = spec.lmod.notebook_image if spec.lmod is not None else None
    if image is None:
        return None
    return {"name": image.repository, "tag": image.tag + ("@" + image.digest if image.digest else "")}
