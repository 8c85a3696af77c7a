"""Every failure exits non-zero with a clear message and leaves `current` alone."""

import fcntl
import os
import shutil
import signal
import subprocess
import time

import pytest

EXIT_USAGE, EXIT_SOURCE, EXIT_TARGET, EXIT_LOCKED, EXIT_LMOD = 2, 3, 4, 5, 6


def write_script(path, body):
    with open(path, "w") as fh:
        fh.write("#!/bin/sh\n" + body)
    os.chmod(path, 0o755)
    return path


def missing(pub, tmp):
    return [], os.path.join(tmp, "does-not-exist")


def empty(pub, tmp):
    os.mkdir(os.path.join(tmp, "empty"))
    return [], os.path.join(tmp, "empty")


def plain_file(pub, tmp):
    path = os.path.join(tmp, "file")
    open(path, "w").close()
    return [], path


def no_modulefiles(pub, tmp):
    shutil.rmtree(os.path.join(pub.source, "modulefiles"))
    return [], None


def wrong_modulefiles_dir(pub, tmp):
    return ["--modulefiles-dir", "modules/all"], None


def reserved_name(pub, tmp):
    open(os.path.join(pub.source, "lmodrc.lua"), "w").close()
    return [], None


def source_inside_releases(pub, tmp):
    return [], os.path.join(pub.target, "current")


def cache_tool_fails(pub, tmp):
    tool = write_script(os.path.join(tmp, "fail-cache"),
                        'mkdir -p "$2"; echo "spider exploded" >&2; exit 3\n')
    return ["--update-cache-cmd", tool], None


def cache_tool_writes_nothing(pub, tmp):
    tool = write_script(os.path.join(tmp, "noop-cache"), "exit 0\n")
    return ["--update-cache-cmd", tool], None


def cache_tool_missing(pub, tmp):
    return ["--update-cache-cmd", os.path.join(tmp, "nope")], None


def syntax_error(pub, tmp):
    with open(os.path.join(pub.source, "modulefiles", "Python", "3.13.lua"), "w") as fh:
        fh.write('setenv("EBROOTPYTHON", \n')
    return ["--check-syntax"], None


CASES = [
    (missing, EXIT_SOURCE, "does not exist"),
    (empty, EXIT_SOURCE, "is empty"),
    (plain_file, EXIT_SOURCE, "is not a directory"),
    (no_modulefiles, EXIT_SOURCE, "no modulefiles directory 'modulefiles'"),
    (wrong_modulefiles_dir, EXIT_SOURCE, "no modulefiles directory 'modules/all'"),
    (reserved_name, EXIT_SOURCE, "reserved"),
    (source_inside_releases, EXIT_USAGE, "inside the target's releases"),
    (cache_tool_fails, EXIT_LMOD, "spider exploded"),
    (cache_tool_writes_nothing, EXIT_LMOD, "produced no"),
    (cache_tool_missing, EXIT_LMOD, "not an executable file"),
    (syntax_error, EXIT_LMOD, "Python/3.13"),
]


@pytest.mark.parametrize("setup, code, message", CASES, ids=[c[0].__name__ for c in CASES])
def test_failure_leaves_current_untouched(publisher, tmp_path, helpers, setup, code, message):
    first = publisher.publish()["release"]
    # Make the source differ so a successful run would have published.
    helpers.touch_file(os.path.join(publisher.source, "share", "doc", "README"), "v2\n")
    extra, source = setup(publisher, str(tmp_path))
    before = os.lstat(os.path.join(publisher.target, "current"))

    result = publisher.sync(*extra, source=source)

    assert result.rc == code, result.stderr
    assert message in result.stderr
    assert result.stderr.startswith("lmod-sync: ") and "Traceback" not in result.stderr
    assert result.stdout == ""
    assert publisher.current() == os.path.join("releases", first)
    after = os.lstat(os.path.join(publisher.target, "current"))
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert publisher.releases() == [first]
    assert publisher.leftovers() == []
    # Notebooks still work on the old release.
    assert "Python/3.12" in publisher.module("module -t avail").stderr


def test_first_publish_failure_creates_no_current(publisher, tmp_path):
    tool = write_script(os.path.join(str(tmp_path), "fail"), "exit 1\n")
    result = publisher.sync("--update-cache-cmd", tool)
    assert result.rc == EXIT_LMOD
    assert not os.path.lexists(os.path.join(publisher.target, "current"))
    assert publisher.releases() == [] and publisher.leftovers() == []


def test_missing_target_and_bad_options(publisher, tmp_path):
    gone = os.path.join(str(tmp_path), "gone")
    proc = subprocess.run(publisher.python + [publisher_script(), "--source", publisher.source,
                                              "--target", gone],
                          stderr=subprocess.PIPE, universal_newlines=True, check=False)
    assert proc.returncode == EXIT_TARGET and "not an existing directory" in proc.stderr
    assert not os.path.exists(gone)
    for bad in (["--keep", "0"], ["--modulefiles-dir", "../x"], ["--mount-path", "/opt/my apps"],
                ["--modulefiles-dir", "/abs"]):
        result = publisher.sync(*bad)
        assert result.rc == EXIT_USAGE, (bad, result.stderr)
        assert "usage: lmod-sync" in result.stderr
    assert os.listdir(publisher.target) == []


def test_current_that_is_a_directory_is_refused(publisher):
    os.mkdir(os.path.join(publisher.target, "current"))
    result = publisher.sync()
    assert result.rc == EXIT_TARGET and "not a symlink" in result.stderr
    assert publisher.leftovers() == []


def test_concurrent_run_is_refused_while_locked(publisher, helpers):
    first = publisher.publish()["release"]
    helpers.touch_file(os.path.join(publisher.source, "share", "doc", "README"), "v2\n")
    with open(os.path.join(publisher.target, ".lmod-sync.lock")) as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        started = time.monotonic()
        result = publisher.sync("--lock-timeout", "1")
        waited = time.monotonic() - started
        assert result.rc == EXIT_LOCKED and "lock" in result.stderr
        assert 1 <= waited < 10
        assert publisher.current() == os.path.join("releases", first)
    assert publisher.publish()["created"] is True  # lock released: proceeds


def test_sigterm_cleans_up_the_temporary_release(publisher, tmp_path, helpers):
    first = publisher.publish()["release"]
    helpers.touch_file(os.path.join(publisher.source, "share", "doc", "README"), "v2\n")
    tool = write_script(os.path.join(str(tmp_path), "slow"), "exec sleep 60\n")
    proc = subprocess.Popen(
        publisher.python + [publisher_script(), "--source", publisher.source, "--target",
                            publisher.target, "--update-cache-cmd", tool],
        stderr=subprocess.PIPE, universal_newlines=True)
    try:
        deadline = time.monotonic() + 30
        while not publisher.leftovers() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert publisher.leftovers(), "the run never created its temporary release"
        proc.send_signal(signal.SIGTERM)
        stderr = proc.communicate(timeout=30)[1]
    finally:
        proc.kill()
    assert proc.returncode == 130 and "interrupted" in stderr
    assert publisher.leftovers() == []
    assert publisher.current() == os.path.join("releases", first)
    assert publisher.releases() == [first]


def test_leftovers_of_a_killed_run_are_removed_by_the_next(publisher):
    publisher.publish()
    stale = os.path.join(publisher.target, "releases", ".tmp-20200101T000000Z-000000000000")
    os.makedirs(os.path.join(stale, "modulefiles"))
    os.symlink("releases/x", os.path.join(publisher.target, "current.tmp-99"))
    result = publisher.sync()
    assert result.rc == 0 and "leftover" in result.stderr
    assert publisher.leftovers() == []


def publisher_script():
    return os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))), "roles", "lmod_tree", "files", "lmod-sync")
