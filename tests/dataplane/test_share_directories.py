"""share-directories on its own: what test_cells.py's cells do not reach (usage, nested and impossible directories)."""

import os
import pathlib
import shutil
import stat
import subprocess
import tempfile

import pytest

from tests.dataplane.harness import Identity, as_identity
from tests.support.playbooks import REPO_ROOT

SCRIPT = os.path.join(REPO_ROOT, "roles", "shared_pvcs", "files", "share-directories")
JOB = Identity(1001, 100, (100, 40002), 0o022)


def share_directories(root, identity=JOB, **env):
    variables = {"PATH": "/usr/bin:/bin", "SHARE_ROOT": str(root), "SHARE_GID": "40002", "SHARE_MODE": "2770",
                 "SHARE_DIRECTORIES": "", "SHARE_RESTRICTED": "false", "SHARE_STRICT": "false", "SHARE_WRITABLE": "true"}
    variables.update(env)
    return subprocess.run(as_identity(identity, ["/bin/sh", SCRIPT]), env=variables, capture_output=True, text=True, check=False)


@pytest.fixture
def root():
    """A share the Job owns, in a directory every uid may traverse (pytest's are private to root)."""
    base = tempfile.mkdtemp(prefix="share-directories-")
    os.chmod(base, 0o755)
    share = pathlib.Path(base) / "share"
    share.mkdir()
    os.chown(share, JOB.uid, JOB.gid)
    yield share
    shutil.rmtree(base)


def test_usage(root):
    completed = share_directories(root, SHARE_GID="")
    assert completed.returncode == 2 and "SHARE_GID is not set" in completed.stderr
    assert share_directories(root / "missing").returncode == 2


def test_every_level_of_a_nested_directory_is_prepared(root):
    completed = share_directories(root, SHARE_DIRECTORIES="curated/2026/q1 raw")
    assert completed.returncode == 0, completed.stderr
    for relative in ("", "curated", "curated/2026", "curated/2026/q1", "raw"):
        info = os.stat(os.path.join(str(root), relative))
        assert (info.st_gid, stat.S_IMODE(info.st_mode)) == (40002, 0o2770), relative
    assert not [name for name in os.listdir(str(root)) if name.startswith(".share-directories-probe")]


def test_a_directory_it_cannot_create_fails_with_the_reason(root):
    os.chown(root, 0, 0)
    os.chmod(root, 0o777)
    (root / "curated").mkdir(mode=0o755)  # someone else's
    completed = share_directories(root, SHARE_DIRECTORIES="curated/2026")
    assert completed.returncode == 4
    assert "cannot create %s/curated/2026 in %s/curated (0:0 755" % (root, root) in completed.stderr


def test_a_share_without_writers_needs_no_writable_root(root):
    os.chown(root, 0, 0)
    os.chmod(root, 0o755)
    assert share_directories(root).returncode == 3
    completed = share_directories(root, SHARE_WRITABLE="false")
    assert completed.returncode == 0
    assert "group and mode left as the storage set them (owner uid 0; this Job: uid 1001 gid 100 groups 100,40002)" in completed.stdout


def test_an_adopted_claim_keeps_its_root_and_gets_its_directories(root):
    os.chmod(root, 0o2755)  # the owner's, and the Job could change it
    completed = share_directories(root, SHARE_DIRECTORIES="curated", SHARE_ADOPTED="true", SHARE_WRITABLE="false")
    assert completed.returncode == 0, completed.stderr
    info = os.stat(str(root))
    assert (info.st_gid, stat.S_IMODE(info.st_mode)) == (JOB.gid, 0o2755)
    assert "left as it is (an adopted claim's root is its owner's)" in completed.stdout
    curated = os.stat(str(root / "curated"))
    assert (curated.st_gid, stat.S_IMODE(curated.st_mode)) == (40002, 0o2770)
