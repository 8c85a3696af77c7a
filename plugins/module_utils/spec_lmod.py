# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation of ``shared_resources.lmod``: where the shared LMod tree lives and where it comes from.

Spec parsing: depends on validation.py only. lmod.py builds the sync objects and the notebook
environment from the LmodSpec this returns.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import posixpath
import re
from collections import namedtuple

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.validation import (
    EVERYONE,
    RESERVED_MOUNT_PATHS,
    check_keys,
    check_name,
    check_subdomain,
    describe_type,
    normalized_path,
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
    "kernels",
    "jupyter_path",
    "notebook_image",
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

KERNEL_KEYS = ("name", "display_name", "modules")
# jupyter_client lists kernel directories by lower-cased name and takes [a-z0-9._-]
# (kernelspec.py _kernel_name_pat); lmod-sync checks the same.
_KERNEL_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
# The notebook image's own kernel: JUPYTER_PATH comes first, so a tree kernel of that name would hide it.
IMAGE_KERNEL = "python3"
NOTEBOOK_IMAGE_KEYS = ("image", "display_name", "description", "name", "namespace")
# [registry[:port]/]path[:tag][@digest], as container tools read it; a tag is required here.
_IMAGE_REFERENCE = re.compile(
    r"^(?P<repository>[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)"
    r":(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})(?P<digest>@sha256:[0-9a-f]{64})?$"
)

LmodSource = namedtuple("LmodSource", "type image path url ref sha256 claim_name")
LmodKernel = namedtuple("LmodKernel", "name display_name modules")
# image: the full reference; repository, tag, digest: its parts; name: the ImageStream's; namespace: None for the flavour's default.
NotebookImage = namedtuple("NotebookImage", "image repository tag digest display_name description name namespace")
LmodSpec = namedtuple(
    "LmodSpec",
    "share claim_name gid mount_path modulefiles_dir source schedule keep_releases default_modules image lmod_prefix "
    "kernels jupyter_path notebook_image",
)


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
    if normalized_path(value) != value:
        collector.add(path, "path %r is not normalized: write it as %r" % (value, normalized_path(value)))
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


def _check_modules(collector, path, value):
    """A list of module names; returns them as a tuple, or None when invalid."""
    if not isinstance(value, list):
        collector.add(path, "must be a list of module names such as [Python], got %s" % describe_type(value))
        return None
    valid = True
    for position, module in enumerate(value):
        if not isinstance(module, str) or not module or module.startswith("-") or _UNSAFE_PATH_CHARS.search(module):
            collector.add(
                "%s[%d]" % (path, position),
                "invalid module %r: use a module name such as Python or Python/3.12, without spaces, quotes or ':', "
                "not starting with '-'" % (module,),
            )
            valid = False
    return tuple(value) if valid else None


def _check_default_modules(collector, value):
    return _check_modules(collector, "lmod.default_modules", value) or ()


def _parse_kernel(collector, path, data):
    if not isinstance(data, dict):
        collector.add(path, "must be a mapping with name, display_name and modules, got %s" % describe_type(data))
        return None
    check_keys(collector, path, data, KERNEL_KEYS)
    missing = [key for key in KERNEL_KEYS if key not in data]
    for key in missing:
        collector.add("%s.%s" % (path, key), "missing: a kernel needs name, display_name and modules")
    name, display_name = data.get("name"), data.get("display_name")
    valid = not missing
    if "name" in data and not (isinstance(name, str) and _KERNEL_NAME.match(name)):
        collector.add(
            path + ".name",
            "invalid kernel name %r: use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit, "
            "such as python-gpu (Jupyter's kernelspec names)" % (name,),
        )
        valid = False
    elif name == IMAGE_KERNEL:
        collector.add(
            path + ".name",
            "kernel name %r would hide the notebook image's own Python kernel from every user: pick another name" % name,
        )
        valid = False
    if "display_name" in data and not (isinstance(display_name, str) and display_name.strip()):
        collector.add(path + ".display_name", "must be the name JupyterLab's launcher shows, such as 'Python 3 (GPU stack)'")
        valid = False
    modules = None
    if "modules" in data:
        modules = _check_modules(collector, path + ".modules", data["modules"])
        if modules == ():
            collector.add(path + ".modules", "is empty: list the modules the kernel loads, such as [Python, SciPy-bundle]")
            modules = None
    if not valid or modules is None:
        return None
    return LmodKernel(name, display_name, modules)


def _parse_kernels(collector, value):
    """The kernels that start with their modules; None when invalid."""
    if not isinstance(value, list):
        collector.add("lmod.kernels", "must be a list of {name, display_name, modules}, got %s" % describe_type(value))
        return None
    kernels, seen = [], set()
    for position, data in enumerate(value):
        path = "lmod.kernels[%d]" % position
        kernel = _parse_kernel(collector, path, data)
        if kernel is not None and kernel.name in seen:
            collector.add(path + ".name", "kernel %r is listed twice: kernel names must be unique" % kernel.name)
        elif kernel is not None:
            seen.add(kernel.name)
            kernels.append(kernel)
    return tuple(kernels) if len(kernels) == len(value) else None


def _parse_jupyter_path(collector, value):
    """Directories JUPYTER_PATH keeps after the tree's: the image's own, which a pod variable cannot extend."""
    if not isinstance(value, list):
        collector.add("lmod.jupyter_path", "must be a list of directories such as [/opt/conda/share/jupyter], got %s" % describe_type(value))
        return None
    results = [_check_absolute_path(collector, "lmod.jupyter_path[%d]" % i, item, "/opt/conda/share/jupyter") for i, item in enumerate(value)]
    return tuple(dict.fromkeys(value)) if all(results) else None


def _parse_notebook_image(collector, data):
    """The notebook image with Lmod that users pick; None when invalid."""
    path = "lmod.notebook_image"
    if not isinstance(data, dict):
        collector.add(path, "must be a mapping with image and display_name, got %s" % describe_type(data))
        return None
    check_keys(collector, path, data, NOTEBOOK_IMAGE_KEYS)
    valid = True
    for key in ("image", "display_name"):
        if key not in data:
            collector.add("%s.%s" % (path, key), "missing: a notebook image needs image and display_name")
            valid = False
    image = data.get("image")
    reference = _IMAGE_REFERENCE.match(image) if isinstance(image, str) else None
    if "image" in data and reference is None:
        collector.add(
            path + ".image",
            "invalid image %r: use a reference with a tag, such as quay.io/example/lmod-notebook:2026.11 "
            "(a digest may follow the tag)" % (image,),
        )
        valid = False
    for key in ("display_name", "description"):
        if key in data and not (isinstance(data[key], str) and data[key].strip()):
            collector.add("%s.%s" % (path, key), "must be a non-empty string")
            valid = False
    name = data.get("name")
    if name is None and reference is not None:
        name = reference.group("repository").rsplit("/", 1)[-1].replace("_", "-").replace(".", "-")
        if not check_name(collector, path + ".name", name, "ImageStream name (from the image)"):
            valid = False
    elif name is not None and not check_name(collector, path + ".name", name, "ImageStream name"):
        valid = False
    if "namespace" in data and not check_name(collector, path + ".namespace", data["namespace"], "namespace"):
        valid = False
    if not valid:
        return None
    return NotebookImage(
        image=image,
        repository=reference.group("repository"),
        tag=reference.group("tag"),
        digest=(reference.group("digest") or "")[1:] or None,
        display_name=data["display_name"],
        description=data.get("description"),
        name=name,
        namespace=data.get("namespace"),
    )


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
    kernels = _parse_kernels(collector, data.get("kernels", []))
    jupyter_path = _parse_jupyter_path(collector, data.get("jupyter_path", []))
    notebook_image = _parse_notebook_image(collector, data["notebook_image"]) if data.get("notebook_image") is not None else None
    optional_ok = kernels is not None and jupyter_path is not None and (notebook_image is not None or data.get("notebook_image") is None)
    if location is None or source is None or not (modulefiles_ok and image_ok and prefix_ok and optional_ok) or keep_releases is None:
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
        kernels=kernels,
        jupyter_path=jupyter_path,
        notebook_image=notebook_image,
    )


# --------------------------------------------------------------------------
