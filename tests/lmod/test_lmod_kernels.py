"""Kernels that start with their modules: lmod-sync --kernels, lmod-kernel, real Lmod, jupyter_client and ipykernel.

The tree gets a module ``pytool`` that puts a Python package on PYTHONPATH and sets a variable.
jupyter_client finds the published kernelspec through JUPYTER_PATH, as JupyterLab's launcher
does, and starts it with the test virtualenv's ipykernel; code run in the kernel imports the
package and reads the variable. The fixture's ``Python`` module puts a fake ``python3`` first on
PATH: the kernel still runs the Jupyter server's own interpreter.
"""

import contextlib
import json
import os
import subprocess
import sys

import pytest

jupyter_client = pytest.importorskip("jupyter_client")
pytest.importorskip("ipykernel")

KERNELS = [
    {"name": "pytool", "display_name": "Python 3 (pytool, Python)", "modules": ["Python", "pytool"]},
    {"name": "broken", "display_name": "Python 3 (missing module)", "modules": ["hello", "nosuchmodule/9.9"]},
]
PYTOOL_MODULE = """help([[pytool (lmod-sync kernel test fixture)]])
local root = "@PREFIX@/software/pytool/1.0"
setenv("PYTOOL_SITE", "shared-tree")
prepend_path("PYTHONPATH", pathJoin(root, "lib", "python"))
"""
PYTOOL_PACKAGE = 'WHERE = __file__\nANSWER = 42\n'


def add_pytool(source, prefix):
    """The module and its package, in the source tree built for ``prefix`` (MOUNT/current)."""
    os.makedirs(os.path.join(source, "modulefiles", "pytool"))
    with open(os.path.join(source, "modulefiles", "pytool", "1.0.lua"), "w") as fh:
        fh.write(PYTOOL_MODULE.replace("@PREFIX@", prefix))
    package = os.path.join(source, "software", "pytool", "1.0", "lib", "python", "pytool")
    os.makedirs(package)
    with open(os.path.join(package, "__init__.py"), "w") as fh:
        fh.write(PYTOOL_PACKAGE)


def write_kernels(tmp_path, kernels, name="kernels.json"):
    path = tmp_path / name
    path.write_text(json.dumps(kernels))
    return str(path)


@pytest.fixture
def tree(publisher, tmp_path):
    """A published tree with the two kernels; returns (publisher, the lmod-sync result)."""
    add_pytool(publisher.source, publisher.current_prefix)
    return publisher, publisher.publish("--kernels", write_kernels(tmp_path, KERNELS))


def kernel_env(publisher):
    """The notebook environment (lmod.notebook_environment) that a Jupyter server passes to kernels."""
    return publisher.notebook_env(JUPYTER_PATH=os.path.join(publisher.current_prefix, "share", "jupyter"))


def test_each_kernel_is_published_in_the_release(tree):
    publisher, out = tree
    assert out["kernels"] == ["pytool", "broken"]
    kernel_dir = os.path.join(publisher.release_dir(out["release"]), "share", "jupyter", "kernels", "pytool")
    with open(os.path.join(kernel_dir, "kernel.json")) as fh:
        spec = json.load(fh)
    current = publisher.current_prefix
    assert spec["display_name"] == "Python 3 (pytool, Python)"
    assert spec["language"] == "python"
    assert spec["argv"] == [
        "python3", "{resource_dir}/lmod-kernel", "--name", "pytool",
        "--lmod-cmd", os.path.join(os.path.dirname(publisher.lmod.update_cmd), "lmod"),
        "--modulepath", current + "/modulefiles", "--lmod-rc", current + "/lmodrc.lua",
        "Python", "pytool", "--", "-m", "ipykernel_launcher", "-f", "{connection_file}",
    ]
    assert oct(os.stat(os.path.join(kernel_dir, "lmod-kernel")).st_mode & 0o777) == "0o755"
    assert oct(os.stat(os.path.join(kernel_dir, "kernel.json")).st_mode & 0o777) == "0o644"


def test_jupyter_finds_the_kernels_through_jupyter_path(tree, monkeypatch):
    publisher, _out = tree
    monkeypatch.setenv("JUPYTER_PATH", kernel_env(publisher)["JUPYTER_PATH"])
    monkeypatch.setenv("HOME", publisher.home)
    specs = jupyter_client.kernelspec.KernelSpecManager().find_kernel_specs()
    assert specs["pytool"] == os.path.join(publisher.current_prefix, "share", "jupyter", "kernels", "pytool")
    assert "broken" in specs


@contextlib.contextmanager
def kernel_client(publisher, name, monkeypatch, log_path):
    """Start kernel ``name`` as a Jupyter server does (its output to ``log_path``); yield a client with channels."""
    monkeypatch.setenv("JUPYTER_PATH", kernel_env(publisher)["JUPYTER_PATH"])
    monkeypatch.setenv("HOME", publisher.home)
    manager = jupyter_client.KernelManager(kernel_name=name)
    with open(log_path, "w") as log:
        manager.start_kernel(env=kernel_env(publisher), stderr=log, stdout=log)
        client = manager.client()
        try:
            client.start_channels()
            yield client
        finally:
            client.stop_channels()
            manager.shutdown_kernel(now=True)


def run_code(client, code):
    outputs = []

    def hook(message):
        if message["msg_type"] == "stream":
            outputs.append(message["content"]["text"])
        elif message["msg_type"] == "error":
            outputs.append("\n".join(message["content"]["traceback"]))

    reply = client.execute_interactive(code, output_hook=hook, timeout=60)
    return reply["content"]["status"], "".join(outputs)


def test_kernel_starts_with_its_modules(tree, monkeypatch, tmp_path):
    publisher, _out = tree
    with kernel_client(publisher, "pytool", monkeypatch, tmp_path / "kernel.log") as client:
        client.wait_for_ready(timeout=60)
        status, output = run_code(client, "\n".join([
            "import os, sys, pytool",
            "print(pytool.ANSWER, os.environ['PYTOOL_SITE'], os.environ['LOADEDMODULES'])",
            "print(pytool.WHERE)",
            "print(sys.executable)",
        ]))
    assert status == "ok", output
    answer, where, executable = output.splitlines()
    assert answer == "42 shared-tree Python/3.12:pytool/1.0"
    # Imported from the published release, through the path notebooks see.
    assert where == os.path.join(publisher.current_prefix, "software/pytool/1.0/lib/python/pytool/__init__.py")
    # The Python module's python3 came first on PATH; the kernel is still the server's interpreter.
    assert executable == sys.executable


def test_a_kernel_whose_module_is_missing_fails_with_its_name_in_the_log(tree, monkeypatch, tmp_path):
    publisher, _out = tree
    with kernel_client(publisher, "broken", monkeypatch, tmp_path / "kernel.log") as client:
        with pytest.raises(RuntimeError, match="Kernel died"):
            client.wait_for_ready(timeout=60)
    text = (tmp_path / "kernel.log").read_text()
    assert '"nosuchmodule/9.9"' in text  # Lmod's own message names it
    assert "lmod-kernel: kernel 'broken' does not start: module load hello nosuchmodule/9.9 failed" in text


def run_launcher(publisher, release, env, *modules, code="import os; print(os.environ['PYTOOL_SITE'])"):
    """lmod-kernel on its own, with -c CODE instead of ipykernel after '--'."""
    kernel_dir = os.path.join(publisher.release_dir(release), "share", "jupyter", "kernels", "pytool")
    with open(os.path.join(kernel_dir, "kernel.json")) as fh:
        argv = json.load(fh)["argv"]
    options = argv[2:argv.index("Python")]
    command = [sys.executable, os.path.join(kernel_dir, "lmod-kernel")] + options + list(modules) + ["--", "-c", code]
    return subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=60, check=False)


def test_the_tree_settings_stand_in_for_a_missing_lmod_environment(tree):
    """No LMOD_CMD, MODULEPATH or LMOD_RC (a pod without the collection's environment): the kernel still loads."""
    publisher, out = tree
    env = {"PATH": "/usr/bin:/bin", "HOME": publisher.home, "LANG": "C.UTF-8"}
    proc = run_launcher(publisher, out["release"], env, "pytool")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "shared-tree"


def test_the_notebook_environment_wins_over_the_tree_settings(tree):
    publisher, out = tree
    env = kernel_env(publisher)
    env["LMOD_CMD"] = "/nonexistent/lmod"
    proc = run_launcher(publisher, out["release"], env, "pytool")
    assert proc.returncode == 1
    assert "cannot run Lmod (/nonexistent/lmod)" in proc.stderr


def test_unchanged_tree_and_kernels_publish_nothing(tree, tmp_path):
    publisher, out = tree
    before = publisher.snapshot()
    again = publisher.publish("--kernels", write_kernels(tmp_path, KERNELS, "same.json"))
    assert again["created"] is False and again["release"] == out["release"]
    assert publisher.snapshot() == before


def test_changed_kernels_make_a_new_release_that_switches_with_the_tree(tree, tmp_path):
    publisher, out = tree
    changed = [dict(KERNELS[0], display_name="Python 3 (pytool 1.0)")]
    again = publisher.publish("--kernels", write_kernels(tmp_path, changed, "changed.json"))
    assert again["created"] is True and again["kernels"] == ["pytool"]
    assert again["files_copied"] == 0 and again["files_linked"] > 0
    kernels = os.path.join(publisher.target, "current", "share", "jupyter", "kernels")
    assert sorted(os.listdir(kernels)) == ["pytool"]
    with open(os.path.join(kernels, "pytool", "kernel.json")) as fh:
        assert json.load(fh)["display_name"] == "Python 3 (pytool 1.0)"
    # Dropping --kernels publishes the tree without them.
    plain = publisher.publish()
    assert plain["created"] is True and plain["kernels"] == []
    assert not os.path.exists(kernels)


def test_a_tree_without_kernels_keeps_the_digest_it_had(publisher):
    """Releases made before --kernels existed stay current: no republish on upgrade."""
    first = publisher.publish()
    assert publisher.publish("--kernels", write_kernels_empty(publisher))["created"] is False
    assert publisher.current().endswith(first["release"])


def write_kernels_empty(publisher):
    path = os.path.join(publisher.root, "empty.json")
    with open(path, "w") as fh:
        fh.write("[]")
    return path


@pytest.mark.parametrize("setup, message", [
    ("kernelspec", "source already has share/jupyter/kernels/pytool: rename kernel 'pytool'"),
    ("file", "source has share/jupyter, which is not a directory"),
    ("symlink", "source has share, which is not a directory"),
])
def test_kernel_paths_in_the_source_are_refused(publisher, tmp_path, setup, message):
    if setup == "kernelspec":
        os.makedirs(os.path.join(publisher.source, "share", "jupyter", "kernels", "pytool"))
    elif setup == "file":
        with open(os.path.join(publisher.source, "share", "jupyter"), "w") as fh:
            fh.write("not a directory\n")
    else:
        os.rename(os.path.join(publisher.source, "share"), os.path.join(publisher.source, "usr-share"))
        os.symlink("usr-share", os.path.join(publisher.source, "share"))
    result = publisher.sync("--kernels", write_kernels(tmp_path, KERNELS[:1]))
    assert result.rc == 3, result
    assert message in result.stderr
    assert not os.path.exists(os.path.join(publisher.target, "current"))


@pytest.mark.parametrize("kernels, message", [
    ("{not json", "cannot read a JSON list"),
    ({"name": "x"}, "must be a JSON list"),
    ([{"name": "x", "display_name": "X"}], "must have exactly the keys name, display_name, modules"),
    ([{"name": "Py Tool", "display_name": "X", "modules": ["a"]}], "name 'Py Tool'"),
    ([dict(KERNELS[0]), dict(KERNELS[0])], "kernel 'pytool' is listed twice"),
    ([{"name": "x", "display_name": " ", "modules": ["a"]}], "display_name must be a non-empty string"),
    ([{"name": "x", "display_name": "X", "modules": []}], "modules must be a non-empty list"),
    ([{"name": "x", "display_name": "X", "modules": ["a b"]}], "modules must be a non-empty list"),
    ([{"name": "x", "display_name": "X", "modules": ["--lmod-cmd"]}], "not starting with '-'"),
])
def test_an_invalid_kernels_file_is_a_usage_error(publisher, tmp_path, kernels, message):
    path = tmp_path / "kernels.json"
    path.write_text(kernels if isinstance(kernels, str) else json.dumps(kernels))
    result = publisher.sync("--kernels", str(path))
    assert result.rc == 2, result
    assert message in result.stderr
    assert os.listdir(publisher.target) == []
