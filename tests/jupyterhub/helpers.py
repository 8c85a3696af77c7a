"""Shared pieces of the real-library JupyterHub tests.

The libraries need pins that cannot live in the project virtualenv, so they run in virtualenvs of
their own through the driver scripts in drivers/: jupyterhub-singleuser-profiles 0.7.0 (pydantic 1,
kubernetes 29, PyYAML<6) in .venv-jsp (requirements/jupyterhub.txt), the zero-to-jupyterhub hub
(JupyterHub 5.5.0, KubeSpawner 7.0.0, pydantic 2) in .venv-z2jh (requirements/z2jh.txt). These
tests run in the project virtualenv and compare what the drivers print with access.py.
"""

import copy
import json
import os
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import yaml

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import parse_spec
from tests.support.strategies import organisations

REPO_ROOT = Path(__file__).resolve().parents[2]
DRIVERS = Path(__file__).resolve().parent / "drivers"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
LIBRARY_VENV = Path(os.environ.get("ODH_RWX_JSP_VENV", REPO_ROOT / ".venv-jsp"))
LIBRARY_PYTHON = LIBRARY_VENV / "bin" / "python"
EXAMPLE = REPO_ROOT / "examples" / "inventory" / "group_vars" / "all" / "shared_resources.yml"
HUB_NAMESPACE = "opendatahub"

Z2JH_VENV = Path(os.environ.get("ODH_RWX_Z2JH_VENV", REPO_ROOT / ".venv-z2jh"))
Z2JH_PYTHON = Z2JH_VENV / "bin" / "python"

requires_library_venv = pytest.mark.skipif(
    not LIBRARY_PYTHON.exists(),
    reason="%s is missing: create it with `make venv-jsp` (python3.11 -m venv .venv-jsp && "
    ".venv-jsp/bin/pip install -r requirements/jupyterhub.txt)" % LIBRARY_VENV,
)
requires_z2jh_venv = pytest.mark.skipif(
    not Z2JH_PYTHON.exists(),
    reason="%s is missing: create it with `make venv-z2jh` (python3.11 -m venv .venv-z2jh && "
    ".venv-z2jh/bin/pip install -r requirements/z2jh.txt)" % Z2JH_VENV,
)


def run_driver(name, request, timeout=600, python=LIBRARY_PYTHON):
    completed = subprocess.run(
        [str(python), str(DRIVERS / name)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert completed.returncode == 0, "driver %s failed:\n%s" % (name, completed.stderr[-4000:])
    return json.loads(completed.stdout)


def example_data(jupyterhub=None):
    """The example organisation's spec, its Jinja defaults resolved, with a jupyterhub section."""
    data = yaml.safe_load(EXAMPLE.read_text())["shared_resources"]
    data = copy.deepcopy(data)
    data["storage_class"]["parameters"] = {"server": "nfs.example.com", "share": "/exports/shared"}
    if jupyterhub is not None:
        data["jupyterhub"] = jupyterhub
    return data


def example_spec(jupyterhub=None):
    return parse_spec(example_data(jupyterhub))


def odh_base_config_map():
    return yaml.safe_load((FIXTURES / "jupyter-singleuser-profiles.yaml").read_text())


def duplicates(values):
    return sorted(value for value, count in Counter(values).items() if count > 1)


def notebook_container(pod):
    containers = pod["spec"]["containers"]
    for container in containers:
        if container["name"] == "notebook":
            return container
    return containers[0]


def pod_shares(spec, pod):
    """share name -> what the pod has of it: volume readOnly, mount readOnly and path, counts."""
    by_claim = dict((share.claim_name, share) for share in spec.shares)
    mounts = notebook_container(pod).get("volumeMounts") or []
    found = {}
    for volume in pod["spec"].get("volumes") or []:
        claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
        if claim not in by_claim:
            continue
        share = by_claim[claim]
        own_mounts = [mount for mount in mounts if mount["name"] == volume["name"]]
        entry = found.setdefault(share.name, {"volumes": 0, "mounts": []})
        entry["volumes"] += 1
        entry["volume_read_only"] = bool(volume["persistentVolumeClaim"].get("readOnly"))
        entry["volume_name"] = volume["name"]
        entry["mounts"].extend(own_mounts)
    return found


def assert_structurally_sound(pod):
    """No duplicate volume name, no duplicate mount path, every mount backed by a volume."""
    names = [volume["name"] for volume in pod["spec"].get("volumes") or []]
    assert duplicates(names) == [], "duplicate volume names %s" % duplicates(names)
    for container in pod["spec"]["containers"]:
        paths = [mount["mountPath"] for mount in container.get("volumeMounts") or []]
        assert duplicates(paths) == [], "duplicate mount paths %s in %s" % (duplicates(paths), container["name"])
        assert set(mount["name"] for mount in container.get("volumeMounts") or []) <= set(names)


def assert_exact_shares(spec, pod, expected, mount_read_only=True):
    """``expected``: share name -> 'rw' | 'ro'. Each exactly once, right mode, at its path."""
    found = pod_shares(spec, pod)
    assert sorted(found) == sorted(expected), "shares %s, expected %s" % (sorted(found), sorted(expected))
    for name, mode in expected.items():
        entry = found[name]
        share = spec.share(name)
        assert entry["volumes"] == 1, "%s mounted as %d volumes" % (name, entry["volumes"])
        assert entry["volume_name"] == share.volume_name
        assert len(entry["mounts"]) == 1, "%s has %d mounts" % (name, len(entry["mounts"]))
        mount = entry["mounts"][0]
        assert mount["mountPath"] == share.mount_path
        assert entry["volume_read_only"] is (mode == "ro"), "%s volume readOnly wrong for %s" % (name, mode)
        if mount_read_only:
            assert bool(mount.get("readOnly")) is (mode == "ro"), "%s mount readOnly wrong for %s" % (name, mode)
        else:
            # JSP 0.7.0 builds V1VolumeMount(name, mount_path) only: the volume source's readOnly is the barrier.
            assert "readOnly" not in mount


def modes(accesses):
    return dict((item.share.name, item.mode) for item in accesses)


GROUPS = ["g1", "g2", "g3", "g4"]


def specs():
    return organisations(GROUPS, max_shares=5, max_users=8, jupyterhub={"flavor": "odh_jsp", "namespace": HUB_NAMESPACE})
