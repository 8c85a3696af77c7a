from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.access import access_by_user, access_matrix, group_by_signature
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.report import render_report
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import parse_spec


def report_of(data):
    spec = parse_spec(data)
    accesses = access_by_user(spec)
    return render_report(spec, access_matrix(spec, accesses), group_by_signature(accesses))


def test_report_tables(example_spec):
    report = report_of(example_spec)
    assert "| hr-records | secret (restricted) | hr-records | 10Gi | /opt/app-root/src/shared/secret/hr-records | 40003 | hr | - |" in report
    assert "| user | census | projects | hr-records |" in report
    assert "| alice | ro | rw | - |" in report
    assert "| carol | ro | - | rw |" in report
    assert "4 users, 4 distinct signatures." in report


def test_report_escapes_pipes_and_is_deterministic(example_spec):
    example_spec["users"]["we|ird"] = ["analysts"]
    assert "| we\\|ird | ro | ro | - |" in report_of(example_spec)
    assert report_of(example_spec) == report_of(example_spec)


def test_report_without_users(example_spec):
    del example_spec["users"]
    assert "No users are known" in report_of(example_spec)
