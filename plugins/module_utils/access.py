# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who gets which share, in which mode: the one implementation of the tier rules.

A group in a share's writers gets it read-write; else a group in its readers
gets it read-only; else the share is not mounted at all. ``*`` stands for every
authenticated user. Plain Python, importable from JupyterHub hooks: the z2jh hook runs it in the hub.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
from collections import namedtuple

# Relative: the Zero to JupyterHub hub loads this module, outside any collection (z2jh_hook.py).
from .validation import EVERYONE

READ_WRITE = "rw"
READ_ONLY = "ro"
NO_ACCESS = "none"

ShareAccess = namedtuple("ShareAccess", "share mode")
Signature = namedtuple("Signature", "id users accesses")


def share_mode(share, groups):
    """The mode a member of ``groups`` gets for ``share``: rw, ro or none."""
    if EVERYONE in share.writers or not groups.isdisjoint(share.writers):
        return READ_WRITE
    if EVERYONE in share.readers or not groups.isdisjoint(share.readers):
        return READ_ONLY
    return NO_ACCESS


_MODE_RANK = {NO_ACCESS: 0, READ_ONLY: 1, READ_WRITE: 2}


def weakest_mode(modes):
    """The least of rw, ro and none among ``modes`` (none when there are none)."""
    return min(modes, key=_MODE_RANK.get, default=NO_ACCESS)


def audience_mode(share, audience):
    """The mode every member of ``audience`` (group names, ``*`` for every user) is sure to get.

    A member may belong to one group of the audience and no other, so this is the weakest
    mode any audience group gives alone; ``*`` counts as a user in no group.
    """
    return weakest_mode(
        [share_mode(share, frozenset() if group == EVERYONE else frozenset([group])) for group in audience]
    )


def directory_mode(share):
    """Mode of a share's directories: setgid so new files keep the tier gid; members work through the gid.

    Restricted shares are never open to others; shares every user reads stay world-readable
    for processes that mount them without the gid; the rest are for the gid alone.
    """
    if share.restricted:
        return "2770"
    if EVERYONE in share.readers or EVERYONE in share.writers:
        return "2775"
    return "2770"


# OpenShift runs every pod, whatever its UID, with primary group 0.
OPENSHIFT_POD_GROUP = 0


def directory_gid(spec, share):
    """The group that owns a share's directories.

    Normally the share's gid, which entitled pods carry as a supplemental group. ODH 1.x profiles
    (jupyterhub-singleuser-profiles) cannot give pods supplemental groups, so there the
    directories belong to the group every OpenShift pod has, and which claims a pod mounts (and
    readOnly) is the whole barrier; the mode still keeps everyone else out.
    """
    if spec.jupyterhub is not None and spec.jupyterhub.flavor == "odh_jsp":
        return OPENSHIFT_POD_GROUP
    return share.gid


def _accesses(spec, mode_of):
    """The shares of the spec that ``mode_of(share)`` grants, in spec order, with that mode."""
    modes = ((share, mode_of(share)) for share in spec.shares)
    return tuple(ShareAccess(share, mode) for share, mode in modes if mode != NO_ACCESS)


def access_for_groups(spec, groups):
    """The shares a member of ``groups`` may mount, in spec order, with their mode."""
    groups = frozenset(groups)
    return _accesses(spec, lambda share: share_mode(share, groups))


def audience_accesses(spec, audience):
    """The shares every member of ``audience`` may mount, in spec order, with the mode they all get."""
    return _accesses(spec, lambda share: audience_mode(share, audience))


def capped_accesses(accesses, ceiling):
    """``accesses`` limited to the shares of ``ceiling``, each in the weaker of the two modes."""
    limit = dict((access.share.name, access.mode) for access in ceiling)
    capped = []
    for access in accesses:
        mode = weakest_mode([access.mode, limit.get(access.share.name, NO_ACCESS)])
        if mode != NO_ACCESS:
            capped.append(ShareAccess(access.share, mode))
    return tuple(capped)


class _AccessIndex(object):
    """Group -> shares index, so bulk mapping costs the users' memberships, not users x shares."""

    def __init__(self, spec):
        self.shares = spec.shares
        self.baseline = {}
        self.by_group = {}
        for position, share in enumerate(spec.shares):
            for mode, principals in ((READ_ONLY, share.readers), (READ_WRITE, share.writers)):
                for principal in principals:
                    if principal == EVERYONE:
                        self._grant(self.baseline, position, mode)
                    else:
                        self.by_group.setdefault(principal, []).append((position, mode))
        self._cache = {}

    @staticmethod
    def _grant(modes, position, mode):
        if modes.get(position) != READ_WRITE:
            modes[position] = mode

    def accesses(self, groups):
        key = frozenset(group for group in groups if group in self.by_group)
        cached = self._cache.get(key)
        if cached is None:
            modes = dict(self.baseline)
            for group in key:
                for position, mode in self.by_group[group]:
                    self._grant(modes, position, mode)
            cached = tuple(ShareAccess(self.shares[position], modes[position]) for position in sorted(modes))
            self._cache[key] = cached
        return cached


def access_by_user(spec, users=None):
    """Map each user to the accesses of its groups; ``users`` defaults to the spec's users."""
    users = spec.users if users is None else users
    index = _AccessIndex(spec)
    return dict((user, index.accesses(groups)) for user, groups in users.items())


def signature_key(accesses):
    return tuple((access.share.name, access.mode) for access in accesses)


def signature_id(accesses):
    """A short stable id for an access signature, usable in object names."""
    payload = json.dumps(signature_key(accesses), separators=(",", ":"))
    return "sig-" + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:10]


def group_by_signature(accesses_by_user):
    """Group users with identical access; signatures sorted by id, users sorted by name."""
    grouped = {}
    for user, accesses in accesses_by_user.items():
        grouped.setdefault(accesses, []).append(user)
    signatures = [Signature(signature_id(accesses), tuple(sorted(users)), accesses) for accesses, users in grouped.items()]
    return sorted(signatures, key=lambda signature: signature.id)


def pod_volumes(accesses):
    """The pod-spec pieces for ``accesses``: volumes, volume_mounts and supplemental_groups.

    Read-only shares are read-only in both the volume source and the mount:
    ``readOnly`` on the mount alone can be undone by another mount of the claim.
    """
    volumes = []
    mounts = []
    gids = set()
    for access in accesses:
        read_only = access.mode == READ_ONLY
        share = access.share
        volumes.append({"name": share.volume_name, "persistentVolumeClaim": {"claimName": share.claim_name, "readOnly": read_only}})
        mounts.append({"name": share.volume_name, "mountPath": share.mount_path, "readOnly": read_only})
        if share.gid is not None:
            gids.add(share.gid)
    return {"volumes": volumes, "volume_mounts": mounts, "supplemental_groups": sorted(gids)}


def access_matrix(spec, accesses_by_user):
    """share name -> user -> rw/ro/none, for every share and user."""
    matrix = dict((share.name, {}) for share in spec.shares)
    for user in sorted(accesses_by_user):
        granted = dict((access.share.name, access.mode) for access in accesses_by_user[user])
        for share in spec.shares:
            matrix[share.name][user] = granted.get(share.name, NO_ACCESS)
    return matrix


def describe_accesses(accesses):
    """JSON-friendly description of accesses, with the pod-spec pieces."""
    described = pod_volumes(accesses)
    described["shares"] = [
        {
            "name": access.share.name,
            "tier": access.share.tier,
            "mode": access.mode,
            "claim_name": access.share.claim_name,
            "mount_path": access.share.mount_path,
        }
        for access in accesses
    ]
    return described


def describe_signature(signature):
    described = describe_accesses(signature.accesses)
    described["id"] = signature.id
    described["users"] = list(signature.users)
    return described
