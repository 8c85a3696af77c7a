# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Likely mistakes in a valid spec: not errors, but someone would quietly lose access.

- a group of the membership that no tier, share or notebook namespace names (a user in ``imagng``
  when the tiers name ``imaging``): its members get nothing from it;
- a group that a tier, share or notebook namespace names and nobody is in;
- a share that nobody may mount.

Plain Python over a parsed spec (spec.py) and a membership; the tier_mapping module shows them as
warnings. Which checks make sense depends on where the membership comes from (``Membership``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import namedtuple

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import share_path
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.validation import EVERYONE, suggest

# users: user -> groups, or None when the membership is not known here; where: how messages name it;
# own: whether it was written for this spec (shared_resources.users), so that a group in it that the
# spec never names is a likely typo - OpenShift Groups serve much else besides.
Membership = namedtuple("Membership", "users where own")
SPEC_USERS = "shared_resources.users"
OPENSHIFT_GROUPS = "the cluster's OpenShift Groups"
SHOWN_USERS = 5


def inventory_membership(users):
    return Membership(users, SPEC_USERS, True)


def openshift_membership(users):
    return Membership(users, OPENSHIFT_GROUPS, False)


def unread_membership():
    return Membership(None, OPENSHIFT_GROUPS, False)


def named_groups(spec):
    """{group: [where the spec names it]}, in spec order: tiers, shares (their own lists), notebook namespaces."""
    named = {}

    def add(groups, where):
        for group in groups:
            if group != EVERYONE:
                named.setdefault(group, []).append(where)

    for name in sorted(spec.tiers):
        tier = spec.tiers[name]
        add(tier.readers, "tiers.%s.readers" % name)
        add(tier.writers, "tiers.%s.writers" % name)
    for share in spec.shares:
        tier = spec.tiers[share.tier]
        if share.readers != tier.readers:
            add(share.readers, "%s.readers" % share_path(share.index, share.name))
        if share.writers != tier.writers:
            add(share.writers, "%s.writers" % share_path(share.index, share.name))
    if spec.jupyterhub is not None:
        for namespace, audience in sorted(spec.jupyterhub.namespace_audiences.items()):
            add(audience, "jupyterhub.notebook_namespaces (%s).groups" % namespace)
    return named


def _members_by_group(users):
    members = {}
    for user in sorted(users):
        for group in users[user]:
            members.setdefault(group, []).append(user)
    return members


def _some(names):
    shown = ", ".join(names[:SHOWN_USERS])
    return shown if len(names) <= SHOWN_USERS else "%s and %d more" % (shown, len(names) - SHOWN_USERS)


def _groups_may_get_members_elsewhere(spec):
    """Zero to JupyterHub with manage_groups: the authenticator brings each user's groups at login."""
    hub = spec.jupyterhub
    return hub is not None and hub.flavor == "z2jh" and hub.z2jh is not None and hub.z2jh.manage_groups


def _unnamed_groups(named, members):
    for group in sorted(set(members) - set(named)):
        yield (
            "users: group %r (%s) is named by no tier, share or notebook namespace, so it gives its members nothing%s"
            % (group, _some(members[group]), suggest(group, named))
        )


def _groups_without_members(named, members, where):
    for group, places in named.items():
        if group not in members:
            yield "%s: group %r has no member in %s, so what it gives reaches nobody%s" % (
                ", ".join(places), group, where, suggest(group, members))


def _shares_nobody_mounts(spec, members):
    """Shares with no group at all, or (when ``members`` is known) whose groups all have no member."""
    for share in spec.shares:
        groups = tuple(dict.fromkeys(share.readers + share.writers))
        path = share_path(share.index, share.name)
        if EVERYONE in groups:
            continue
        if not groups:
            yield "%s: its readers and writers are empty (with those of tier %r), so nobody mounts it" % (path, share.tier)
        elif members is not None and not any(group in members for group in groups):
            yield "%s: none of its groups (%s) has a member, so nobody mounts it" % (path, ", ".join(groups))


def likely_mistakes(spec, membership):
    """The warnings for ``spec`` with ``membership`` (a Membership), most useful first."""
    warnings = []
    if membership.users is None:
        warnings.append(
            "jupyterhub.groups_from is openshift: membership comes from %s, which this run does not read (validate "
            "and render mode talk to no cluster), so groups without members and shares nobody may mount were not "
            "checked; the first task of site.yml checks them against the cluster" % membership.where
        )
        warnings.extend(_shares_nobody_mounts(spec, None))
        return warnings
    named = named_groups(spec)
    members = _members_by_group(membership.users)
    if membership.own:
        warnings.extend(_unnamed_groups(named, members))
    if _groups_may_get_members_elsewhere(spec):
        warnings.extend(_shares_nobody_mounts(spec, None))
        return warnings
    if not membership.users and membership.own:
        if spec.jupyterhub is not None:
            warnings.append(
                "users: %s lists nobody, so notebooks get only the shares open to '*'; list each user's groups, "
                "or take them from OpenShift (jupyterhub.groups_from: openshift)" % SPEC_USERS
            )
        warnings.extend(_shares_nobody_mounts(spec, None))
        return warnings
    warnings.extend(_groups_without_members(named, members, membership.where))
    warnings.extend(_shares_nobody_mounts(spec, members))
    return warnings
