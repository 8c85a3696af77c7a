import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.odh_rwx.shared_resources.plugins.modules import tier_mapping


def run_module(capsys, **args):
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exited:
            tier_mapping.main()
    result = json.loads(capsys.readouterr().out)
    return exited.value.code, result


def test_maps_users_signatures_and_matrix(capsys, example_spec):
    code, result = run_module(capsys, spec=example_spec)
    assert code == 0
    assert result["changed"] is False
    assert result["matrix"]["hr-records"]["carol"] == "rw"
    alice = result["users"]["alice"]
    assert [share["name"] for share in alice["shares"]] == ["census", "projects"]
    assert alice["supplemental_groups"] == [40001, 40002]
    assert alice["signature"] in [signature["id"] for signature in result["signatures"]]
    assert sorted(user for signature in result["signatures"] for user in signature["users"]) == ["alice", "bob", "carol", "dan"]


def test_users_option_replaces_spec_users(capsys, example_spec):
    code, result = run_module(capsys, spec=example_spec, users={"zed": ["cleared", "hr"]})
    assert sorted(result["users"]) == ["zed"]
    assert result["matrix"]["hr-records"] == {"zed": "rw"}


def test_invalid_spec_fails_with_field_paths(capsys, example_spec):
    example_spec["shares"][2]["tier"] = "secrett"
    code, result = run_module(capsys, spec=example_spec)
    assert code == 1
    assert result["failed"] is True
    assert "shares[2] (hr-records).tier: unknown tier 'secrett'" in result["msg"]
    assert result["errors"] == ["shares[2] (hr-records).tier: unknown tier 'secrett' (did you mean 'secret'?); known tiers: private, public, secret"]


def test_invalid_users_option_fails(capsys, example_spec):
    code, result = run_module(capsys, spec=example_spec, users={"zed": "hr"})
    assert code == 1
    assert "users.zed: must be a list of group names" in result["msg"]


def test_report_written_once_then_unchanged(capsys, tmp_path, example_spec):
    path = tmp_path / "report.md"
    code, first = run_module(capsys, spec=example_spec, report_path=str(path))
    assert first["changed"] is True
    assert "| alice | ro | rw | - |" in path.read_text()
    mtime = path.stat().st_mtime_ns
    code, second = run_module(capsys, spec=example_spec, report_path=str(path))
    assert second["changed"] is False
    assert path.stat().st_mtime_ns == mtime


def test_check_mode_reports_change_with_diff_and_writes_nothing(capsys, tmp_path, example_spec):
    path = tmp_path / "report.md"
    path.write_text("old report\n")
    code, result = run_module(capsys, spec=example_spec, report_path=str(path), _ansible_check_mode=True, _ansible_diff=True)
    assert result["changed"] is True
    assert result["diff"]["before"] == "old report\n"
    assert "# Shared resources access report" in result["diff"]["after"]
    assert path.read_text() == "old report\n"


def test_unwritable_report_path_fails(capsys, tmp_path, example_spec):
    code, result = run_module(capsys, spec=example_spec, report_path=str(tmp_path / "missing-dir" / "report.md"))
    assert code == 1
    assert "could not write the access report" in result["msg"]


def test_without_the_mapping_only_counts_come_back(capsys, tmp_path, example_spec):
    path = tmp_path / "report.md"
    code, result = run_module(capsys, spec=example_spec, report_path=str(path), return_mapping=False)
    assert code == 0
    assert result["counts"] == {"users": 4, "shares": 3, "signatures": 4}
    assert not set(result) & {"users", "signatures", "matrix"}
    assert "| alice | ro | rw | - |" in path.read_text()


@pytest.fixture
def warned(monkeypatch):
    """The module's warnings: where they go depends on what other tests imported, so catch them at the source."""
    warnings = []
    monkeypatch.setattr(tier_mapping.AnsibleModule, "warn", lambda module, warning: warnings.append(warning))
    return warnings


def test_likely_mistakes_are_warnings(capsys, example_spec, warned):
    example_spec["users"]["erin"] = ["team-aa"]
    code, result = run_module(capsys, spec=example_spec, return_mapping=False)
    assert code == 0 and result["changed"] is False
    typo = ("users: group 'team-aa' (erin) is named by no tier, share or notebook namespace, so it gives its members "
            "nothing (did you mean 'team-a'?)")
    assert result["likely_mistakes"][0] == typo
    assert warned == result["likely_mistakes"]


def test_openshift_membership_is_not_read_unless_asked(capsys, example_spec, warned):
    example_spec["jupyterhub"] = {"flavor": "odh_jsp", "groups_from": "openshift"}
    code, result = run_module(capsys, spec=example_spec, return_mapping=False, host="https://127.0.0.1:9")
    assert code == 0
    assert result["likely_mistakes"][0].startswith("jupyterhub.groups_from is openshift: membership comes from the cluster's "
                                                   "OpenShift Groups, which this run does not read")
    assert warned == result["likely_mistakes"]
    assert result["counts"]["users"] == len(example_spec["users"])


def test_openshift_groups_are_read_only_once_the_spec_is_valid(capsys, example_spec):
    example_spec["jupyterhub"] = {"flavor": "odh_jsp", "groups_from": "openshift"}
    example_spec["shares"][0]["tier"] = "publik"
    code, result = run_module(capsys, spec=example_spec, read_openshift_groups=True, host="https://127.0.0.1:9")
    assert code == 1
    assert result["errors"][0].startswith("shares[0] (census).tier: unknown tier 'publik'")
