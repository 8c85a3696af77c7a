"""OpenShift restricted SCC: the Job runs as an arbitrary UID with GID 0 and the
volume's fsGroup as supplemental group; notebooks run as yet other UIDs.

Needs root (to switch UIDs with setpriv); skipped otherwise.
"""

import os
import shutil
import stat
import tempfile

import pytest

JOB_UID, JOB_UID_2, NOTEBOOK_UID, FS_GROUP = 1000680000, 1000680001, 1000690000, 1000680000
SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                      "roles", "lmod_tree", "files", "lmod-sync")

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None
    or not os.path.exists("/usr/bin/python3"),
    reason="needs root, setpriv (util-linux) and /usr/bin/python3 to run as other UIDs")


def as_job(uid=JOB_UID):
    return ["setpriv", "--reuid", str(uid), "--regid", "0", "--groups", str(FS_GROUP)]


AS_NOTEBOOK = ["setpriv", "--reuid", str(NOTEBOOK_UID), "--regid", "0", "--clear-groups"]


@pytest.fixture
def volume(lmod, helpers):
    """A world-traversable scratch dir (pytest's tmp dirs are private to root)."""
    root = tempfile.mkdtemp(prefix="lmod-sync-nonroot-")
    os.chmod(root, 0o755)
    # The script arrives from a ConfigMap: mode 0644, run as `python3 FILE`.
    script = os.path.join(root, "lmod-sync")
    shutil.copyfile(SCRIPT, script)
    os.chmod(script, 0o644)
    pub = helpers.Publisher(root, lmod, python=["/usr/bin/python3", "-I", "-S"])
    # Like a kubelet-prepared fsGroup volume: root-owned, group fsGroup, 2775.
    os.chown(pub.target, 0, FS_GROUP)
    os.chmod(pub.target, 0o2775)
    os.chown(pub.home, NOTEBOOK_UID, 0)
    pub.script = script
    yield pub
    shutil.rmtree(root)


def test_publish_as_arbitrary_uid_and_read_as_another(volume, helpers):
    out = volume.publish(prefix=as_job(), script=volume.script)
    rel = volume.release_dir(out["release"])
    for dirpath, dirs, files in os.walk(rel):
        for name in [""] + dirs + files:
            st = os.lstat(os.path.join(dirpath, name))
            assert st.st_uid == JOB_UID  # never chowned
            assert st.st_gid == FS_GROUP  # inherited through the setgid directories
            if stat.S_ISDIR(st.st_mode):
                assert stat.S_IMODE(st.st_mode) == 0o2755
            elif stat.S_ISREG(st.st_mode):
                assert stat.S_IMODE(st.st_mode) in (0o644, 0o755)

    # A notebook with an unrelated UID and no supplemental groups can use it.
    proc = volume.module("module load Python hello && python3 && hello && echo $EBROOTPYTHON",
                         prefix=AS_NOTEBOOK)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[1:] == [
        "hello 0.9", os.path.join(volume.current_prefix, "software/Python/3.12")]

    # The same Job UID publishes an update with hard links and prunes.
    helpers.touch_file(os.path.join(volume.source, "share", "doc", "README"), "v2\n")
    second = volume.publish("--keep", "1", prefix=as_job(), script=volume.script)
    assert second["files_linked"] == 10 and second["link_fallbacks"] == 0
    assert second["releases_removed"] == [out["release"]]


def test_another_job_uid_needs_group_writable_releases(volume, helpers):
    """A later Job with a different UID but the same fsGroup can link and prune
    only if the releases were published with --group-writable."""
    first = volume.publish("--group-writable", prefix=as_job(), script=volume.script)
    rel = volume.release_dir(first["release"])
    assert stat.S_IMODE(os.stat(rel).st_mode) == 0o2775
    assert stat.S_IMODE(os.stat(os.path.join(rel, "share/doc/README")).st_mode) == 0o664

    helpers.touch_file(os.path.join(volume.source, "share", "doc", "README"), "v2\n")
    second = volume.publish("--group-writable", "--keep", "1", prefix=as_job(JOB_UID_2),
                            script=volume.script)
    assert second["files_linked"] == 10 and second["link_fallbacks"] == 0
    assert second["releases_removed"] == [first["release"]] and "prune_errors" not in second
    assert volume.releases() == [second["release"]]


def test_unreadable_source_file_fails_cleanly(volume, helpers):
    first = volume.publish(prefix=as_job(), script=volume.script)["release"]
    secret = os.path.join(volume.source, "software", "hello", "1.0", "bin", "hello")
    os.chmod(secret, 0o700)  # root-owned, unreadable for the Job's UID
    result = volume.sync(prefix=as_job(), script=volume.script)
    assert result.rc == 3 and "permission denied" in result.stderr and secret in result.stderr
    assert volume.current() == os.path.join("releases", first)
    assert volume.leftovers() == []

    os.chmod(os.path.dirname(secret), 0o700)  # now a whole directory is unreadable
    result = volume.sync(prefix=as_job(), script=volume.script)
    assert result.rc == 3 and "cannot read" in result.stderr
    assert volume.current() == os.path.join("releases", first)


def test_another_job_uid_without_group_writable_fails_cleanly(volume, helpers):
    first = volume.publish(prefix=as_job(), script=volume.script)["release"]
    helpers.touch_file(os.path.join(volume.source, "share", "doc", "README"), "v2\n")
    result = volume.sync(prefix=as_job(JOB_UID_2), script=volume.script)
    assert result.rc == 4 and "Permission denied" in result.stderr
    assert volume.current() == os.path.join("releases", first)
    assert volume.leftovers() == []
