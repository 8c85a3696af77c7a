"""roles/lmod_tree/files/notebook/Containerfile, read with BuildKit's own parser (PyPI dockerfile).

No container engine runs here: these check what can be checked without building - the user it
runs as (Pod Security "restricted", OpenShift's arbitrary UID in group 0), the pinned base and
extension, and that its Lmod and Jupyter defaults are the collection's notebook environment.
"""

import re
import string

import dockerfile
import pytest

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import lmod, spec_lmod
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import parse_spec

CONTAINERFILE = "roles/lmod_tree/files/notebook/Containerfile"


@pytest.fixture(scope="module")
def instructions():
    return dockerfile.parse_file(CONTAINERFILE)


def args_of(instructions):
    """ARG defaults, in order."""
    defaults = {}
    for instruction in instructions:
        if instruction.cmd == "ARG":
            name, _sep, value = instruction.value[0].partition("=")
            defaults[name] = value
    return defaults


def env_of(instructions, args):
    env = {}
    for instruction in instructions:
        if instruction.cmd == "ENV":
            pairs = instruction.value
            for name, value in zip(pairs[0::2], pairs[1::2]):
                env[name] = string.Template(value).substitute(args)
    return env


def test_it_ends_as_a_numeric_non_root_user(instructions):
    users = [instruction.value[0] for instruction in instructions if instruction.cmd == "USER"]
    # Numeric, so that runAsNonRoot admits it without runAsUser; OpenShift replaces the UID anyway.
    assert users[-1] == "1001"
    # Root only for the packages, then back to the workbench images' user before anything else runs.
    root_at = [index for index, instruction in enumerate(instructions) if instruction.cmd == "USER" and instruction.value[0] in ("0", "root")]
    for index in root_at:
        following = instructions[index + 1:]
        next_user = next(instruction for instruction in following if instruction.cmd == "USER")
        between = following[:following.index(next_user)]
        assert [instruction.cmd for instruction in between] == ["RUN"]
        assert between[0].value[0].startswith("dnf install")
        assert next_user.value[0] == "1001"


def test_nothing_weakens_the_pod(instructions):
    text = " ".join(" ".join(instruction.value) for instruction in instructions if instruction.cmd == "RUN")
    assert not re.search(r"chmod\s+[0-7]*[2367]7\b|chmod\s+[ugoa]*\+s|setcap|sudo", text)
    # The workbench's own entry point (start-notebook.sh) and port stay.
    assert not [instruction for instruction in instructions if instruction.cmd in ("ENTRYPOINT", "CMD", "EXPOSE")]


def test_the_base_and_the_extension_are_pinned(instructions):
    args = args_of(instructions)
    assert instructions[0].cmd == "ARG" and instructions[1].cmd == "FROM"
    assert instructions[1].value[0] == "${BASE_IMAGE}"
    repository, _sep, tag = args["BASE_IMAGE"].rpartition(":")
    assert repository == "quay.io/opendatahub/odh-workbench-jupyter-minimal-cpu-py312-ubi9"
    assert tag and tag != "latest"
    assert re.match(r"^\d+\.\d+\.\d+$", args["JUPYTERLMOD_VERSION"])
    installs = [instruction.value[0] for instruction in instructions if instruction.cmd == "RUN" and "pip install" in instruction.value[0]]
    assert len(installs) == 1 and '"jupyterlmod==${JUPYTERLMOD_VERSION}"' in installs[0] and "--no-deps" in installs[0]


def test_its_defaults_are_the_collection_notebook_environment(instructions, example_spec):
    """The image's Lmod and Jupyter variables equal what lmod.notebook_environment sets for its build arguments."""
    args = args_of(instructions)
    example_spec["shares"].append({"name": "software", "tier": "public", "size": "1Gi", "mount_path": args["LMOD_TREE"]})
    example_spec["lmod"] = {
        "share": "software",
        "modulefiles_dir": args["LMOD_MODULEFILES_DIR"],
        "source": {"type": "image", "image": "quay.io/example/apps:1", "path": "/apps"},
    }
    expected = lmod.notebook_environment(parse_spec(example_spec))["env"]
    assert env_of(instructions, args) == expected
    assert expected["LMOD_CMD"].startswith(spec_lmod.DEFAULT_LMOD_PREFIX + "/")


def test_other_build_arguments_follow(instructions, example_spec):
    args = dict(args_of(instructions), LMOD_TREE="/opt/hpc", LMOD_MODULEFILES_DIR="modules/all")
    env = env_of(instructions, args)
    assert env["MODULEPATH"] == "/opt/hpc/current/modules/all"
    assert env["JUPYTER_PATH"] == "/opt/hpc/current/share/jupyter"
