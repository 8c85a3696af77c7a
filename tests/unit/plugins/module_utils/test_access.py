import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.access import (
    NO_ACCESS,
    READ_ONLY,
    READ_WRITE,
    access_by_user,
    access_for_groups,
    access_matrix,
    audience_accesses,
    audience_mode,
    capped_accesses,
    describe_signature,
    group_by_signature,
    pod_volumes,
    share_mode,
    signature_id,
)
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import SpecError, parse_spec
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.validation import is_dns1123_label

GROUPS = ["g%d" % number for number in range(8)]


def modes_of(spec, groups):
    return dict((access.share.name, access.mode) for access in access_for_groups(spec, groups))


# --- the rules on the example of the issue ---------------------------------------------------


def test_writer_gets_rw_reader_gets_ro_others_nothing(example_spec):
    spec = parse_spec(example_spec)
    assert modes_of(spec, ["team-a", "analysts"]) == {"census": "ro", "projects": "rw"}
    assert modes_of(spec, ["analysts"]) == {"census": "ro", "projects": "ro"}
    assert modes_of(spec, ["hr"]) == {"census": "ro", "hr-records": "rw"}
    assert modes_of(spec, []) == {"census": "ro"}


def test_share_writers_replace_tier_writers(example_spec):
    spec = parse_spec(example_spec)
    assert "hr-records" not in modes_of(spec, ["cleared"])


def test_writer_wins_over_reader():
    spec = parse_spec(
        {
            "namespace": "ns",
            "tiers": {"t": {"readers": ["a"], "writers": ["a"], "gid": 5}},
            "shares": [{"name": "s", "tier": "t", "size": "1Gi"}],
        }
    )
    assert share_mode(spec.shares[0], frozenset(["a"])) == READ_WRITE


def test_star_writers_give_everybody_rw():
    spec = parse_spec(
        {"namespace": "ns", "tiers": {"scratch": {"writers": ["*"], "gid": 7}}, "shares": [{"name": "tmp", "tier": "scratch", "size": "1Gi"}]}
    )
    assert modes_of(spec, []) == {"tmp": READ_WRITE}
    assert access_by_user(spec, {"x": ()})["x"][0].mode == READ_WRITE


def test_pod_volumes_shape(example_spec):
    spec = parse_spec(example_spec)
    assert pod_volumes(access_for_groups(spec, ["team-a"])) == {
        "volumes": [
            {"name": "shared-census", "persistentVolumeClaim": {"claimName": "census", "readOnly": True}},
            {"name": "shared-projects", "persistentVolumeClaim": {"claimName": "projects", "readOnly": False}},
        ],
        "volume_mounts": [
            {"name": "shared-census", "mountPath": "/opt/app-root/src/shared/public/census", "readOnly": True},
            {"name": "shared-projects", "mountPath": "/opt/app-root/src/projects", "readOnly": False},
        ],
        "supplemental_groups": [40001, 40002],
    }


def test_signatures_group_identical_access(example_spec):
    example_spec["users"].update(erin=["team-a"], frank=["analysts", "unknown-group"])
    spec = parse_spec(example_spec)
    signatures = group_by_signature(access_by_user(spec))
    by_users = dict((signature.users, signature) for signature in signatures)
    assert set(by_users) == {("alice", "erin"), ("bob", "frank"), ("carol",), ("dan",)}
    assert [signature.id for signature in signatures] == sorted(signature.id for signature in signatures)
    described = describe_signature(by_users[("alice", "erin")])
    assert described["users"] == ["alice", "erin"]
    assert [share["mode"] for share in described["shares"]] == ["ro", "rw"]


def test_signature_id_is_stable_and_distinguishes_modes(example_spec):
    spec = parse_spec(example_spec)
    writer, reader = access_for_groups(spec, ["team-a"]), access_for_groups(spec, ["analysts"])
    assert signature_id(writer) == signature_id(access_for_groups(spec, ["team-a"]))
    assert signature_id(writer) != signature_id(reader)
    assert is_dns1123_label(signature_id(writer))


def test_matrix_covers_every_share_and_user(example_spec):
    spec = parse_spec(example_spec)
    matrix = access_matrix(spec, access_by_user(spec))
    assert matrix["hr-records"] == {"alice": "none", "bob": "none", "carol": "rw", "dan": "none"}
    assert matrix["projects"]["bob"] == "ro"
    assert sorted(matrix) == ["census", "hr-records", "projects"]


def test_a_namespace_gets_what_its_weakest_audience_group_gets(example_spec):
    spec = parse_spec(example_spec)
    census, projects, hr = spec.shares
    assert [audience_mode(projects, audience) for audience in (["team-a"], ["team-a", "analysts"], ["analysts", "hr"], ["*"])] == [
        "rw", "ro", "none", "none"]
    assert audience_mode(census, ["*"]) == "ro" and audience_mode(hr, ["hr"]) == "rw"
    assert audience_mode(census, []) == "none"
    assert modes_of_accesses(audience_accesses(spec, ["team-a", "analysts"])) == {"census": "ro", "projects": "ro"}


def test_capped_accesses_take_the_weaker_mode_of_shares_in_both(example_spec):
    spec = parse_spec(example_spec)
    alice = access_for_groups(spec, ["team-a", "analysts"])
    assert modes_of_accesses(capped_accesses(alice, audience_accesses(spec, ["analysts"]))) == {"census": "ro", "projects": "ro"}
    assert modes_of_accesses(capped_accesses(alice, audience_accesses(spec, ["team-a"]))) == {"census": "ro", "projects": "rw"}
    assert capped_accesses(alice, ()) == ()
    carol = access_for_groups(spec, ["hr"])
    assert modes_of_accesses(capped_accesses(carol, audience_accesses(spec, ["team-a"]))) == {"census": "ro"}


def modes_of_accesses(accesses):
    return dict((access.share.name, access.mode) for access in accesses)


# --- properties over generated specs ---------------------------------------------------------

principals = st.lists(st.sampled_from(GROUPS + ["*"]), max_size=4, unique=True)


@st.composite
def specs(draw):
    tier_names = draw(st.lists(st.sampled_from(["public", "private", "secret", "vault"]), min_size=1, max_size=4, unique=True))
    tiers = {}
    for position, name in enumerate(tier_names):
        restricted = draw(st.booleans())
        strip_star = (lambda items: [item for item in items if item != "*"]) if restricted else list
        tiers[name] = {
            "readers": strip_star(draw(principals)),
            "writers": strip_star(draw(principals)),
            "gid": 40000 + position,
            "restricted": restricted,
        }
    shares = []
    for position in range(draw(st.integers(min_value=1, max_value=8))):
        tier = draw(st.sampled_from(tier_names))
        share = {"name": "share-%d" % position, "tier": tier, "size": "1Gi"}
        for field in ("readers", "writers"):
            if draw(st.booleans()):
                share[field] = [item for item in draw(principals) if item != "*" or not tiers[tier]["restricted"]]
        if draw(st.booleans()):
            share["gid"] = 41000 + position
        shares.append(share)
    users = draw(st.dictionaries(st.sampled_from(["u%d" % number for number in range(12)]), st.lists(st.sampled_from(GROUPS), max_size=4)))
    return {"namespace": "ns", "tiers": tiers, "shares": shares, "users": users}


settings.register_profile("mapping", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
mapping_settings = settings.get_profile("mapping")


@mapping_settings
@given(specs())
def test_nobody_outside_readers_and_writers_gets_a_share(data):
    spec = parse_spec(data)
    for user, accesses in access_by_user(spec).items():
        groups = set(spec.users[user])
        granted = dict((access.share.name, access.mode) for access in accesses)
        for share in spec.shares:
            is_writer = "*" in share.writers or bool(groups & set(share.writers))
            is_reader = "*" in share.readers or bool(groups & set(share.readers))
            expected = READ_WRITE if is_writer else READ_ONLY if is_reader else NO_ACCESS
            assert granted.get(share.name, NO_ACCESS) == expected


@mapping_settings
@given(specs())
def test_read_only_is_read_only_in_volume_and_mount(data):
    spec = parse_spec(data)
    for accesses in access_by_user(spec).values():
        pod = pod_volumes(accesses)
        for access, volume, mount in zip(accesses, pod["volumes"], pod["volume_mounts"]):
            read_only = access.mode == READ_ONLY
            assert volume["name"] == mount["name"] == access.share.volume_name
            assert volume["persistentVolumeClaim"]["readOnly"] is read_only
            assert mount["readOnly"] is read_only


@mapping_settings
@given(specs(), st.sampled_from(["readers", "writers"]))
def test_restricted_shares_are_never_reachable_through_star(data, field):
    spec = parse_spec(data)
    nobody = access_for_groups(spec, [])
    assert not any(access.share.restricted for access in nobody)
    restricted_tiers = [name for name, tier in data["tiers"].items() if tier["restricted"]]
    if restricted_tiers:
        poisoned = copy.deepcopy(data)
        poisoned["tiers"][restricted_tiers[0]][field].append("*")
        with pytest.raises(SpecError, match=r"tiers\.%s\.%s\[\d+\]: '\*' \(every user\) is not allowed" % (restricted_tiers[0], field)):
            parse_spec(poisoned)


@mapping_settings
@given(specs())
def test_volume_names_and_mount_paths_valid_and_unique_per_pod(data):
    spec = parse_spec(data)
    for accesses in list(access_by_user(spec).values()) + [access_for_groups(spec, GROUPS)]:
        pod = pod_volumes(accesses)
        names = [volume["name"] for volume in pod["volumes"]]
        paths = [mount["mountPath"] for mount in pod["volume_mounts"]]
        assert all(is_dns1123_label(name) for name in names)
        assert len(set(names)) == len(names)
        assert len(set(paths)) == len(paths)
        assert pod["supplemental_groups"] == sorted(set(access.share.gid for access in accesses))


@mapping_settings
@given(specs(), st.randoms(use_true_random=False))
def test_same_input_same_output(data, rnd):
    spec = parse_spec(data)
    shuffled_users = list(data["users"].items())
    rnd.shuffle(shuffled_users)
    again = parse_spec(dict(copy.deepcopy(data), users=dict(shuffled_users)))
    first, second = access_by_user(spec), access_by_user(again)
    assert first == second
    assert [describe_signature(s) for s in group_by_signature(first)] == [describe_signature(s) for s in group_by_signature(second)]
    assert access_matrix(spec, first) == access_matrix(again, second)


@mapping_settings
@given(specs())
def test_bulk_mapping_equals_per_user_mapping(data):
    spec = parse_spec(data)
    bulk = access_by_user(spec)
    for user, groups in spec.users.items():
        assert bulk[user] == access_for_groups(spec, groups)


audiences = st.lists(st.sampled_from(GROUPS + ["*"]), min_size=1, max_size=4, unique=True)


@mapping_settings
@given(specs(), audiences)
def test_a_namespace_never_holds_more_than_each_of_its_members_may_have(data, audience):
    """Every user in an audience group (whatever else they belong to) gets at least the namespace's access to each share."""
    spec = parse_spec(data)
    namespace = modes_of_accesses(audience_accesses(spec, audience))
    members = [groups for groups in spec.users.values() if "*" in audience or set(groups) & set(audience)]
    members += [[group] for group in audience if group != "*"] + ([[]] if "*" in audience else [])
    rank = {NO_ACCESS: 0, READ_ONLY: 1, READ_WRITE: 2}
    for groups in members:
        own = modes_of_accesses(access_for_groups(spec, groups))
        for share, mode in namespace.items():
            assert rank[own.get(share, NO_ACCESS)] >= rank[mode]
    if "*" in audience:
        assert not any(access.share.restricted for access in audience_accesses(spec, audience))


@mapping_settings
@given(specs(), audiences)
def test_a_notebook_in_a_namespace_gets_no_more_than_its_owner_and_the_namespace(data, audience):
    spec = parse_spec(data)
    ceiling = modes_of_accesses(audience_accesses(spec, audience))
    rank = {NO_ACCESS: 0, READ_ONLY: 1, READ_WRITE: 2}
    for accesses in access_by_user(spec).values():
        own = modes_of_accesses(accesses)
        capped = modes_of_accesses(capped_accesses(accesses, audience_accesses(spec, audience)))
        assert set(capped) == set(own) & set(ceiling)
        for share, mode in capped.items():
            assert rank[mode] == min(rank[own[share]], rank[ceiling[share]])
