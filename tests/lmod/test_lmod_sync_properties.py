"""Property: for any tree and any edit, a release reproduces the source and
shares the inodes of exactly the files that did not change."""

import os
import shutil
import stat
import tempfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

NAMES = st.sampled_from(["a", "b", "lib", "bin", "x.py", "share", "é"])
REL_PATHS = st.lists(NAMES, min_size=1, max_size=3).map(lambda parts: os.path.join(*parts))
FILES = st.dictionaries(
    REL_PATHS, st.tuples(st.binary(max_size=3000), st.booleans()), min_size=1, max_size=12)
BASE_MTIME = 1600000000 * 10 ** 9


def write_tree(root, files, symlinks):
    """Write files (content, executable); skip paths that clash with a directory."""
    written = {}
    for rel, (data, exe) in sorted(files.items()):
        path = os.path.join(root, "tree", rel)
        parent = os.path.dirname(path)
        if any(os.path.isfile(p) for p in parents(parent, root)) or os.path.isdir(path):
            continue
        os.makedirs(parent, exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(data)
        os.chmod(path, 0o750 if exe else 0o600)  # odd source modes get normalised
        written[rel] = (data, exe)
    for i, rel in enumerate(sorted(written)[:symlinks]):
        os.symlink(os.path.relpath(os.path.join(root, "tree", rel), os.path.join(root, "tree")),
                   os.path.join(root, "tree", "link%d" % i))
    os.makedirs(os.path.join(root, "modulefiles", "m"), exist_ok=True)
    with open(os.path.join(root, "modulefiles", "m", "1.lua"), "w") as fh:
        fh.write('setenv("M", "1")\n')
    return written


def parents(path, stop):
    while path != stop and path.startswith(stop):
        yield path
        path = os.path.dirname(path)


def set_mtimes(root, written, bump=()):
    for i, rel in enumerate(sorted(written)):
        mtime = BASE_MTIME + i * 10 ** 9 + (10 ** 12 if rel in bump else 0)
        os.utime(os.path.join(root, "tree", rel), ns=(mtime, mtime))


def assert_release_matches(source, release):
    for dirpath, dirs, files in os.walk(source):
        for name in dirs + files:
            s = os.path.join(dirpath, name)
            d = os.path.join(release, os.path.relpath(s, source))
            s_st, d_st = os.lstat(s), os.lstat(d)
            if stat.S_ISLNK(s_st.st_mode):
                assert os.readlink(d) == os.readlink(s)
            elif stat.S_ISDIR(s_st.st_mode):
                assert stat.S_ISDIR(d_st.st_mode) and stat.S_IMODE(d_st.st_mode) == 0o755
            else:
                with open(s, "rb") as a, open(d, "rb") as b:
                    assert a.read() == b.read(), d
                assert d_st.st_mtime_ns == s_st.st_mtime_ns
                assert stat.S_IMODE(d_st.st_mode) == (0o755 if s_st.st_mode & 0o100 else 0o644)
    extra = set(os.listdir(release)) - set(os.listdir(source))
    assert extra == {"lmodrc.lua", ".lmod-sync"}


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(files=FILES, symlinks=st.integers(0, 2), data=st.data())
def test_release_mirrors_source_and_links_unchanged_files(lmod, helpers, files, symlinks, data):
    root = tempfile.mkdtemp(prefix="lmod-sync-prop-")
    try:
        pub = helpers.Publisher(root, lmod)
        shutil.rmtree(pub.source)
        os.makedirs(pub.source)
        written = write_tree(pub.source, files, symlinks)
        set_mtimes(pub.source, written)
        first = pub.publish()
        assert first["files_copied"] == len(written) + 1
        assert_release_matches(pub.source, pub.release_dir(first["release"]))

        edited = data.draw(st.sets(st.sampled_from(sorted(written))), label="edited")
        for rel in edited:
            with open(os.path.join(pub.source, "tree", rel), "ab") as fh:
                fh.write(b"+")
        set_mtimes(pub.source, written, bump=edited)
        second = pub.publish()
        assert second["created"] is bool(edited)
        if not edited:
            return
        assert second["files_copied"] == len(edited)
        assert second["files_linked"] == len(written) + 1 - len(edited)
        new_rel = pub.release_dir(second["release"])
        assert_release_matches(pub.source, new_rel)
        for rel in written:
            old_ino = os.lstat(os.path.join(pub.release_dir(first["release"]), "tree", rel)).st_ino
            new_ino = os.lstat(os.path.join(new_rel, "tree", rel)).st_ino
            assert (old_ino != new_ino) == (rel in edited), rel
    finally:
        shutil.rmtree(root)
