from decimal import Decimal

import pytest

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import (
    SpecError,
    default_mount_path,
    parse_spec,
    parse_users,
    volume_name,
)
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.validation import (
    is_dns1123_label,
    is_dns1123_subdomain,
    parse_quantity,
)


def errors_of(data):
    with pytest.raises(SpecError) as caught:
        parse_spec(data)
    return caught.value.errors


def test_example_spec_parses(example_spec):
    spec = parse_spec(example_spec)
    assert spec.namespace == "rhods-notebooks"
    assert [share.name for share in spec.shares] == ["census", "projects", "hr-records"]
    hr = spec.share("hr-records")
    assert hr.writers == ("hr",)
    assert hr.readers == ()
    assert hr.gid == 40003
    assert hr.restricted is True
    assert hr.claim_name == "hr-records"
    assert hr.mount_path == "/opt/app-root/src/shared/secret/hr-records"
    assert spec.share("projects").mount_path == "/opt/app-root/src/projects"
    assert spec.users["alice"] == ("team-a", "analysts")


def test_share_overrides_replace_tier_values(example_spec):
    example_spec["shares"][0].update(readers=["analysts"], writers=[], gid=40011, claim_name="census-data")
    share = parse_spec(example_spec).share("census")
    assert (share.readers, share.writers, share.gid, share.claim_name) == (("analysts",), (), 40011, "census-data")


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (lambda s: s["shares"].append({"name": "x", "tier": "secrett", "size": "1Gi"}), "shares[3] (x).tier: unknown tier 'secrett' (did you mean 'secret'?)"),
        (lambda s: s["shares"][0].update(size="50GB"), "shares[0] (census).size: invalid size '50GB': use a Kubernetes quantity such as 50Gi"),
        (lambda s: s["shares"][0].update(size="0"), "shares[0] (census).size: size '0' must be greater than zero"),
        (lambda s: s["shares"][0].update(size=50), "shares[0] (census).size: invalid size 50"),
        (lambda s: s["shares"][0].update(name="Census"), "shares[0] (Census).name: invalid share name 'Census'"),
        (lambda s: s["shares"][0].update(name="a" * 64), "shares[0] (%s).name: invalid share name" % ("a" * 64)),
        (lambda s: s["shares"][1].update(name="census"), "shares[1] (census).name: duplicate share name 'census', already used by shares[0] (census)"),
        (lambda s: s["shares"][1].update(claim_name="census"), "shares[1] (projects).claim_name: duplicate claim name 'census'"),
        (lambda s: s["shares"][1].update(claim_name="Bad_Claim"), "shares[1] (projects).claim_name: invalid claim name 'Bad_Claim'"),
        (
            lambda s: s["shares"][1].update(mount_path="/opt/app-root/src/shared/public/census"),
            "shares[1] (projects).mount_path: duplicate mount path '/opt/app-root/src/shared/public/census'",
        ),
        (lambda s: s["shares"][1].update(mount_path="relative/path"), "shares[1] (projects).mount_path: invalid mount path 'relative/path'"),
        (
            lambda s: s["shares"][1].update(mount_path="/data/../etc"),
            "shares[1] (projects).mount_path: mount path '/data/../etc' is not normalized: write it as '/etc'",
        ),
        (lambda s: s["shares"][1].update(mount_path="/data/"), "is not normalized: write it as '/data'"),
        (lambda s: s["shares"][1].update(mount_path="/opt/app-root/src"), "shares[1] (projects).mount_path: mount path '/opt/app-root/src' is reserved"),
        (lambda s: s["shares"][2].update(readers=["*"]), "shares[2] (hr-records).readers[0]: '*' (every user) is not allowed in a restricted tier"),
        (lambda s: s["tiers"]["secret"].update(writers=["cleared", "*"]), "tiers.secret.writers[1]: '*' (every user) is not allowed in a restricted tier"),
        (lambda s: s["tiers"]["public"].update(gid=0), "tiers.public.gid: invalid gid 0: use an integer from 1 to 2147483647"),
        (lambda s: s["tiers"]["public"].update(gid=2147483648), "tiers.public.gid: invalid gid 2147483648"),
        (lambda s: s["tiers"]["public"].update(gid="40001"), "tiers.public.gid: invalid gid '40001'"),
        (lambda s: s["tiers"]["public"].update(gid=True), "tiers.public.gid: invalid gid True"),
        (lambda s: s["tiers"]["public"].pop("gid"), "tiers.public.gid: missing"),
        (lambda s: s["tiers"]["private"].update(gid=40001), "tiers.private.gid: gid 40001 is also tiers.public.gid: tiers 'public' and 'private'"),
        (lambda s: s["shares"][0].update(gid=-5), "shares[0] (census).gid: invalid gid -5"),
        (lambda s: s["tiers"]["public"].update(restricted="yes"), "tiers.public.restricted: must be true or false, got 'yes'"),
        (lambda s: s["tiers"]["public"].update(readers="analysts"), "tiers.public.readers: must be a list of group names or '*', got str"),
        (lambda s: s["tiers"]["public"].update(writers=[" team-a"]), "tiers.public.writers[0]: invalid group name ' team-a'"),
        (lambda s: s["tiers"]["public"].update(writers=["ou/team"]), "tiers.public.writers[0]: invalid group name 'ou/team'"),
        (lambda s: s["tiers"]["public"].update(readerz=["x"]), "tiers.public.readerz: unknown field (did you mean 'readers'?)"),
        (lambda s: s["tiers"].update(Public={"gid": 1}), "tiers.Public: invalid tier name 'Public'"),
        (lambda s: s["tiers"].update(extra=["x"]), "tiers.extra: must be a mapping with readers, writers and gid, got list"),
        (lambda s: s["shares"][0].update(mountpath="/x"), "shares[0] (census).mountpath: unknown field (did you mean 'mount_path'?)"),
        (lambda s: s["shares"][0].pop("size"), "shares[0] (census).size: missing"),
        (lambda s: s["shares"].append("census"), "shares[3]: must be a mapping with name, tier and size, got str"),
        (lambda s: s.update(shares=[]), "shares: must be a non-empty list"),
        (lambda s: s.update(tiers={}), "tiers: must be a non-empty mapping"),
        (lambda s: s.pop("namespace"), "namespace: missing"),
        (lambda s: s.update(namespace="RHODS"), "namespace: invalid namespace 'RHODS'"),
        (lambda s: s.update(share=[]), "share: unknown field (did you mean 'shares'?)"),
        (lambda s: s["users"].update(eve="team-a"), "users.eve: must be a list of group names, got 'team-a'"),
        (lambda s: s["shares"][0].update(display_name=5), "shares[0] (census).display_name: must be a string, got int"),
        (lambda s: s["shares"][0].update(adopt="yes"), "shares[0] (census).adopt: must be true or false, got 'yes'"),
        (lambda s: s["shares"][1].update(mount_path="//data"), "mount path '//data' is not normalized: write it as '/data'"),
        (lambda s: s["shares"][0].update(name=5), "shares[0].name: invalid share name 5"),
    ],
)
def test_bad_spec_is_refused_with_field_path(example_spec, mutate, expected):
    mutate(example_spec)
    messages = errors_of(example_spec)
    assert any(expected in message for message in messages), messages


@pytest.mark.parametrize("order", [("public", "private", "secret"), ("secret", "private", "public")])
def test_a_gid_clash_names_both_tiers_whichever_is_declared_first(example_spec, order):
    example_spec["tiers"]["secret"]["gid"] = example_spec["tiers"]["public"]["gid"]
    example_spec["tiers"] = dict((name, example_spec["tiers"][name]) for name in order)
    (message,) = [message for message in errors_of(example_spec) if "gid 40001" in message]
    first, second = [name for name in order if name in ("public", "secret")]
    assert message.startswith("tiers.%s.gid: gid 40001 is also tiers.%s.gid: tiers %r and %r" % (second, first, first, second))


def test_every_problem_is_reported_at_once(example_spec):
    example_spec["shares"][0]["tier"] = "nope"
    example_spec["shares"][1]["size"] = "lots"
    example_spec["tiers"]["public"]["gid"] = 0
    messages = errors_of(example_spec)
    assert [message.split(":")[0] for message in messages] == ["tiers.public.gid", "shares[0] (census).tier", "shares[1] (projects).size"]


@pytest.mark.parametrize("data", [None, {}, [], "shares"])
def test_empty_or_non_mapping_spec_is_refused(data):
    assert errors_of(data) == ["shared_resources: must be a non-empty mapping with namespace, tiers and shares"]


def test_spec_error_message_lists_every_error(example_spec):
    example_spec["shares"][0]["tier"] = "secrett"
    with pytest.raises(SpecError, match=r"invalid shared_resources spec:\n  - shares\[0\] \(census\)\.tier: unknown tier 'secrett'"):
        parse_spec(example_spec)


@pytest.mark.parametrize(
    "text, value",
    [
        ("50Gi", Decimal(50 * 2**30)),
        ("1Ti", Decimal(2**40)),
        ("500M", Decimal(500 * 10**6)),
        ("1.5Gi", Decimal("1.5") * 2**30),
        ("100", Decimal(100)),
        ("1e3", Decimal(1000)),
        ("2E", Decimal(2 * 10**18)),
        ("250m", Decimal("0.25")),
    ],
)
def test_parse_quantity(text, value):
    assert parse_quantity(text) == value


@pytest.mark.parametrize("text", ["50GB", "Gi", "", "1.2.3Gi", "10 Gi", "1iB", None, 5])
def test_parse_quantity_refuses_non_quantities(text):
    with pytest.raises(ValueError):
        parse_quantity(text)


def test_dns_names():
    assert is_dns1123_label("team-a1")
    assert not is_dns1123_label("-team")
    assert not is_dns1123_label("team.a")
    assert is_dns1123_subdomain("census.data")
    assert not is_dns1123_subdomain("census..data")
    assert not is_dns1123_subdomain("")


def test_volume_name_is_a_unique_dns_label_even_for_long_share_names():
    long_a, long_b = "a" * 63, "a" * 62 + "b"
    assert volume_name("census") == "shared-census"
    names = {volume_name(long_a), volume_name(long_b)}
    assert len(names) == 2
    assert all(is_dns1123_label(name) for name in names)


def test_default_mount_path():
    assert default_mount_path("public", "census") == "/opt/app-root/src/shared/public/census"


def test_parse_users_dedupes_and_accepts_null_groups():
    assert parse_users({"alice": ["a", "b", "a"], "dan": None}) == {"alice": ("a", "b"), "dan": ()}


@pytest.mark.parametrize("users, expected", [("alice", "users: must be a mapping"), ({"*": []}, "users.*: invalid user name '*'")])
def test_parse_users_refuses_bad_input(users, expected):
    with pytest.raises(SpecError) as caught:
        parse_users(users)
    assert expected in caught.value.errors[0]
