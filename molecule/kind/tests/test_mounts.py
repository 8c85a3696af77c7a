"""Inside a pod that mounts one user's tiers: read-only shares refuse writes, read-write ones accept them."""

import json
import os

MOUNTS = json.loads(os.environ["MOUNT_CHECK"])
HIDDEN = json.loads(os.environ.get("HIDDEN_MOUNTS", "[]"))


def test_read_only_mounts_refuse_writes(host):
    for mount in MOUNTS["volume_mounts"]:
        if mount["readOnly"]:
            result = host.run("touch %s/.mount-check", mount["mountPath"])
            assert result.rc != 0
            assert "Read-only file system" in result.stderr


def test_read_write_mounts_accept_writes_with_the_tier_group(host):
    for mount in MOUNTS["volume_mounts"]:
        if not mount["readOnly"]:
            path = "%s/.mount-check" % mount["mountPath"]
            host.run_expect([0], "touch %s", path)
            assert host.file(path).exists
            host.run_expect([0], "rm -f %s", path)


def test_supplemental_groups_are_the_tier_gids(host):
    groups = set(host.check_output("id -G").split())
    assert set(str(gid) for gid in MOUNTS["supplemental_groups"]) <= groups


def test_other_shares_are_not_mounted(host):
    for path in HIDDEN:
        assert not host.file(path).exists
