# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation of ``shared_resources.permissions``: what the files on the shares must do.

Spec parsing: depends on validation.py only. data_plane.py builds what notebook pods and the
directory Jobs get from the PermissionsSpec this returns; docs/permissions.md is the model
(backend x platform x export squashing) these rules come from.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from collections import namedtuple

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.validation import (
    check_bool,
    check_keys,
    check_mapping,
)

PERMISSIONS_KEYS = ("strict", "umask")
# Group-writable team files: what docker-stacks images apply from NB_UMASK.
DEFAULT_UMASK = "0002"
_UMASK = re.compile(r"^0?[0-7]{3}$")
MOUNT_PERMISSIONS = "mountPermissions"

PermissionsSpec = namedtuple("PermissionsSpec", "strict umask")
DEFAULT_PERMISSIONS = PermissionsSpec(strict=False, umask=DEFAULT_UMASK)

# Backends on which no setting of the collection can close a restricted share's root to others,
# and why (docs/permissions.md cites the sources).
_ROOT_NEVER_CLOSED = {
    "nfs_subdir": "the NFS subdir provisioner makes every volume directory mode 0777 as root, which the Jobs cannot change",
    "cephfs": "ceph-csi creates every subvolume root:root 0755 and has no parameter for its mode; the kubelet only adds group bits",
    "filestore": "a Filestore share's root is root:root 0755 and the driver has no parameter for its mode",
    "efs": "EFS access points make every pod the access point's uid and gid, so no file mode can tell pods apart",
}
# Backends whose CSI driver chmods the volume root to the class's mountPermissions, and the value
# that closes it without fighting the setgid bit the kubelet adds (docs/permissions.md).
_ROOT_MODE_PARAMETER = {
    "nfs_csi": (
        "csi-driver-nfs leaves its volume directories root:root 0755 unless mountPermissions is set",
        "'2770' for csi-driver-nfs v4.13.3 and later, '0770' before (those versions drop the setgid bit of "
        "'2770' and would make the kubelet walk the share again at every mount)",
    ),
    "azurefile": (
        "the Azure Files driver chmods every NFS volume to 0777 unless mountPermissions says otherwise",
        "'0770' (the driver keeps the setgid bit the kubelet adds)",
    ),
}


def parse_permissions(collector, data, storage_class, shares):
    """Validate the permissions section against the class and the shares; return a PermissionsSpec."""
    if data is None or not check_mapping(collector, "permissions", data, "strict and umask"):
        return DEFAULT_PERMISSIONS
    check_keys(collector, "permissions", data, PERMISSIONS_KEYS)
    strict = data.get("strict", False)
    if not check_bool(collector, "permissions.strict", strict):
        strict = False
    umask = data.get("umask", DEFAULT_UMASK)
    if umask is not None and not _valid_umask(umask):
        collector.add(
            "permissions.umask",
            "invalid umask %r: use an octal string such as '0002' (group-writable files) or '0022' that keeps "
            "the owner's read and write bits, or null to leave the notebook image's umask" % (umask,),
        )
        umask = DEFAULT_UMASK
    if strict and any(share.restricted for share in shares):
        _check_root_can_close(collector, storage_class)
    return PermissionsSpec(strict=strict, umask=umask)


def _valid_umask(value):
    return isinstance(value, str) and bool(_UMASK.match(value)) and int(value, 8) & 0o600 == 0


def closes_others(mode):
    """Whether an octal mode string (a mountPermissions value) is set and leaves nothing to others."""
    try:
        bits = int(mode, 8)
    except (TypeError, ValueError):
        return False
    return bits != 0 and bits & 0o007 == 0


def mount_permissions(parameters):
    """The class's mountPermissions; both drivers read their parameter keys case-insensitively."""
    for key, value in (parameters or {}).items():
        if key.lower() == MOUNT_PERMISSIONS.lower():
            return value
    return None


def _check_root_can_close(collector, storage_class):
    """Strict mode needs storage whose restricted share roots can end up closed to others."""
    if storage_class is None or storage_class.backend == "existing":
        return
    backend = storage_class.backend
    if backend in _ROOT_NEVER_CLOSED:
        collector.add(
            "permissions.strict",
            "cannot hold on backend %r: %s. Remove strict (the mount barrier then separates tiers, "
            "docs/permissions.md) or serve restricted tiers from a class you prepare (backend existing)"
            % (backend, _ROOT_NEVER_CLOSED[backend]),
        )
    elif backend in _ROOT_MODE_PARAMETER and not closes_others(mount_permissions(storage_class.parameters)):
        why, value = _ROOT_MODE_PARAMETER[backend]
        collector.add(
            "storage_class.parameters.%s" % MOUNT_PERMISSIONS,
            "strict restricted tiers need it to close the volume root to others: %s. Set %s; see "
            "docs/permissions.md" % (why, value),
        )
