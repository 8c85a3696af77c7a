"""The built collection: what the tarball holds, and that it works once installed.

``ansible-galaxy collection build`` into a temporary directory, the tarball checked against the
test tooling that must stay out of it (galaxy.yml ``build_ignore``), installed with
``--offline --no-deps`` into a clean collections path, and then, FROM THAT INSTALLED COPY:

- ``odh_rwx.shared_resources.validate`` with the shipped ``examples/inventory`` (access report);
- ``odh_rwx.shared_resources.site`` in render mode (``shared_resources_render_dir``), with every
  Kubernetes connection pointed at a closed port, so a stage that reached for a cluster would fail;
- ``odh_rwx.shared_resources.awx_configure`` in dry-run mode: the planned controller objects,
  checked against the options of the awx.awx modules and the task arguments of the playbook.

The report, the render directory, the Zero to JupyterHub values file and the AWX inventory file are
given as paths relative to a working directory of their own, with the installed collection made
read-only: they must land in (or be read from) that directory, and nothing inside the collection
may change (tests run as root, which read-only modes do not stop, so its files are compared).

ANSIBLE_COLLECTIONS_PATH is the install directory alone (so neither the repository's .collections
link nor ~/.ansible/collections is on it); kubernetes.core, community.general and awx.awx come
from the virtualenv's site-packages (ANSIBLE_COLLECTIONS_SCAN_SYS_PATH).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
COLLECTION = "odh_rwx.shared_resources"

# Test tooling and development files that must not reach the tarball (galaxy.yml build_ignore).
FORBIDDEN_PREFIXES = (
    "tools/",
    "tests/emulator/",
    "tests/integration/",
    "tests/output/",
    "molecule/",
    ".venv/",
    ".venv-",
    ".collections/",
    ".ci/",
    ".git/",
    ".hypothesis/",
    ".pytest_cache/",
    "build/",
    "demo-output/",
    "requirements/",
)
FORBIDDEN_FILES = {"Makefile", "pytest.ini", ".gitignore", ".ansible-lint", ".yamllint"}
REQUIRED_FILES = {
    "MANIFEST.json",
    "FILES.json",
    "README.md",
    "requirements.txt",
    "bindep.txt",
    "meta/runtime.yml",
    "meta/execution-environment.yml",
    "playbooks/site.yml",
    "playbooks/validate.yml",
    "playbooks/lmod_sync.yml",
    "playbooks/awx_configure.yml",
    "examples/inventory/hosts.yml",
    "examples/inventory/group_vars/all/shared_resources.yml",
    "examples/execution-environment.yml",
    "examples/awx/awx_configure.yml",
    "examples/rbac/automation.yml",
    "examples/flavors/odh_notebooks.yml",
    "docs/shared_resources.schema.json",
    "docs/spec.md",
}
AWX_MODULES = ("organization", "execution_environment", "credential", "project", "inventory", "host",
               "job_template", "schedule")
CLOSED_PORT_URL = "https://127.0.0.1:9"


def run(cmd, env, cwd, timeout=120):
    started = time.monotonic()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    print(f"{Path(cmd[0]).name} {cmd[1]}: {time.monotonic() - started:.1f} s")
    return proc


@contextlib.contextmanager
def untouched(installed):
    """The installed collection read-only meanwhile, and unchanged afterwards (no file added, removed or changed)."""
    def state():
        return dict((str(path.relative_to(installed)), (path.stat().st_mode, path.stat().st_mtime_ns, path.stat().st_size))
                    for path in installed.rglob("*"))

    before = state()
    for path in [installed, *installed.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode & ~0o222)
    try:
        yield
    finally:
        for path in [installed, *installed.rglob("*")]:
            if not path.is_symlink():
                path.chmod(path.stat().st_mode | 0o200)
    after = dict((name, (mode | 0o200, mtime, size)) for name, (mode, mtime, size) in state().items())
    assert after == dict((name, (mode | 0o200, mtime, size)) for name, (mode, mtime, size) in before.items())


@pytest.fixture
def workdir(tmp_path):
    """Where the user runs ansible-playbook: relative paths are relative to it."""
    return tmp_path


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(tarball, install dir, environment running Ansible from the installed copy only)."""
    tmp = tmp_path_factory.mktemp("packaging")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "K8S_AUTH_", "CONTROLLER_"))}
    env.pop("PYTHONPATH", None)
    env.pop("KUBECONFIG", None)
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        ANSIBLE_COLLECTIONS_PATH=str(tmp / "collections"),
        ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="true",
        ANSIBLE_HOME=str(tmp / "ansible-home"),
        ANSIBLE_LOCAL_TEMP=str(tmp / "ansible-tmp"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_RETRY_FILES_ENABLED="false",
        # Python's own byte-code cache is not the collection writing (a read-only install makes it skip silently).
        PYTHONDONTWRITEBYTECODE="1",
        # Any Kubernetes client call goes to a closed port: render mode must not need a cluster.
        K8S_AUTH_HOST=CLOSED_PORT_URL,
        K8S_AUTH_KUBECONFIG=str(tmp / "no-kubeconfig"),
        KUBECONFIG=str(tmp / "no-kubeconfig"),
    )
    run([BIN / "ansible-galaxy", "collection", "build", "--output-path", str(tmp / "dist"), str(REPO_ROOT)],
        env, tmp)
    (tarball,) = (tmp / "dist").glob("odh_rwx-shared_resources-*.tar.gz")
    run([BIN / "ansible-galaxy", "collection", "install", "--offline", "--no-deps", "--force",
         "-p", str(tmp / "collections"), str(tarball)], env, tmp)
    installed = tmp / "collections" / "ansible_collections" / "odh_rwx" / "shared_resources"
    assert installed.is_dir() and not installed.is_symlink()
    return tarball, installed, env, tmp


def test_tarball_has_no_test_tooling(built):
    tarball, _installed, _env, _tmp = built
    with tarfile.open(tarball) as tar:
        names = [m.name[2:] if m.name.startswith("./") else m.name for m in tar.getmembers()]
    files = {n for n in names if not n.endswith("/")}
    print(f"tarball {tarball.name}: {tarball.stat().st_size} bytes, {len(names)} members")
    offending = sorted(n for n in names
                       if n.startswith(FORBIDDEN_PREFIXES) or n in FORBIDDEN_FILES or n.rstrip("/") in
                       {p.rstrip("/") for p in FORBIDDEN_PREFIXES}
                       or "__pycache__" in n or n.endswith((".pyc", ".tar.gz")))
    assert not offending, f"test tooling or development files in the tarball: {offending}"
    assert REQUIRED_FILES <= files, f"missing from the tarball: {sorted(REQUIRED_FILES - files)}"
    roles = {n.split("/")[1] for n in files if n.startswith("roles/")}
    for role in roles:
        assert f"roles/{role}/meta/argument_specs.yml" in files, role
    manifest = json.loads(tarfile.open(tarball).extractfile("MANIFEST.json").read())
    assert manifest["collection_info"]["dependencies"].keys() >= {"kubernetes.core", "community.general"}


def test_only_the_installed_copy_is_found(built):
    _tarball, installed, env, tmp = built
    proc = run([BIN / "ansible-galaxy", "collection", "list", COLLECTION, "--format", "json"], env, tmp)
    paths = [Path(p) for p, cols in json.loads(proc.stdout).items() if COLLECTION in cols]
    assert paths == [installed.parents[1]], paths  # <install>/ansible_collections


def test_validate_from_the_installed_copy(built, workdir):
    _tarball, installed, env, tmp = built
    report = workdir / "access-report.md"
    with untouched(installed):
        proc = run([BIN / "ansible-playbook", f"{COLLECTION}.validate", "-i", str(installed / "examples" / "inventory"),
                    "-e", "shared_resources_report_path=access-report.md"], env, workdir)
    assert "failed=0" in proc.stdout
    spec = yaml.safe_load((installed / "examples/inventory/group_vars/all/shared_resources.yml").read_text())[
        "shared_resources"]
    text = report.read_text()
    assert text.startswith("# Shared resources access report")
    assert f"Namespace: `{spec['namespace']}`" in text
    share_names = [s["name"] for s in spec["shares"]]
    access = text.split("## Access by user", 1)[1]
    header = next(line for line in access.splitlines() if line.startswith("| user |"))
    assert [c.strip() for c in header.strip("|").split("|")][1:] == share_names
    rows = {cells[0]: cells[1:] for cells in
            ([c.strip() for c in line.strip("|").split("|")] for line in access.splitlines()
             if line.startswith("| ") and not line.startswith(("| user", "|---")))}
    assert set(spec["users"]) <= set(rows)
    # A user in no group reads exactly the shares open to every user ("*"), and writes none.
    tiers = spec["tiers"]
    everyone = ["ro" if "*" in share.get("readers", tiers[share["tier"]]["readers"]) else "-"
                for share in spec["shares"]]
    for user, groups in spec["users"].items():
        if not groups:
            assert rows[user] == everyone, user


def test_the_examples_modeline_names_the_installed_schema(built):
    _tarball, installed, _env, _tmp = built
    example = installed / "examples/inventory/group_vars/all/shared_resources.yml"
    first = example.read_text().splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema=")
    schema = (example.parent / first.split("$schema=", 1)[1]).resolve()
    assert schema == (installed / "docs/shared_resources.schema.json").resolve()
    assert json.loads(schema.read_text())["title"] == "odh_rwx.shared_resources spec"


def test_render_site_from_the_installed_copy(built, workdir):
    _tarball, installed, env, tmp = built
    render_dir = workdir / "gitops"
    with untouched(installed):
        proc = run([BIN / "ansible-playbook", f"{COLLECTION}.site", "-i", str(installed / "examples" / "inventory"),
                    "-e", "shared_resources_render_dir=gitops/", "-e", f"@{installed / 'examples' / 'flavors' / 'z2jh.yml'}",
                    "-e", "example_z2jh_values_path=z2jh-values.yaml"], env, workdir, timeout=300)
    assert "failed=0" in proc.stdout
    assert yaml.safe_load((workdir / "z2jh-values.yaml").read_text())["hub"]["extraConfig"]
    spec = yaml.safe_load((installed / "examples/inventory/group_vars/all/shared_resources.yml").read_text())[
        "shared_resources"]
    namespace = spec["namespace"]
    files = {p.name: yaml.safe_load(p.read_text()) for p in render_dir.glob("*.yaml")}
    storage_class = files[f"storageclass_cluster_{spec['storage_class']['name']}.yaml"]
    assert storage_class["kind"] == "StorageClass"
    assert storage_class["parameters"]["server"] == "nfs.example.com"
    assert files[f"namespace_cluster_{namespace}.yaml"]["kind"] == "Namespace"
    for share in spec["shares"]:
        claim = files[f"persistentvolumeclaim_{namespace}_{share.get('claim_name', share['name'])}.yaml"]
        assert claim["spec"]["accessModes"] == ["ReadWriteMany"]
        assert claim["spec"]["storageClassName"] == spec["storage_class"]["name"]
        assert claim["spec"]["resources"]["requests"]["storage"] == share["size"]
        assert [n for n in files if n.startswith(f"job_{namespace}_dirs-{share['name']}-")], share["name"]
    for name, obj in files.items():
        assert name.startswith(obj["kind"].lower() + "_"), name


def _awx_plan(installed, env, cwd, *extra):
    proc = run([BIN / "ansible-playbook", f"{COLLECTION}.awx_configure", "-e", "awx_configure_dry_run=true", *extra],
               {**env, "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"}, cwd)
    tasks = json.loads(proc.stdout)["plays"][0]["tasks"]
    (shown,) = [t for t in tasks if t["task"]["name"].startswith("Show the planned objects")]
    for task in tasks:
        if task["task"]["name"].startswith(("Create", "Add", "Schedule")):
            assert task["hosts"]["localhost"].get("skipped"), f"dry run ran {task['task']['name']}"
    return proc.stdout, shown["hosts"]["localhost"]["msg"]


class _PlaybookLoader(yaml.SafeLoader):
    """SafeLoader that reads Ansible's !unsafe strings as plain strings."""


_PlaybookLoader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))


def _awx_task_args(installed):
    """{module: set of argument names} of the awx.awx tasks in playbooks/awx_configure.yml."""
    play = yaml.load((installed / "playbooks" / "awx_configure.yml").read_text(), Loader=_PlaybookLoader)[0]
    args = {}
    for block in play["tasks"]:
        for task in block.get("block", [block]):
            for key, value in task.items():
                if key.startswith("awx.awx."):
                    args[key.split(".")[-1]] = set(value)
    return args


def test_awx_configure_dry_run_from_the_installed_copy(built):
    _tarball, installed, env, tmp = built
    secret = "not-a-real-token-7d1f"
    stdout, plan = _awx_plan(installed, env, tmp, "-e", f"@{installed / 'examples' / 'awx' / 'awx_configure.yml'}",
                             "-e", f"awx_configure_k8s_bearer_token={secret}",
                             "-e", "awx_configure_scm_password=also-not-real-2c9e")
    assert secret not in stdout and "also-not-real-2c9e" not in stdout

    proc = run([BIN / "ansible-doc", "-j", *(f"awx.awx.{m}" for m in AWX_MODULES)], env, tmp)
    options = {name.split(".")[-1]: set(doc["doc"]["options"]) for name, doc in json.loads(proc.stdout).items()}
    task_args = _awx_task_args(installed)
    assert set(task_args) == set(AWX_MODULES)
    for module, passed in task_args.items():
        assert passed <= options[module], f"{module}: not options of awx.awx.{module}: {passed - options[module]}"

    planned = {
        "execution_environment": [plan["execution_environment"]],
        "credential": plan["credentials"],
        "project": [plan["project"]],
        "inventory": [plan["inventory"]],
        "host": plan["hosts"],
        "job_template": plan["job_templates"],
        "schedule": plan["schedules"],
    }
    for module, objects in planned.items():
        assert objects, module
        for obj in objects:
            # Every planned field is passed by the task, so the plan is what the controller gets.
            assert set(obj) <= task_args[module], f"{module} {obj.get('name')}: {set(obj) - task_args[module]}"

    # Credentials: the two placeholders, their inputs named but never shown.
    types = {c["credential_type"] for c in plan["credentials"]}
    assert types == {"OpenShift or Kubernetes API Bearer Token", "Source Control"}
    k8s = next(c["name"] for c in plan["credentials"] if c["credential_type"].startswith("OpenShift"))
    assert set(plan["credential_inputs_set"][k8s]) >= {"host", "bearer_token"}

    # The spec goes into the inventory as it is in the vars file (templated).
    spec = yaml.safe_load((installed / "examples/inventory/group_vars/all/shared_resources.yml").read_text())
    inventory_spec = plan["inventory"]["variables"]["shared_resources"]
    assert [s["name"] for s in inventory_spec["shares"]] == [s["name"] for s in spec["shared_resources"]["shares"]]
    assert inventory_spec["users"] == spec["shared_resources"]["users"]

    templates = {jt["name"].rsplit(" - ", 1)[1]: jt for jt in plan["job_templates"]}
    assert {t: jt["playbook"] for t, jt in templates.items()} == {
        "rollout": "playbooks/site.yml",
        "validate": "playbooks/validate.yml",
        "LMod sync": "playbooks/lmod_sync.yml",
        "JupyterHub profiles": "playbooks/site.yml",
    }
    for jt in plan["job_templates"]:
        assert (installed / jt["playbook"]).is_file()
        assert jt["project"] == plan["project"]["name"] and jt["inventory"] == plan["inventory"]["name"]
        assert jt["execution_environment"] == plan["execution_environment"]["name"]
        if jt["survey_enabled"]:
            for question in jt["survey_spec"]["spec"]:
                assert question.keys() >= {"question_name", "variable", "type", "required"}
                if question["type"] == "multiplechoice":
                    assert question["default"] in question["choices"]
                    # Survey answers are strings: yes/no answers reach the roles through `| bool`.
                    target = question["variable"].removeprefix("survey_")
                    assert f"{question['variable']} | default('false') | bool" in jt["extra_vars"][target]
    rollout = templates["rollout"]
    assert rollout["ask_job_type_on_launch"] and rollout["ask_tags_on_launch"] and rollout["ask_diff_mode_on_launch"]
    assert {q["variable"] for q in rollout["survey_spec"]["spec"]} >= {
        "shared_resources_render_dir", "survey_shared_resources_prune", "survey_shared_resources_lmod_force_sync"}
    assert templates["JupyterHub profiles"]["job_tags"] == "jupyterhub"
    assert templates["validate"]["credentials"] == []

    (schedule,) = plan["schedules"]
    assert schedule["unified_job_template"] == templates["JupyterHub profiles"]["name"]
    from dateutil.rrule import rrulestr

    rule = rrulestr(schedule["rrule"].replace(" RRULE:", "\nRRULE:"), forceset=True)
    first, second = rule[0], rule[1]
    assert (second - first).total_seconds() == 3600


def test_awx_configure_refuses_without_cluster_token(built):
    _tarball, _installed, env, tmp = built
    proc = subprocess.run([BIN / "ansible-playbook", f"{COLLECTION}.awx_configure"], env=env, cwd=tmp,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode != 0
    assert "awx_configure_k8s_bearer_token" in proc.stdout
    assert "TASK [Create the" not in proc.stdout  # stopped before any controller call


def test_awx_configure_reads_a_relative_inventory_file_from_the_working_directory(built, workdir):
    _tarball, installed, env, tmp = built
    spec = yaml.safe_load((installed / "examples/inventory/group_vars/all/shared_resources.yml").read_text())
    spec["shared_resources"]["namespace"] = "from-the-working-directory"
    (workdir / "vars.yml").write_text(yaml.safe_dump(spec))
    with untouched(installed):
        _stdout, plan = _awx_plan(installed, env, workdir, "-e", "awx_configure_inventory_vars_file=vars.yml",
                                  "-e", "awx_configure_k8s_bearer_token=x")
        missing = subprocess.run([BIN / "ansible-playbook", f"{COLLECTION}.awx_configure", "-e", "awx_configure_dry_run=true",
                                  "-e", "awx_configure_inventory_vars_file=missing.yml"], env=env, cwd=workdir, capture_output=True,
                                 text=True, timeout=120, check=False)
    assert plan["inventory"]["variables"]["shared_resources"]["namespace"] == "from-the-working-directory"
    assert missing.returncode != 0
    assert ("awx_configure_inventory_vars_file: %s is not a readable file (a relative path is taken from the directory "
            "ansible-playbook runs in)" % (workdir / "missing.yml")) in missing.stdout
