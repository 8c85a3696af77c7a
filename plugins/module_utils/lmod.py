# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared LMod software tree: validation of ``shared_resources.lmod``, the sync objects, the notebook environment.

Plain Python, no Ansible import, like spec.py: JupyterHub hooks compute the
notebook environment with the same code the roles use.

The tree lives on a ReadWriteMany claim (a share of the spec, or an existing
claim) and is published there by ``lmod-sync`` (roles/lmod_tree/files, see
docs/lmod-sync.md) as immutable releases behind ``<mount_path>/current``.
The sync Job mounts the claim read-write at the very path notebooks mount it
read-only, so the paths in the spider cache are the ones notebooks see.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import posixpath
import re
from collections import namedtuple

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import manifests
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.validation import (
    EVERYONE,
    RESERVED_MOUNT_PATHS,
    check_keys,
    check_subdomain,
    describe_type,
    suggest,
)

LMOD_KEYS = (
    "share",
    "claim_name",
    "mount_path",
    "modulefiles_dir",
    "source",
    "schedule",
    "keep_releases",
    "default_modules",
    "image",
    "lmod_prefix",
)
SOURCE_TYPES = ("image", "git", "http_archive", "pvc")
# Fields of each source type, required ones first; pvc's path is optional (the claim's root).
SOURCE_FIELDS = {
    "image": (("image", "path"), ()),
    "git": (("url", "ref"), ()),
    "http_archive": (("url", "sha256"), ()),
    "pvc": (("claim_name",), ("path",)),
}
DEFAULT_MODULEFILES_DIR = "modulefiles"
DEFAULT_KEEP_RELEASES = 2
DEFAULT_LMOD_PREFIX = "/usr/share/lmod/lmod"
# Python 3 and Lmod; roles/lmod_tree/files/Containerfile builds it (Debian bookworm, Lmod 8.6).
DEFAULT_SYNC_IMAGE = "quay.io/odh-rwx/lmod-sync:8.6"
DEFAULT_GIT_IMAGE = "docker.io/alpine/git:2.47.2"
DEFAULT_FETCH_IMAGE = "registry.access.redhat.com/ubi9/ubi:9.6"

# lmod-sync refuses these in paths: they end up in Lua strings, MODULEPATH and an unquoted shell line.
_UNSAFE_PATH_CHARS = re.compile(r"[\s:\"'\\]")
# Names lmod-sync keeps for itself at the top of a release.
_RESERVED_TREE_NAMES = ("lmodrc.lua", ".lmod-sync")
# Names lmod-sync writes at the top of the target volume.
_TARGET_NAMES = ("current", "releases", ".lmod-sync.lock")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_CRON_MACROS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# name, lowest, highest, names mapped to lowest, lowest + 1, ...
_CRON_FIELDS = (
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    ("month", 1, 12, _MONTH_NAMES),
    ("day of week", 0, 7, _DAY_NAMES),
)

LmodSource = namedtuple("LmodSource", "type image path url ref sha256 claim_name")
LmodSpec = namedtuple(
    "LmodSpec",
    "share claim_name gid mount_path modulefiles_dir source schedule keep_releases default_modules image lmod_prefix",
)


# --------------------------------------------------------------------------
# Validation


def _check_string(collector, path, value, what, example):
    if not isinstance(value, str) or not value.strip() or any(character.isspace() for character in value):
        collector.add(path, "invalid %s %r: use a non-empty value without spaces, such as %s" % (what, value, example))
        return False
    return True


def _check_absolute_path(collector, path, value, example):
    if not isinstance(value, str) or not value.startswith("/") or _UNSAFE_PATH_CHARS.search(value):
        collector.add(
            path, "invalid path %r: use an absolute path without spaces, quotes, ':' or '\\', such as %s" % (value, example)
        )
        return False
    if posixpath.normpath(value) != value:
        collector.add(path, "path %r is not normalized: write it as %r" % (value, posixpath.normpath(value)))
        return False
    return True


def _check_relative_path(collector, path, value, example, reserved=()):
    normalized = posixpath.normpath(value) if isinstance(value, str) and value else None
    if (
        normalized is None
        or normalized != value
        or value.startswith("/")
        or value.split("/")[0] in ("..", ".")
        or _UNSAFE_PATH_CHARS.search(value)
    ):
        collector.add(
            path,
            "invalid path %r: use a normalized path inside the tree, without spaces, quotes, ':' or '\\', such as %s"
            % (value, example),
        )
        return False
    if value.split("/")[0] in reserved:
        collector.add(path, "%r is a name lmod-sync keeps for itself: pick another directory" % (value,))
        return False
    return True


def _check_mount_path(collector, path, value, shares):
    """The mount path of a tree on a claim of its own: absolute, clear of system paths and of the shares."""
    if not _check_absolute_path(collector, path, value, "/opt/apps"):
        return None
    if value in RESERVED_MOUNT_PATHS:
        collector.add(path, "mount path %r is reserved (the notebook home or a system path): mount the tree below it" % (value,))
        return None
    for share in shares:
        if share.mount_path == value:
            collector.add(
                path, "mount path %r is already the mount path of share %r: give the tree a path of its own" % (value, share.name)
            )
            return None
    return value


def _parse_share_tree(collector, data, shares):
    """claim, gid and mount path of a tree kept on a share of the spec."""
    name = data["share"]
    share = next((share for share in shares if share.name == name), None) if isinstance(name, str) else None
    if share is None:
        known = [share.name for share in shares]
        collector.add(
            "lmod.share", "unknown share %r%s; known shares: %s" % (name, suggest(name, known), ", ".join(known) or "none")
        )
        return None
    everyone = EVERYONE
    if everyone not in share.readers and everyone not in share.writers:
        collector.add(
            "lmod.share",
            "share %r is not readable by every user, but every notebook loads modules from the tree: "
            "put the tree on a share with '*' in its readers" % (name,),
        )
        return None
    mount_path = data.get("mount_path", share.mount_path)
    if mount_path != share.mount_path:
        collector.add(
            "lmod.mount_path",
            "must be the share's mount path %r (the tier mapping mounts share %r there for everyone): "
            "leave mount_path out or change the share's" % (share.mount_path, name),
        )
        return None
    return share.claim_name, share.gid, mount_path


def _parse_claim_tree(collector, data, shares):
    """claim and mount path of a tree kept on an existing claim the collection does not manage."""
    claim_name = data["claim_name"]
    if not check_subdomain(collector, "lmod.claim_name", claim_name, "claim name"):
        return None
    for share in shares:
        if share.claim_name == claim_name:
            collector.add(
                "lmod.claim_name",
                "claim %r belongs to share %r: use share: %s instead of claim_name" % (claim_name, share.name, share.name),
            )
            return None
    if "mount_path" not in data:
        collector.add("lmod.mount_path", "missing: with claim_name, say where notebooks see the tree, e.g. /opt/apps")
        return None
    mount_path = _check_mount_path(collector, "lmod.mount_path", data["mount_path"], shares)
    if mount_path is None:
        return None
    return claim_name, None, mount_path


def _parse_location(collector, data, shares):
    has_share, has_claim = "share" in data, "claim_name" in data
    if has_share and has_claim:
        collector.add("lmod", "set share (a share of the spec) or claim_name (an existing claim), not both")
        return None
    if has_share:
        return _parse_share_tree(collector, data, shares)
    if has_claim:
        return _parse_claim_tree(collector, data, shares)
    collector.add(
        "lmod", "missing share or claim_name: name the share whose claim holds the tree, or an existing claim"
    )
    return None


def _check_image_source(collector, data, tree_claim):
    valid = "image" not in data or _check_string(collector, "lmod.source.image", data["image"], "image", "quay.io/example/easybuild-tree:2026.11")
    return ("path" not in data or _check_absolute_path(collector, "lmod.source.path", data["path"], "/opt/apps-src")) and valid


def _check_git_source(collector, data, tree_claim):
    valid = "url" not in data or _check_url(collector, "lmod.source.url", data["url"], "git")
    ref = data.get("ref", "main")
    if not isinstance(ref, str) or not ref or ref.startswith("-") or _UNSAFE_PATH_CHARS.search(ref):
        collector.add("lmod.source.ref", "invalid ref %r: use a branch, tag or commit, such as main or v2026.11" % (ref,))
        return False
    return valid


def _check_http_archive_source(collector, data, tree_claim):
    valid = "url" not in data or _check_url(collector, "lmod.source.url", data["url"], "http_archive")
    if "sha256" in data and not (isinstance(data["sha256"], str) and _SHA256.match(data["sha256"])):
        collector.add("lmod.source.sha256", "invalid sha256 %r: use the 64 lower-case hex digits of sha256sum" % (data["sha256"],))
        return False
    return valid


def _check_pvc_source(collector, data, tree_claim):
    """A build area on a claim; on the tree's own claim, away from what lmod-sync publishes."""
    valid = "claim_name" not in data or check_subdomain(collector, "lmod.source.claim_name", data["claim_name"], "claim name")
    if "path" in data and not _check_relative_path(collector, "lmod.source.path", data["path"], "build/apps"):
        return False
    if not valid or data.get("claim_name") != tree_claim:
        return valid
    if "path" not in data:
        collector.add("lmod.source.path", "missing: the tree's own claim holds the releases, name the build directory on it")
        return False
    if data["path"].split("/")[0] in _TARGET_NAMES:
        collector.add("lmod.source.path", "%r is where lmod-sync publishes on this claim: build the tree elsewhere" % (data["path"],))
        return False
    return True


_SOURCE_CHECKS = {
    "image": _check_image_source,
    "git": _check_git_source,
    "http_archive": _check_http_archive_source,
    "pvc": _check_pvc_source,
}


def _check_url(collector, path, value, source_type):
    schemes = ("https://", "http://") if source_type == "http_archive" else ("https://", "http://", "ssh://", "git@", "file://")
    if not isinstance(value, str) or not value.startswith(schemes) or any(character.isspace() for character in value):
        collector.add(path, "invalid url %r: use a URL starting with %s" % (value, " or ".join(schemes)))
        return False
    return True


def _parse_source(collector, data, tree_claim):
    path = "lmod.source"
    if not isinstance(data, dict):
        collector.add(path, "must be a mapping with a type (%s), got %s" % (", ".join(SOURCE_TYPES), describe_type(data)))
        return None
    source_type = data.get("type")
    if source_type not in SOURCE_TYPES:
        what = "unknown source type %r%s" % (source_type, suggest(source_type, SOURCE_TYPES)) if "type" in data else "missing"
        collector.add(path + ".type", "%s; known types: %s" % (what, ", ".join(SOURCE_TYPES)))
        return None
    required, optional = SOURCE_FIELDS[source_type]
    check_keys(collector, path, data, ("type",) + required + optional)
    missing = [field for field in required if field not in data]
    for field in missing:
        collector.add("%s.%s" % (path, field), "missing: a %s source needs %s" % (source_type, ", ".join(required)))
    if not _SOURCE_CHECKS[source_type](collector, data, tree_claim) or missing:
        return None
    values = dict((field, data.get(field)) for field in LmodSource._fields)
    values["type"] = source_type
    if source_type == "pvc":
        values["path"] = data.get("path", ".")
    return LmodSource(**values)


def _cron_value(text, low, high, names):
    lowered = text.lower()
    if lowered in names:
        return low + names.index(lowered)
    if not text.isdigit() or not low <= int(text) <= high:
        return None
    return int(text)


def _cron_item_ok(item, low, high, names):
    body, slash, step = item.partition("/")
    if slash and (not step.isdigit() or int(step) < 1):
        return False
    if body in ("*", "?"):
        return True
    first, dash, last = body.partition("-")
    start = _cron_value(first, low, high, names)
    end = _cron_value(last, low, high, names) if dash else start
    return start is not None and end is not None and start <= end


def _check_schedule(collector, value):
    """A five-field cron schedule as the CronJob controller reads it, or one of its @macros."""
    if not isinstance(value, str):
        collector.add("lmod.schedule", "must be a cron schedule string such as '0 3 * * *', got %s" % describe_type(value))
        return None
    if value.strip().startswith(("TZ=", "CRON_TZ=")):
        collector.add("lmod.schedule", "time zones are not allowed in a CronJob schedule: the schedule runs in the controller's zone")
        return None
    if value.strip() in _CRON_MACROS:
        return value.strip()
    fields = value.split()
    if len(fields) != 5:
        collector.add(
            "lmod.schedule",
            "invalid schedule %r: use five fields (minute hour day-of-month month day-of-week) such as '0 3 * * *', "
            "or one of %s" % (value, ", ".join(_CRON_MACROS)),
        )
        return None
    valid = True
    for text, (name, low, high, names) in zip(fields, _CRON_FIELDS):
        if not all(_cron_item_ok(item, low, high, names) for item in text.split(",")):
            collector.add("lmod.schedule", "invalid %s %r in %r: use *, a value from %d to %d, a range or a step" % (name, text, value, low, high))
            valid = False
    return " ".join(fields) if valid else None


def _check_keep_releases(collector, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        collector.add("lmod.keep_releases", "invalid keep_releases %r: use a whole number, 1 or more (2 keeps one for rollback)" % (value,))
        return None
    return value


def _check_default_modules(collector, value):
    if not isinstance(value, list):
        collector.add("lmod.default_modules", "must be a list of module names such as [Python], got %s" % describe_type(value))
        return ()
    valid = True
    for position, module in enumerate(value):
        if not isinstance(module, str) or not module or _UNSAFE_PATH_CHARS.search(module):
            collector.add(
                "lmod.default_modules[%d]" % position,
                "invalid module %r: use a module name such as Python or Python/3.12, without spaces or ':'" % (module,),
            )
            valid = False
    return tuple(value) if valid else ()


def parse_lmod(collector, data, shares):
    """Validate the ``lmod`` section against the parsed ``shares``; return an LmodSpec, or None when absent or invalid."""
    if data is None:
        return None
    if not isinstance(data, dict):
        collector.add("lmod", "must be a mapping with share (or claim_name) and source, got %s" % describe_type(data))
        return None
    check_keys(collector, "lmod", data, LMOD_KEYS)
    location = _parse_location(collector, data, shares)
    source = None
    if "source" not in data:
        collector.add("lmod.source", "missing: say where the tree comes from (%s)" % ", ".join(SOURCE_TYPES))
    else:
        source = _parse_source(collector, data["source"], location[0] if location else None)
    modulefiles_dir = data.get("modulefiles_dir", DEFAULT_MODULEFILES_DIR)
    modulefiles_ok = _check_relative_path(collector, "lmod.modulefiles_dir", modulefiles_dir, "modules/all", _RESERVED_TREE_NAMES)
    schedule = _check_schedule(collector, data["schedule"]) if data.get("schedule") is not None else None
    keep_releases = _check_keep_releases(collector, data.get("keep_releases", DEFAULT_KEEP_RELEASES))
    default_modules = _check_default_modules(collector, data.get("default_modules", []))
    image = data.get("image", DEFAULT_SYNC_IMAGE)
    image_ok = _check_string(collector, "lmod.image", image, "image", DEFAULT_SYNC_IMAGE)
    lmod_prefix = data.get("lmod_prefix", DEFAULT_LMOD_PREFIX)
    prefix_ok = _check_absolute_path(collector, "lmod.lmod_prefix", lmod_prefix, DEFAULT_LMOD_PREFIX)
    if location is None or source is None or not (modulefiles_ok and image_ok and prefix_ok) or keep_releases is None:
        return None
    claim_name, gid, mount_path = location
    return LmodSpec(
        share=data.get("share"),
        claim_name=claim_name,
        gid=gid,
        mount_path=mount_path,
        modulefiles_dir=modulefiles_dir,
        source=source,
        schedule=schedule,
        keep_releases=keep_releases,
        default_modules=default_modules,
        image=image,
        lmod_prefix=lmod_prefix,
    )


# --------------------------------------------------------------------------
# The sync objects

COMPONENT = "lmod-sync"
# Jobs the CronJob starts carry another component, so pruning the role's Jobs leaves them to the CronJob.
SCHEDULED_COMPONENT = "lmod-sync-scheduled"
CONFIG_MAP_NAME = "lmod-sync"
CRON_JOB_NAME = "lmod-sync"
SCRIPT_KEY = "lmod-sync"
SCRIPT_DIR = "/etc/lmod-sync"
SOURCE_DIR = "/src"
SOURCE_TREE = SOURCE_DIR + "/tree"
SYNC_HASH_SUFFIX = "lmod-sync-hash"
FORCED_SYNC_SUFFIX = "forced-sync"
NOTEBOOK_VOLUME = "lmod-tree"
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


def sync_command(lmod):
    """The lmod-sync command line of the sync container."""
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
    ]


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


def sync_hash(pod_spec, script):
    """What a sync does: its pod and the lmod-sync script."""
    return manifests.short_hash({"pod": pod_spec, "script": script_digest(script)})


def sync_job_name(digest, nonce=None):
    """``lmod-sync-<hash>``; a forced sync hashes a nonce in, which makes a new name."""
    if nonce is None:
        return "lmod-sync-" + digest
    return "lmod-sync-" + manifests.short_hash({"sync": digest, "nonce": str(nonce)})


def config_map(spec, script):
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": CONFIG_MAP_NAME, "namespace": spec.namespace, "labels": manifests.managed_labels(COMPONENT)},
        "data": {SCRIPT_KEY: script},
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


def sync_job(spec, script, run_as_user=None, git_image=DEFAULT_GIT_IMAGE, fetch_image=DEFAULT_FETCH_IMAGE, nonce=None):
    """The Job that publishes the tree once, named ``lmod-sync-<hash>`` after what it does."""
    pod_spec = sync_pod_spec(spec.lmod, run_as_user, git_image, fetch_image)
    digest = sync_hash(pod_spec, script)
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


def lmod_sync_objects(spec, script, run_as_user=None, git_image=DEFAULT_GIT_IMAGE, fetch_image=DEFAULT_FETCH_IMAGE, nonce=None):
    """ConfigMap with the script, the sync Job and, with a schedule, the CronJob, in apply order; [] without a tree."""
    if spec.lmod is None:
        return []
    objects = [
        config_map(spec, script),
        sync_job(spec, script, run_as_user, git_image, fetch_image, nonce),
    ]
    if spec.lmod.schedule:
        objects.append(sync_cron_job(spec, run_as_user, git_image, fetch_image))
    return objects


# --------------------------------------------------------------------------
# What notebooks need


def notebook_environment(spec):
    """Volumes, mounts and environment that give a notebook the tree and ``module``.

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
        "LMOD_CMD": posixpath.join(lmod.lmod_prefix, "libexec", "lmod"),
        "LMOD_CACHED_LOADS": "yes",
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
