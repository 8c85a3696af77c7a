"""A published release works in a notebook: layout, module avail/load, spider cache."""

import os
import re
import stat
import subprocess

RELEASE_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{12}$")
SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                      "roles", "lmod_tree", "files", "lmod-sync")


def test_first_publish_layout_and_json(publisher):
    out = publisher.publish()
    release = out["release"]
    assert RELEASE_ID.match(release)
    assert out["created"] is True and out["previous"] is None and out["dry_run"] is False
    assert out["files_copied"] == 11 and out["files_linked"] == 0
    assert out["symlinks"] == 3
    assert out["bytes_copied"] == sum(
        os.path.getsize(os.path.join(d, f)) for d, _dirs, fs in os.walk(publisher.source)
        for f in fs if not os.path.islink(os.path.join(d, f)))
    assert out["bytes_written"] > out["bytes_copied"]  # plus lmodrc, manifest, cache
    assert out["releases_kept"] == [release] and out["releases_removed"] == []

    # current is a relative symlink, so the volume can be mounted anywhere.
    assert publisher.current() == os.path.join("releases", release)
    rel = publisher.release_dir(release)
    for path in ("lmodrc.lua", ".lmod-sync/manifest.json", ".lmod-sync/cache/spiderT.lua",
                 ".lmod-sync/cache/timestamp", "modulefiles/Python/3.12.lua"):
        assert os.path.isfile(os.path.join(rel, path)), path
    assert publisher.leftovers() == []


def test_tree_is_copied_faithfully(publisher):
    release = publisher.publish()["release"]
    rel = publisher.release_dir(release)
    src = publisher.source
    for dirpath, dirs, files in os.walk(src):
        for name in dirs + files:
            s = os.path.join(dirpath, name)
            d = os.path.join(rel, os.path.relpath(s, src))
            s_st, d_st = os.lstat(s), os.lstat(d)
            assert stat.S_IFMT(s_st.st_mode) == stat.S_IFMT(d_st.st_mode), d
            if stat.S_ISLNK(s_st.st_mode):
                assert os.readlink(d) == os.readlink(s)
                continue
            assert d_st.st_mtime_ns == s_st.st_mtime_ns, d
            if stat.S_ISREG(s_st.st_mode):
                with open(s, "rb") as a, open(d, "rb") as b:
                    assert a.read() == b.read(), d
                expected = 0o755 if s_st.st_mode & 0o111 else 0o644
                assert stat.S_IMODE(d_st.st_mode) == expected, d
            else:
                assert stat.S_IMODE(d_st.st_mode) == 0o755, d
    # Relative symlinks still resolve inside the release.
    assert os.path.isfile(os.path.join(rel, "share/doc/software/hello/1.0/bin/hello"))
    assert os.path.isdir(os.path.join(rel, "software/Python/3.12/lib64/python3.12"))


def test_module_avail_lists_lua_and_tcl_modules(publisher):
    publisher.publish()
    proc = publisher.module("module avail")
    assert proc.returncode == 0, proc.stderr
    listing = proc.stderr
    assert os.path.join(publisher.current_prefix, "modulefiles") in listing
    # Defaults: Python via the `default` symlink, hello via the Tcl .version file.
    for module in ("Python/3.11", "Python/3.12 (D)", "hello/0.9 (D)", "hello/1.0"):
        assert module in listing, listing
    terse = publisher.module("module -t avail").stderr.split()
    assert {"Python/3.11", "Python/3.12", "hello/0.9", "hello/1.0"} <= set(terse)


def test_module_load_sets_variables_and_path(publisher):
    publisher.publish()
    prefix = publisher.current_prefix
    proc = publisher.module(
        "module load Python hello && echo \"EB=$EBROOTPYTHON\" && echo \"HV=$HELLO_VERSION\" "
        "&& echo \"HH=$HELLO_HOME\" && python3 && hello && module -t list")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "EB=%s/software/Python/3.12" % prefix in lines
    assert "HV=0.9" in lines and "HH=%s/software/hello/0.9" % prefix in lines
    assert "Python 3.12 from %s/software/Python/3.12/bin/python3" % prefix in lines
    assert "hello 0.9" in lines
    assert proc.stderr.split() == ["Python/3.12", "hello/0.9"]

    proc = publisher.module("module load Python/3.11 && echo $EBVERSIONPYTHON && python3")
    assert proc.stdout.splitlines()[0] == "3.11", proc.stderr


def test_notebook_uses_the_release_spider_cache(publisher):
    release = publisher.publish()["release"]
    rel = publisher.release_dir(release)
    cache_dir = os.path.join(publisher.target, "releases", release, ".lmod-sync", "cache")

    # lmodrc.lua names the release's cache; Lmod reads it through LMOD_RC.
    config = publisher.module("module --config").stderr
    assert cache_dir in config and os.path.join(cache_dir, "timestamp") in config

    # The cache is keyed by the MODULEPATH notebooks use, not the staging path.
    with open(os.path.join(cache_dir, "spiderT.lua")) as fh:
        spider = fh.read()
    assert '["%s/modulefiles"]' % publisher.current_prefix in spider
    assert ".tmp-" not in spider and "/releases/" not in spider
    assert sorted(os.listdir(cache_dir)) == ["spiderT.lua", "timestamp"]

    # A modulefile that is on disk but not in the cache is invisible while
    # Lmod trusts the cache, and appears as soon as the cache is ignored.
    ghost = os.path.join(rel, "modulefiles", "Ghost")
    os.mkdir(ghost)
    with open(os.path.join(ghost, "1.0.lua"), "w") as fh:
        fh.write('setenv("GHOST", "boo")\n')
    try:
        assert "Ghost" not in publisher.module("module avail").stderr
        assert "Ghost" not in publisher.module("module -t avail").stderr
        assert publisher.module("module load Ghost").stdout.strip() == ""
        assert "Python/3.12" in publisher.module("module avail").stderr

        uncached = publisher.module("module -t avail; module load Ghost; echo $GHOST",
                                    LMOD_IGNORE_CACHE="1")
        assert "Ghost/1.0" in uncached.stderr
        assert uncached.stdout.strip() == "boo"
    finally:
        os.unlink(os.path.join(ghost, "1.0.lua"))
        os.rmdir(ghost)


def test_published_tree_works_after_current_moves(publisher, helpers):
    """A shell that loaded a module keeps working across a publish."""
    first = publisher.publish()["release"]
    readme = os.path.join(publisher.source, "share", "doc", "README")
    helpers.touch_file(readme, "second edition\n")
    second = publisher.publish()["release"]
    assert second != first
    config = publisher.module("module --config").stderr
    assert os.path.join("releases", second, ".lmod-sync", "cache") in config
    with open(os.path.join(publisher.current_prefix, "share", "doc", "README")) as fh:
        assert fh.read() == "second edition\n"


def test_default_cache_tool_discovery_via_path(publisher, lmod):
    """Without --update-cache-cmd the tool is found on PATH (or $LMOD_DIR)."""
    env = {"PATH": os.path.dirname(lmod.update_cmd) + ":/usr/bin:/bin", "HOME": publisher.home}
    proc = subprocess.run(
        publisher.python + [SCRIPT, "--source", publisher.source,
                            "--target", publisher.target],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
        check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""  # without --json, stdout stays empty
    assert "published release" in proc.stderr
    assert "Python/3.12" in publisher.module("module -t avail").stderr


def test_mount_path_differs_from_target(publisher, helpers):
    """The Job may mount the volume elsewhere; paths are written for notebooks."""
    out = publisher.publish("--mount-path", "/opt/apps")
    rel = publisher.release_dir(out["release"])
    with open(os.path.join(rel, "lmodrc.lua")) as fh:
        rc = fh.read()
    assert '"/opt/apps/releases/%s/.lmod-sync/cache"' % out["release"] in rc
    with open(os.path.join(rel, ".lmod-sync", "cache", "spiderT.lua")) as fh:
        spider = fh.read()
    assert '["/opt/apps/current/modulefiles"]' in spider
    assert os.path.join(publisher.target, "releases") not in spider


def test_runs_without_exec_bit_and_reports_usage(publisher, tmp_path):
    """The ConfigMap mount has no exec bit: `python3 lmod-sync` must work."""
    copy = tmp_path / "lmod-sync"
    copy.write_text(open(SCRIPT).read())
    os.chmod(str(copy), 0o644)
    assert publisher.sync(script=str(copy)).rc == 0
    usage = subprocess.run(publisher.python + [str(copy), "--help"], stdout=subprocess.PIPE,
                           universal_newlines=True, check=False)
    assert usage.returncode == 0 and "Exit codes:" in usage.stdout
    bad = subprocess.run(publisher.python + [str(copy), "--source", "x"],
                         stderr=subprocess.PIPE, universal_newlines=True, check=False)
    assert bad.returncode == 2 and "--target" in bad.stderr


def test_script_is_executable_and_runs_under_python3():
    with open(SCRIPT) as fh:
        assert fh.readline() == "#!/usr/bin/env python\n"
    assert os.access(SCRIPT, os.X_OK)
    result = subprocess.run(["python3", SCRIPT, "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0
    assert "--source" in result.stdout


def test_check_syntax_accepts_a_valid_tree(publisher):
    out = publisher.publish("--check-syntax")
    assert out["created"] is True


def make_hierarchy(publisher, helpers, prefix=None):
    """gcc/12 extends MODULEPATH by absolute path, as EasyBuild's hierarchical
    naming scheme and Spack's Lmod hierarchy write it."""
    child = os.path.join(publisher.source, "modulefiles-gcc", "zlib")
    os.makedirs(child)
    helpers.touch_file(os.path.join(child, "1.3.lua"), 'setenv("ZLIB", "1.3")\n')
    gcc = os.path.join(publisher.source, "modulefiles", "gcc")
    os.mkdir(gcc)
    helpers.touch_file(os.path.join(gcc, "12.lua"), 'prepend_path("MODULEPATH", "%s")\n'
                       % os.path.join(prefix or publisher.current_prefix, "modulefiles-gcc"))
    return child


def test_module_hierarchy_is_indexed_from_the_new_release(publisher, helpers):
    child = make_hierarchy(publisher, helpers)
    first = publisher.sync()
    assert first.rc == 0 and "rebuilding the spider cache" in first.stderr
    spider = publisher.module("module spider zlib/1.3")
    assert "gcc/12" in spider.stderr, spider.stderr  # found through the cache
    assert publisher.module("module load gcc zlib && echo $ZLIB").stdout.strip() == "1.3"

    helpers.touch_file(os.path.join(child, "1.4.lua"), 'setenv("ZLIB", "1.4")\n')
    second = publisher.publish()
    cache = os.path.join(publisher.release_dir(second["release"]), ".lmod-sync", "cache")
    with open(os.path.join(cache, "spiderT.lua")) as fh:
        assert "zlib/1.4" in fh.read()
    assert "zlib/1.4" in publisher.module("module spider zlib").stderr
    assert publisher.module("module load gcc zlib && echo $ZLIB").stdout.strip() == "1.4"


def test_module_hierarchy_warns_when_mount_path_is_not_visible(publisher, helpers):
    make_hierarchy(publisher, helpers, prefix="/opt/apps-elsewhere/current")
    result = publisher.sync("--mount-path", "/opt/apps-elsewhere")
    assert result.rc == 0 and "cannot be rebuilt" in result.stderr
