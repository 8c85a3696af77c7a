"""Resyncs: unchanged trees are no-ops, changed trees hard-link what did not change."""

import json
import os
import stat
import time


def regular_files(root):
    out = {}
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path):
                out[os.path.relpath(path, root)] = os.lstat(path)
    return out


def test_unchanged_resync_creates_nothing_and_writes_nothing(publisher):
    first = publisher.publish()
    before = publisher.snapshot()
    time.sleep(0.01)  # make any accidental write visible in mtimes/ctimes
    again = publisher.publish()
    assert again["created"] is False
    assert again["release"] == first["release"] == again["previous"]
    assert again["files_copied"] == again["files_linked"] == again["bytes_written"] == 0
    assert again["releases_removed"] == []
    assert publisher.snapshot() == before  # same inodes, mtimes, ctimes, link counts


def test_dry_run_writes_nothing(publisher, helpers):
    plan = publisher.publish("--dry-run")
    assert plan["dry_run"] is True and plan["created"] is True
    assert plan["files_copied"] == 11
    assert os.listdir(publisher.target) == []  # not even the lock file

    publisher.publish()
    helpers.touch_file(os.path.join(publisher.source, "share", "doc", "README"), "v2\n")
    before = publisher.snapshot()
    plan = publisher.publish("--dry-run")
    assert plan["created"] is True and plan["files_copied"] == 1 and plan["files_linked"] == 10
    assert publisher.snapshot() == before


def test_changed_file_makes_new_release_with_hard_links(publisher, helpers):
    first = publisher.publish()["release"]
    readme = os.path.join(publisher.source, "software", "Python", "3.12", "lib", "python3.12",
                          "README.txt")
    helpers.touch_file(readme, "patched stdlib\n")
    zlib = os.path.join(publisher.source, "modulefiles", "zlib")
    os.mkdir(zlib)
    helpers.touch_file(os.path.join(zlib, "1.3.lua"), 'setenv("ZLIB_VERSION", "1.3")\n')

    out = publisher.publish()
    second = out["release"]
    assert out["created"] is True and second != first and out["previous"] == first
    assert out["files_copied"] == 2 and out["files_linked"] == 10
    assert out["link_fallbacks"] == 0
    assert out["bytes_copied"] == len("patched stdlib\n") + len('setenv("ZLIB_VERSION", "1.3")\n')
    assert publisher.current() == os.path.join("releases", second)
    assert publisher.releases() == [first, second]

    old = regular_files(publisher.release_dir(first))
    new = regular_files(publisher.release_dir(second))
    changed = {"software/Python/3.12/lib/python3.12/README.txt", "modulefiles/zlib/1.3.lua"}
    for rel, st in new.items():
        if rel.startswith(".lmod-sync/") or rel == "lmodrc.lua":
            assert st.st_ino != old[rel].st_ino  # generated per release
        elif rel in changed:
            assert rel not in old or st.st_ino != old[rel].st_ino, rel
        else:
            assert st.st_ino == old[rel].st_ino and st.st_nlink == 2, rel
    # The previous release is untouched by the change.
    readme_rel = "software/Python/3.12/lib/python3.12/README.txt"
    with open(os.path.join(publisher.release_dir(first), readme_rel)) as fh:
        assert fh.read() == "stdlib placeholder\n"
    with open(os.path.join(publisher.current_prefix, readme_rel)) as fh:
        assert fh.read() == "patched stdlib\n"
    # Symlinks are recreated, not linked, and keep their relative targets.
    assert os.readlink(os.path.join(publisher.current_prefix, "modulefiles/Python/default")) \
        == "3.12.lua"

    # Notebooks see the new module through the new release's cache.
    proc = publisher.module("module -t avail; module load zlib && echo $ZLIB_VERSION")
    assert "zlib/1.3" in proc.stderr and proc.stdout.strip() == "1.3"


def test_mode_change_alone_makes_a_new_release(publisher):
    first = publisher.publish()["release"]
    hello = os.path.join(publisher.source, "share", "doc", "README")
    os.chmod(hello, 0o755)
    out = publisher.publish()
    assert out["created"] is True and out["files_copied"] == 1
    mode = os.stat(os.path.join(publisher.current_prefix, "share/doc/README")).st_mode
    assert stat.S_IMODE(mode) == 0o755
    old = os.stat(os.path.join(publisher.release_dir(first), "share/doc/README")).st_mode
    assert stat.S_IMODE(old) == 0o644  # a hard link would have changed both


def test_same_content_new_mtime_is_copied(publisher):
    """The quick check is size+mtime+mode, like rsync: a touched file is re-copied."""
    publisher.publish()
    readme = os.path.join(publisher.source, "share", "doc", "README")
    st = os.stat(readme)
    os.utime(readme, ns=(st.st_atime_ns, st.st_mtime_ns + 10 ** 9))
    out = publisher.publish()
    assert out["created"] is True and out["files_copied"] == 1
    assert os.stat(os.path.join(publisher.current_prefix, "share/doc/README")).st_mtime_ns \
        == st.st_mtime_ns + 10 ** 9


def test_keep_prunes_oldest_releases(publisher, helpers):
    readme = os.path.join(publisher.source, "share", "doc", "README")
    made = []
    for i in range(4):
        helpers.touch_file(readme, "edition %d\n" % i)
        out = publisher.publish("--keep", "2")
        made.append(out["release"])
        assert out["releases_kept"] == made[-2:]
    assert len(set(made)) == 4
    assert out["releases_removed"] == [made[1]]
    assert publisher.releases() == made[-2:]
    assert publisher.current() == os.path.join("releases", made[-1])

    out = publisher.publish("--keep", "1")  # unchanged source: only prunes
    assert out["created"] is False and out["releases_removed"] == [made[2]]
    assert publisher.releases() == [made[3]]


def test_keep_never_removes_current_after_rollback(publisher, helpers):
    """An operator may point current back at an older release; it must survive pruning."""
    readme = os.path.join(publisher.source, "share", "doc", "README")
    old_text, old_mtime = open(readme).read(), os.stat(readme).st_mtime_ns
    first = publisher.publish()["release"]
    helpers.touch_file(readme, "broken edition\n")
    second = publisher.publish()["release"]

    # Roll back by hand, and restore the source to what `first` was built from.
    tmp = os.path.join(publisher.target, "rollback")
    os.symlink(os.path.join("releases", first), tmp)
    os.replace(tmp, os.path.join(publisher.target, "current"))
    helpers.touch_file(readme, old_text, mtime_ns=old_mtime)

    out = publisher.publish("--keep", "1")
    assert out["created"] is False and out["release"] == first
    assert sorted(out["releases_kept"]) == sorted([first, second])
    assert publisher.releases() == sorted([first, second])
    assert publisher.current() == os.path.join("releases", first)


def test_changed_settings_make_a_new_release(publisher):
    first = publisher.publish()["release"]
    out = publisher.publish("--mount-path", "/opt/apps")
    assert out["created"] is True and out["release"] != first
    assert out["files_linked"] == 11  # same files, new lmodrc.lua and cache
    with open(os.path.join(publisher.current_prefix, ".lmod-sync", "manifest.json")) as fh:
        manifest = json.load(fh)
    assert manifest["config"]["mount_path"] == "/opt/apps"
    assert manifest["id"] == out["release"] and out["release"].endswith(manifest["digest"][:12])
