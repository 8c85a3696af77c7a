"""What the provisioners, CSI node plugins and the kubelet do to a share's files, reproduced from their source.

Standard library only: the harness runs this file as ``python3 -I -S upstream.py ACTION JSON`` under
the credentials of the actor it stands for (setpriv), so the kernel checks every chown and chmod
the way the NFS server checks them. Nothing here is upstream code; each function cites what it
reproduces. Sources read (repository, path, line):

- kubernetes-csi/csi-driver-nfs v4.11.0 pkg/nfs/controllerserver.go:182 ``os.MkdirAll(path, 0777)``
  under the controller's umask, 186-188 ``os.Chmod(path, os.FileMode(mountPermissions))`` only when
  mountPermissions > 0 (cmd/nfsplugin/main.go:31, default 0); pkg/nfs/nodeserver.go:148-150 chmods
  the mount point after every NodePublish with pkg/nfs/utils.go:162-177 chmodIfPermissionMismatch,
  which compares and sets the 0777 bits only: Go's os.Chmod drops a raw 02000, so '2770' clears the
  setgid bit. v4.13.3 (commit fb08e26f) compares and sets the special bits too: v4.13.4
  pkg/nfs/utils.go:164-203, controllerserver.go:184-190, nodeserver.go:170-171.
- kubernetes-sigs/nfs-subdir-external-provisioner v4.0.2
  cmd/nfs-subdir-external-provisioner/provisioner.go:112-115 ``os.MkdirAll(fullPath, 0777)`` then
  ``os.Chmod(fullPath, 0777)``; the volume is an in-tree ``nfs`` PV (line 129), to which the kubelet
  never applies fsGroup (kubernetes pkg/volume/nfs/nfs.go, nfsMounter.SetUpAt ignores
  mounterArgs.FsGroup).
- ceph/ceph-csi v3.12.2 internal/cephfs/core/volume.go:234-242 creates subvolumes with
  ``fsAdmin.SubVolumeOptions{Size, PoolLayout}`` only: Ceph's ``fs subvolume create`` default, mode
  755 with the uid/gid (0) of the subvolume group.
- kubernetes-sigs/aws-efs-csi-driver v3.4.1 pkg/driver/controller.go:271-272 (directoryPerms),
  296-310 (uid/gid from gidRangeStart), pkg/cloud/cloud.go:249-257: the access point's PosixUser
  (uid, gid) is forced on every request and its root directory is created with OwnerUid, OwnerGid and
  Permissions=directoryPerms; its CSIDriver has no fsGroupPolicy, so the kubelet applies no fsGroup
  to RWX volumes.
- kubernetes-sigs/azurefile-csi-driver v1.35.7 pkg/azurefile/azurefile_options.go:82
  (--mount-permissions default 0777), pkg/azurefile/nodeserver.go:363-412 (mountPermissions, '0'
  skips the chmod), 641-643 (NFS: chmodIfPermissionMismatch of the staging path, pkg/azurefile/
  utils.go:245-262: the 0777 bits only, special bits kept), 719-723 (the driver applies the pod's
  fsGroup itself, VOLUME_MOUNT_GROUP, with fsGroupChangePolicy default OnRootMismatch,
  utils.go:265-275); deploy/csi-azurefile-driver.yaml: fsGroupPolicy ReadWriteOnceWithFSType.
- kubernetes-sigs/gcp-filestore-csi-driver docs/kubernetes/fsgroup.md: CSIDriver fsGroupPolicy File;
  a new instance's share is an ext4 root (root:root 0755) holding lost+found (root:root 0700).
- kubernetes/kubernetes pkg/volume/volume_linux.go: SetVolumeOwnership / VolumeOwnership.ChangePermissions
  skip the walk when skipPermissionChange (policy OnRootMismatch and requiresPermissionChange false:
  root gid == fsGroup, 0770 (0550 read-only) bits present, setgid set); else walkDeep (children
  before their directory, unsorted) calls changeFilePermission on each path: os.Lchown(path, -1,
  fsGroup), then, except for symlinks, os.Chmod(mode | 0660 (0440 read-only), directories also
  | 0110 | setgid). Lchown/Chmod errors are only logged; an error reading a directory ends the walk
  and fails the mount. pkg/volume/csi/csi_mounter.go supportsFSGroup: never for a read-only volume,
  always for fsGroupPolicy File.
- torvalds/linux fs/nfsd/auth.c nfsd_setuser: with root_squash, uid 0 becomes the anonymous uid and
  every gid 0 (primary and supplementary) the anonymous gid; capabilities are dropped for a
  non-root fsuid (exports(5): "root_squash: Map requests from uid/gid 0 to the anonymous
  uid/gid"). The harness runs squashed actors with exactly these credentials.
"""

import json
import os
import stat
import sys
import time

ANONYMOUS = 65534
RW_MASK = 0o660
RO_MASK = 0o440
EXEC_MASK = 0o110
# The CSI controllers run with the container runtime's default umask.
CONTROLLER_UMASK = 0o022


def squash(uid, gid, groups):
    """fs/nfsd/auth.c nfsd_setuser with root_squash: every 0 among uid, gid and groups becomes anonymous."""
    def mapped(value):
        return ANONYMOUS if value == 0 else value

    return mapped(uid), mapped(gid), sorted(set(mapped(group) for group in groups))


# --------------------------------------------------------------------------
# chmod as the drivers do it


def go_chmod(path, raw_mode):
    """Go's os.Chmod(path, os.FileMode(raw)): only the 0777 bits of a raw mode reach chmod(2)."""
    os.chmod(path, raw_mode & 0o777)


def chmod_if_mismatch_v4_11(path, raw_mode):
    """csi-driver-nfs v4.11-v4.13.2 pkg/nfs/utils.go chmodIfPermissionMismatch(path, os.FileMode(raw))."""
    if stat.S_IMODE(os.lstat(path).st_mode) & 0o777 != raw_mode:
        go_chmod(path, raw_mode)


def chmod_if_mismatch_v4_13_3(path, raw_mode):
    """csi-driver-nfs v4.13.3+: compares the 0777 and the special bits, chmods the raw mode."""
    if stat.S_IMODE(os.lstat(path).st_mode) != raw_mode:
        os.chmod(path, raw_mode)


def azurefile_chmod_if_mismatch(path, raw_mode):
    """azurefile-csi-driver pkg/azurefile/utils.go chmodIfPermissionMismatch: set the 0777 bits, keep the special ones."""
    current = stat.S_IMODE(os.lstat(path).st_mode)
    if current & 0o777 != raw_mode & 0o777:
        os.chmod(path, (current & ~0o777) | (raw_mode & 0o777))


def node_chmod(path, raw_mode, driver):
    """A node plugin's chmod of the mount point; its error fails the mount (nodeserver.go returns codes.Internal)."""
    chmod = {"csi-nfs-4.11": chmod_if_mismatch_v4_11, "csi-nfs-4.13.3": chmod_if_mismatch_v4_13_3,
             "azurefile": azurefile_chmod_if_mismatch}[driver]
    try:
        if raw_mode > 0:
            chmod(path, raw_mode)
    except OSError as error:
        return {"failed": "NodePublishVolume/NodeStageVolume failed: %s" % error}
    return {}


# --------------------------------------------------------------------------
# Provisioners: the volume directory as each leaves it


def csi_nfs_create_volume(path, mount_permissions=0, version="4.11"):
    os.umask(CONTROLLER_UMASK)
    os.makedirs(path, 0o777, exist_ok=True)
    if mount_permissions > 0:
        if version == "4.11":
            go_chmod(path, mount_permissions)
        else:
            chmod_if_mismatch_v4_13_3(path, mount_permissions)


def nfs_subdir_create_volume(path):
    os.umask(CONTROLLER_UMASK)
    os.makedirs(path, 0o777, exist_ok=True)
    os.chmod(path, 0o777)


def service_created_root(path, uid=0, gid=0, mode=0o755, lost_found=False):
    """A directory the storage service itself creates (CephFS subvolume, EFS access point, Azure or
    Filestore share): not through an NFS client, so no squashing applies."""
    os.makedirs(path, exist_ok=True)
    os.chown(path, uid, gid)
    os.chmod(path, mode)
    if lost_found:
        os.mkdir(os.path.join(path, "lost+found"), 0o700)


def admin_prepared_root(path, gid, mode):
    """backend existing: the storage administrator prepared the export as docs/permissions.md asks."""
    service_created_root(path, 0, gid, mode)


# --------------------------------------------------------------------------
# Node side: what happens at each mount of a pod


def requires_permission_change(root, fs_group, read_only):
    info = os.stat(root)
    if info.st_gid != fs_group or not stat.S_ISDIR(info.st_mode):
        return True
    wanted = (RO_MASK if read_only else RW_MASK) | EXEC_MASK
    return stat.S_IMODE(info.st_mode) & wanted != wanted or not info.st_mode & stat.S_ISGID


def change_file_permission(path, info, fs_group, read_only, counts):
    try:
        os.lchown(path, -1, fs_group)
    except OSError:
        counts["errors"] += 1
    if stat.S_ISLNK(info.st_mode):
        return
    mask = RO_MASK if read_only else RW_MASK
    if stat.S_ISDIR(info.st_mode):
        mask |= stat.S_ISGID | EXEC_MASK
    try:
        os.chmod(path, stat.S_IMODE(info.st_mode) | mask)
    except OSError:
        counts["errors"] += 1


def walk_deep(path, info, visit):
    """walkDeep: a directory's entries (unsorted) before the directory; a readdir error ends the walk."""
    if stat.S_ISDIR(info.st_mode):
        for name in os.listdir(path):
            child = os.path.join(path, name)
            walk_deep(child, os.lstat(child), visit)
    visit(path, info)


def set_volume_ownership(root, fs_group, policy="Always", read_only=False):
    """The kubelet's fsGroup change of one volume; {"walked", "files", "errors"}, or {"failed": why}."""
    counts = {"walked": False, "files": 0, "errors": 0}
    if fs_group is None or (policy == "OnRootMismatch" and not requires_permission_change(root, fs_group, read_only)):
        return counts
    counts["walked"] = True

    def visit(path, info):
        counts["files"] += 1
        change_file_permission(path, info, fs_group, read_only, counts)

    try:
        walk_deep(root, os.lstat(root), visit)
    except OSError as error:
        return {"failed": "applyFSGroup failed: %s" % error, "walked": True}
    return counts


def run_group(steps):
    """The steps of one mount, [action, keyword arguments] each, in order; the first failure ends them (and the mount)."""
    outcome = {}
    began = time.perf_counter()
    for action, arguments in steps:
        result = globals()[action](**arguments) or {}
        outcome["walked"] = outcome.get("walked", False) or result.get("walked", False)
        if "failed" in result:
            outcome["failed"] = result["failed"]
            break
    outcome["seconds"] = time.perf_counter() - began
    return outcome


def main(argv):
    """``upstream.py GROUPS``: run each group of steps of the JSON list in order; print their outcomes."""
    print(json.dumps([run_group(steps) for steps in json.loads(argv[1])]))


if __name__ == "__main__":
    main(sys.argv)
