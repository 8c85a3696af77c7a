"""Role lmod_tree deletes its sync objects once the spec no longer has an lmod section (emulator)."""

from kubernetes import config, dynamic

from tests.support import playbooks
from tests.support.playbooks import ansible_env

NAMESPACE = "lmod-removal"
SPEC = {
    "namespace": NAMESPACE,
    "tiers": {"public": {"readers": ["*"], "writers": ["platform"], "gid": 40001}},
    "shares": [{"name": "software", "tier": "public", "size": "1Gi", "mount_path": "/opt/apps"}],
    "lmod": {"share": "software", "source": {"type": "image", "image": "quay.io/example/apps:1", "path": "/apps"}, "schedule": "0 3 * * *"},
}
SELECTOR = "app.kubernetes.io/managed-by=odh_rwx.shared_resources,app.kubernetes.io/component=lmod-sync"


def run_role(k8s_emulator, tmp_path, spec, *options):
    completed = playbooks.run_role(tmp_path, "lmod_tree", {"shared_resources": spec}, *options, env=ansible_env(k8s_emulator.env()))
    assert completed.returncode == 0, completed.stdout[-4000:]
    return completed.stdout


def sync_objects(client):
    found = []
    for api_version, kind in (("batch/v1", "CronJob"), ("batch/v1", "Job"), ("v1", "ConfigMap")):
        items = client.resources.get(api_version=api_version, kind=kind).get(namespace=NAMESPACE, label_selector=SELECTOR).items
        found.extend("%s/%s" % (kind, item.metadata.name) for item in items)
    return sorted(found)


def test_removing_the_lmod_section_removes_the_sync_objects(k8s_emulator, tmp_path):
    client = dynamic.DynamicClient(config.new_client_from_config(config_file=k8s_emulator.kubeconfig))
    client.resources.get(api_version="v1", kind="Namespace").create(body={"metadata": {"name": NAMESPACE}})
    run_role(k8s_emulator, tmp_path, SPEC)
    before = sync_objects(client)
    assert "CronJob/lmod-sync" in before and any(name.startswith("Job/") for name in before) and any(name.startswith("ConfigMap/") for name in before)

    without = dict((key, value) for key, value in SPEC.items() if key != "lmod")
    k8s_emulator.reset_audit()
    run_role(k8s_emulator, tmp_path, without, "--check")
    assert k8s_emulator.writes() == []
    assert sync_objects(client) == before

    run_role(k8s_emulator, tmp_path, without)
    assert sync_objects(client) == []
    k8s_emulator.reset_audit()
    run_role(k8s_emulator, tmp_path, without)
    assert k8s_emulator.writes() == []

    # render mode reads nothing and deletes nothing
    run_role(k8s_emulator, tmp_path, SPEC)
    k8s_emulator.reset_audit()
    run_role(k8s_emulator, tmp_path, without, "-e", "shared_resources_render_dir=%s" % (tmp_path / "rendered"))
    assert k8s_emulator.writes() == [] and sync_objects(client) == before
