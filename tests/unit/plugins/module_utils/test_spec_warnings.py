"""Likely mistakes (spec_warnings): groups nobody is in, groups no tier names, shares nobody mounts."""

import re

from hypothesis import HealthCheck, given, settings

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.access import NO_ACCESS, access_matrix, access_by_user
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import parse_spec
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec_warnings import (
    inventory_membership,
    likely_mistakes,
    named_groups,
    openshift_membership,
    unread_membership,
)
from tests.support.spec_schema import example_spec
from tests.support.strategies import organisations


def mistakes(data, membership=None):
    spec = parse_spec(data)
    return likely_mistakes(spec, membership or inventory_membership(spec.users))


def test_the_example_inventory_has_none():
    assert mistakes(example_spec()) == []


def test_groups_a_tier_names_but_nobody_is_in(example_spec):
    assert mistakes(example_spec) == [
        "tiers.public.writers: group 'data-stewards' has no member in shared_resources.users, so what it gives reaches nobody",
        "tiers.secret.writers: group 'cleared' has no member in shared_resources.users, so what it gives reaches nobody",
    ]


def test_a_users_group_no_tier_names_with_the_closest_name(example_spec):
    example_spec["tiers"]["private"]["writers"] = ["imaging"]
    example_spec["users"] = {"alice": ["imagng"], "bob": ["imaging", "analysts"], "carol": ["hr", "cleared", "data-stewards"]}
    assert mistakes(example_spec) == [
        "users: group 'imagng' (alice) is named by no tier, share or notebook namespace, so it gives its members nothing "
        "(did you mean 'imaging'?)",
    ]


def test_the_typo_on_the_tier_side_is_named_from_both_ends(example_spec):
    example_spec["tiers"]["private"]["writers"] = ["imagng"]
    example_spec["users"] = {"alice": ["imaging"], "carol": ["hr", "cleared", "data-stewards", "analysts"]}
    found = mistakes(example_spec)
    assert "users: group 'imaging' (alice) is named by no tier, share or notebook namespace, so it gives its members " \
           "nothing (did you mean 'imagng'?)" in found
    assert "tiers.private.writers: group 'imagng' has no member in shared_resources.users, so what it gives reaches " \
           "nobody (did you mean 'imaging'?)" in found


def test_a_share_nobody_may_mount(example_spec):
    example_spec["shares"][1].update(readers=[], writers=[])
    example_spec["shares"][2].update(writers=["auditors"])
    found = mistakes(example_spec)
    assert "shares[1] (projects): its readers and writers are empty (with those of tier 'private'), so nobody mounts it" in found
    assert "shares[2] (hr-records): none of its groups (auditors) has a member, so nobody mounts it" in found
    assert "shares[2] (hr-records).writers: group 'auditors' has no member in shared_resources.users, so what it gives " \
           "reaches nobody" in found


def test_long_member_lists_are_cut(example_spec):
    example_spec["users"] = dict(("user%02d" % n, ["typo"]) for n in range(12))
    (found,) = [warning for warning in mistakes(example_spec) if warning.startswith("users:")]
    assert "(user00, user01, user02, user03, user04 and 7 more)" in found


def test_notebook_namespaces_name_groups_too(example_spec):
    example_spec["users"] = {"alice": ["projects-team"], "carol": ["hr", "cleared", "data-stewards", "analysts", "team-a"]}
    example_spec["jupyterhub"] = {"flavor": "odh_notebooks", "notebook_namespaces": [{"name": "lab", "groups": ["projects-team", "ghosts"]}]}
    example_spec["storage_class"] = {"name": "nfs", "backend": "nfs_csi", "parameters": {"server": "nfs", "share": "/"}}
    assert named_groups(parse_spec(example_spec))["ghosts"] == ["jupyterhub.notebook_namespaces (lab).groups"]
    assert mistakes(example_spec) == [
        "jupyterhub.notebook_namespaces (lab).groups: group 'ghosts' has no member in shared_resources.users, so what it "
        "gives reaches nobody",
    ]


def test_openshift_membership_unread_says_so_and_checks_only_the_shares(example_spec):
    example_spec["jupyterhub"] = {"flavor": "odh_jsp", "groups_from": "openshift"}
    example_spec["shares"][1].update(readers=[], writers=[])
    found = likely_mistakes(parse_spec(example_spec), unread_membership())
    assert len(found) == 2
    assert found[0].startswith("jupyterhub.groups_from is openshift: membership comes from the cluster's OpenShift Groups, "
                               "which this run does not read")
    assert found[1].startswith("shares[1] (projects): its readers and writers are empty")


def test_openshift_groups_are_checked_but_their_other_groups_are_not_typos(example_spec):
    example_spec["jupyterhub"] = {"flavor": "odh_jsp", "groups_from": "openshift"}
    members = {"alice": ["team-a", "dedicated-admins"], "bob": ["analysts", "data-stewards"]}
    found = likely_mistakes(parse_spec(example_spec), openshift_membership(members))
    assert found == [
        "tiers.secret.writers: group 'cleared' has no member in the cluster's OpenShift Groups, so what it gives reaches nobody",
        "shares[2] (hr-records).writers: group 'hr' has no member in the cluster's OpenShift Groups, so what it gives "
        "reaches nobody",
        "shares[2] (hr-records): none of its groups (hr) has a member, so nobody mounts it",
    ]


def test_zero_to_jupyterhub_managing_groups_may_bring_members_at_login(example_spec):
    example_spec["jupyterhub"] = {"flavor": "z2jh", "values_path": "/srv/values.yaml"}
    example_spec["users"] = {"alice": ["team-aa"]}
    assert mistakes(example_spec) == [
        "users: group 'team-aa' (alice) is named by no tier, share or notebook namespace, so it gives its members nothing "
        "(did you mean 'team-a'?)",
    ]
    example_spec["jupyterhub"]["z2jh"] = {"manage_groups": False}
    assert len(mistakes(example_spec)) > 1


def test_nobody_listed(example_spec):
    example_spec["users"] = {}
    assert mistakes(example_spec) == []
    example_spec["jupyterhub"] = {"flavor": "odh_jsp"}
    assert mistakes(example_spec) == [
        "users: shared_resources.users lists nobody, so notebooks get only the shares open to '*'; list each user's "
        "groups, or take them from OpenShift (jupyterhub.groups_from: openshift)",
    ]


GROUPS = ["team-a", "team-b", "analysts", "hr", "audit"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=organisations(GROUPS))
def test_warnings_follow_the_tier_rules(data):
    """With a complete membership: the groups warned about are those named and without members; the shares
    warned about are exactly those no '*' opens and that no listed user may mount."""
    spec = parse_spec(data)
    if not spec.users:
        return
    found = likely_mistakes(spec, inventory_membership(spec.users))
    members = set(group for groups in spec.users.values() for group in groups)
    warned_groups = set(re.findall(r"group '([^']+)' has no member", " ".join(found)))
    assert warned_groups == set(named_groups(spec)) - members
    matrix = access_matrix(spec, access_by_user(spec, spec.users))
    unmounted = set(share.name for share in spec.shares
                    if "*" not in share.readers + share.writers and all(mode == NO_ACCESS for mode in matrix[share.name].values()))
    warned_shares = set(re.findall(r"^shares\[\d+\] \(([^)]+)\): ", "\n".join(found), re.M))
    assert warned_shares == unmounted
