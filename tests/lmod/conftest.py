"""Fixtures for the lmod-sync tests: a real software tree, the publisher, real Lmod.

The publisher is run as a separate process with `python -I -S`, i.e. with the
standard library only, exactly as the Job runs it.  Notebook-side checks run
`bash -c 'module ...'` with Lmod's bash init (BASH_ENV) and the environment a
notebook gets, so they exercise the same lookups a user's shell does.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))
SCRIPT = os.path.join(REPO_ROOT, "roles", "lmod_tree", "files", "lmod-sync")
FIXTURE_TREE = os.path.join(HERE, "fixtures", "apps")
LMOD_INSTALL_HINT = "apt-get install -y lmod (Debian/Ubuntu) or dnf install Lmod (EPEL)"
LMOD_PREFIXES = ("/usr/share/lmod/lmod", "/opt/apps/lmod/lmod", "/usr/local/lmod/lmod")
# Made at copy time: ansible-test's sanity rules forbid directory symlinks in a collection.
DIR_SYMLINKS = {"share/doc/software": "../../software", "software/Python/3.12/lib64": "lib"}


class Lmod(object):
    """Paths of an installed Lmod."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.init_bash = os.path.join(prefix, "init", "bash")
        self.lmod_cmd = os.path.join(prefix, "libexec", "lmod")
        self.update_cmd = os.path.join(prefix, "libexec", "update_lmod_system_cache_files")

    def complete(self):
        return all(os.path.exists(p) for p in (self.init_bash, self.lmod_cmd, self.update_cmd))


def find_lmod():
    prefixes = [os.environ.get("LMOD_PKG")] + list(LMOD_PREFIXES)
    for prefix in filter(None, prefixes):
        lmod = Lmod(prefix)
        if lmod.complete():
            return lmod
    return None


@pytest.fixture(scope="session")
def lmod():
    found = find_lmod()
    if found is None:
        pytest.skip("Lmod is not installed (looked in $LMOD_PKG and %s); install it with: %s"
                    % (", ".join(LMOD_PREFIXES), LMOD_INSTALL_HINT))
    return found


def build_tree(dest, prefix, fixture=FIXTURE_TREE):
    """Copy the fixture tree to `dest`, built for installation prefix `prefix`.

    Modulefiles carry @PREFIX@ where a real build (EasyBuild, Spack) writes
    the absolute installation path; here that is MOUNT/current.
    """
    shutil.copytree(fixture, dest, symlinks=True)
    for link, target in DIR_SYMLINKS.items():
        os.symlink(target, os.path.join(dest, link))
    for dirpath, _dirs, files in os.walk(dest):
        for name in files:
            path = os.path.join(dirpath, name)
            if os.path.islink(path):
                continue
            if os.path.basename(dirpath) == "bin":
                os.chmod(path, 0o755)  # robust against checkouts without file modes
            with open(path) as fh:
                text = fh.read()
            if "@PREFIX@" in text:
                with open(path, "w") as fh:
                    fh.write(text.replace("@PREFIX@", prefix))
    return dest


class SyncResult(object):
    def __init__(self, proc):
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.json = json.loads(proc.stdout) if self.rc == 0 and proc.stdout.strip() else None

    def __repr__(self):
        return "SyncResult(rc=%r, stderr=%r)" % (self.rc, self.stderr)


class Publisher(object):
    """A source tree, a target directory and helpers to publish and inspect."""

    def __init__(self, root, lmod, python=None):
        self.root = str(root)
        self.lmod = lmod
        self.source = os.path.join(self.root, "src")
        self.target = os.path.join(self.root, "apps")
        self.home = os.path.join(self.root, "home")
        self.python = python or [sys.executable, "-I", "-S"]
        os.makedirs(self.target)
        os.makedirs(self.home)
        build_tree(self.source, self.current_prefix)

    @property
    def current_prefix(self):
        return os.path.join(self.target, "current")

    def sync(self, *extra, source=None, timeout=120, prefix=None, script=SCRIPT):
        argv = list(prefix or []) + self.python + [
            script, "--source", source or self.source, "--target", self.target,
            "--update-cache-cmd", self.lmod.update_cmd, "--json"] + list(extra)
        proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=timeout, check=False)
        return SyncResult(proc)

    def publish(self, *extra, **kwargs):
        result = self.sync(*extra, **kwargs)
        assert result.rc == 0, result.stderr
        return result.json

    def notebook_env(self, **extra):
        """The environment docs/lmod-sync.md tells notebook images to set."""
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": self.home,
            "LANG": "C.UTF-8",
            "BASH_ENV": self.lmod.init_bash,
            "LMOD_CMD": self.lmod.lmod_cmd,
            "MODULEPATH": os.path.join(self.current_prefix, "modulefiles"),
            "LMOD_RC": os.path.join(self.current_prefix, "lmodrc.lua"),
            "LMOD_CACHED_LOADS": "yes",
        }
        env.update(extra)
        return env

    def module(self, script, prefix=None, **extra_env):
        """Run bash with the notebook environment; module output is on stderr."""
        proc = subprocess.run(list(prefix or []) + ["bash", "-c", script],
                              env=self.notebook_env(**extra_env), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, universal_newlines=True, timeout=60,
                              check=False)
        return proc

    def current(self):
        return os.readlink(os.path.join(self.target, "current"))

    def releases(self):
        return sorted(os.listdir(os.path.join(self.target, "releases")))

    def release_dir(self, release_id):
        return os.path.join(self.target, "releases", release_id)

    def snapshot(self):
        """lstat of everything under the target, to prove a run wrote nothing."""
        snap = {}
        for dirpath, dirs, files in os.walk(self.target):
            for name in [""] + dirs + files:
                path = os.path.join(dirpath, name)
                st = os.lstat(path)
                snap[path] = (st.st_ino, st.st_mode, st.st_size, st.st_mtime_ns,
                              st.st_ctime_ns, st.st_nlink)
        return snap

    def leftovers(self):
        found = [n for n in os.listdir(self.target) if n.startswith("current.tmp")]
        releases = os.path.join(self.target, "releases")
        if os.path.isdir(releases):
            found += [n for n in os.listdir(releases) if n.startswith(".tmp-")]
        return found


@pytest.fixture
def publisher(tmp_path, lmod):
    return Publisher(tmp_path, lmod)


def touch_file(path, text, mtime_ns=None):
    """Rewrite a file the way a build does: new content and a new mtime."""
    with open(path, "w") as fh:
        fh.write(text)
    if mtime_ns is not None:
        os.utime(path, ns=(mtime_ns, mtime_ns))


@pytest.fixture
def helpers():
    class Helpers(object):
        build_tree = staticmethod(build_tree)
        touch_file = staticmethod(touch_file)
        Publisher = Publisher
        SCRIPT = SCRIPT
    return Helpers
