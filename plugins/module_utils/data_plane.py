# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What pods need for the files on the shares to behave: the one place every flavour takes it from.

Plain Python, like access.py: JupyterHub hooks and admission webhooks use it too. The model
behind it (what each provisioner leaves, what the kubelet does, what holds) is
docs/permissions.md; spec_permissions.py validates ``shared_resources.permissions``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec_permissions import (
    closes_others,
    mount_permissions,
)

# KEP 695: the kubelet skips its recursive group change when the volume root already has the
# pod's fsGroup, the group bits and setgid (kubernetes pkg/volume/volume_linux.go,
# requiresPermissionChange); the default, Always, walks every file of the share at every mount.
FS_GROUP_CHANGE_POLICY = "OnRootMismatch"
# jupyter/docker-stacks images/base-notebook/jupyter_server_config.py: os.umask(NB_UMASK) for the
# server and everything it starts (terminals, kernels).
UMASK_ENV = "NB_UMASK"
# zero-to-jupyterhub-k8s values.yaml singleuser.fsGid (and the jovyan user's group).
Z2JH_FS_GID = 100


def notebook_pod_settings(spec):
    """The pod settings every notebook flavour gives notebook pods, whoever the user.

    ``security_context``: keys of the pod's securityContext (fsGroupChangePolicy, so that the
    kubelet walks a share once instead of at every notebook start); ``env``: name -> value for
    the notebook container (NB_UMASK, so that team files stay group-writable; absent when
    ``permissions.umask`` is null). The per-user pieces (volumes, mounts, supplementalGroups)
    are access.pod_volumes.
    """
    env = {}
    if spec.permissions.umask is not None:
        env[UMASK_ENV] = spec.permissions.umask
    return {"security_context": {"fsGroupChangePolicy": FS_GROUP_CHANGE_POLICY}, "env": env}


# Why a restricted share's root stays enterable by others, per backend, when the spec cannot close it.
_OPEN_ROOT = {
    "nfs_csi": "csi-driver-nfs creates it root:root 0755 (no mountPermissions in the class) and the Jobs cannot chmod it",
    "nfs_subdir": "the NFS subdir provisioner makes it 0777 as root",
    "cephfs": "ceph-csi creates subvolumes root:root 0755",
    "efs": "every pod acts as the access point's uid and gid",
    "azurefile": "the Azure Files driver chmods it to 0777 (no mountPermissions in the class)",
    "filestore": "a Filestore share's root is root:root 0755",
}


def restricted_root_limitations(spec):
    """``[(share, reason)]``: restricted shares whose root the storage leaves enterable by others.

    Known from the spec alone (the backend and its mountPermissions); with backend ``existing``
    or no class the directory Jobs tell at run time. Empty in strict mode, which validation only
    accepts where the roots close.
    """
    storage_class = spec.storage_class
    if spec.permissions.strict or storage_class is None or storage_class.backend not in _OPEN_ROOT:
        return []
    if storage_class.backend in ("nfs_csi", "azurefile") and closes_others(mount_permissions(storage_class.parameters)):
        return []
    reason = _OPEN_ROOT[storage_class.backend]
    return [(share, reason) for share in spec.shares if share.restricted]


def describe_limitations(spec):
    """One message per restricted share whose root others can enter: the documented limitation, not an error."""
    return [
        "restricted share %s: pods that mount it can enter it without its tier gid (%s). Which claims a pod mounts, "
        "and readOnly, keep other users out; set permissions.strict to require closed roots (docs/permissions.md)" % (share.name, reason)
        for share, reason in restricted_root_limitations(spec)
    ]
