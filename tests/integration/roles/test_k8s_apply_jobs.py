"""The one apply path waits for Jobs and fails with the tail of a failed Job's logs (emulator)."""

import textwrap

import yaml

from tests.support.playbooks import ansible_env, run_playbook


def job(name, fail=False):
    annotations = {"emulator.odh-rwx.io/log": "copying tree\nerror: source /opt/apps-src is empty"}
    if fail:
        annotations["emulator.odh-rwx.io/fail"] = "true"
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": "default", "labels": {"app.kubernetes.io/managed-by": "odh_rwx.shared_resources"}},
        "spec": {
            "backoffLimit": 0,
            "template": {
                "metadata": {"annotations": annotations},
                "spec": {"restartPolicy": "Never", "containers": [{"name": "sync", "image": "registry.example/sync:1"}]},
            },
        },
    }


def run_jobs(k8s_emulator, tmp_path, jobs):
    playbook = tmp_path / "jobs.yml"
    playbook.write_text(textwrap.dedent("""\
        - hosts: localhost
          gather_facts: false
          roles:
            - role: odh_rwx.shared_resources.k8s_apply
              k8s_apply_definitions: "{{ jobs }}"
              k8s_apply_wait_jobs: true
              k8s_apply_job_timeout: 30
        """))
    extra = tmp_path / "jobs.json"
    extra.write_text(yaml.safe_dump({"jobs": jobs}))
    return run_playbook(playbook, "-e", "@" + str(extra), env=ansible_env(k8s_emulator.env()))


def test_completed_jobs_pass_and_a_failed_job_fails_with_its_log_tail(k8s_emulator, tmp_path):
    passed = run_jobs(k8s_emulator, tmp_path, [job("sync-ok")])
    assert passed.returncode == 0, passed.stdout[-3000:]

    failed = run_jobs(k8s_emulator, tmp_path, [job("sync-ok"), job("sync-broken", fail=True)])
    assert failed.returncode == 2
    assert "Job default/sync-broken failed" in failed.stdout
    assert "error: source /opt/apps-src is empty" in failed.stdout
    assert "sync-ok failed" not in failed.stdout

    k8s_emulator.reset_audit()
    rerun = run_jobs(k8s_emulator, tmp_path, [job("sync-ok"), job("sync-broken", fail=True)])
    assert rerun.returncode == 2, "a Job that failed earlier still fails the rerun"
    assert k8s_emulator.writes() == []
