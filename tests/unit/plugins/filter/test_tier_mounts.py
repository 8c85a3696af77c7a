import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.odh_rwx.shared_resources.plugins.filter.tier_mounts import FilterModule, tier_mounts


def test_filter_is_registered():
    assert FilterModule().filters()["tier_mounts"] is tier_mounts


def test_reader_gets_read_only_volumes(example_spec):
    result = tier_mounts(example_spec, ["analysts"])
    assert [volume["persistentVolumeClaim"] for volume in result["volumes"]] == [
        {"claimName": "census", "readOnly": True},
        {"claimName": "projects", "readOnly": True},
    ]
    assert all(mount["readOnly"] for mount in result["volume_mounts"])
    assert result["supplemental_groups"] == [40001, 40002]


def test_non_member_never_gets_secret_share(example_spec):
    result = tier_mounts(example_spec, ["team-a", "analysts", "cleared"])
    assert "hr-records" not in [volume["persistentVolumeClaim"]["claimName"] for volume in result["volumes"]]
    assert 40003 not in result["supplemental_groups"]


def test_member_gets_secret_share_read_write(example_spec):
    result = tier_mounts(example_spec, ["hr"])
    assert result["volume_mounts"][-1] == {
        "name": "shared-hr-records",
        "mountPath": "/opt/app-root/src/shared/secret/hr-records",
        "readOnly": False,
    }
    assert result["supplemental_groups"] == [40001, 40003]


def test_bad_spec_names_the_field(example_spec):
    example_spec["shares"][2]["tier"] = "secrett"
    with pytest.raises(AnsibleFilterError, match=r"shares\[2\] \(hr-records\)\.tier: unknown tier 'secrett'"):
        tier_mounts(example_spec, [])


@pytest.mark.parametrize("groups", ["team-a", [1], {"team-a": True}])
def test_groups_must_be_a_list_of_names(example_spec, groups):
    with pytest.raises(AnsibleFilterError, match="groups must be a list of group names"):
        tier_mounts(example_spec, groups)
