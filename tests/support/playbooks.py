"""Run ansible-playbook from a test, with this repository's collection and the test's interpreter."""

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
