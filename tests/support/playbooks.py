"""Run ansible-playbook from a test, with this repository's collection and the test's interpreter."""

import json
import os
import subprocess
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def ansible_env(base=None, **extra):
    """``base`` (default: this process's environment) with the repository's collection on the path."""
    env = dict(base or os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO_ROOT, ".collections"), **extra)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env["PATH"]
    return env


def run_playbook(playbook, *args, env=None, inventory=None):
    """ansible-playbook on localhost (or ``inventory``); returns the CompletedProcess."""
    target = ["-i", inventory] if inventory else ["-i", "localhost,", "-c", "local"]
    command = ["ansible-playbook"] + target + [str(playbook), "-e", "ansible_python_interpreter=" + sys.executable] + list(args)
    return subprocess.run(command, env=env or ansible_env(), capture_output=True, text=True, check=False)


def run_role(tmp_path, role, variables, *args, env=None):
    """A play on localhost with one role of the collection and ``variables`` as extra vars (``-e @file``, as
    ansible-core tags them); returns the CompletedProcess."""
    playbook = tmp_path / ("%s.yml" % role)
    playbook.write_text(
        "- hosts: localhost\n  gather_facts: false\n  roles:\n    - role: odh_rwx.shared_resources.%s\n" % role
    )
    extra = tmp_path / "variables.json"
    extra.write_text(json.dumps(variables))
    return run_playbook(playbook, "-e", "@" + str(extra), *args, env=env)
