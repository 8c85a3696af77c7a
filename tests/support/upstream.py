"""Upstream data files (../shared/upstream, see its README), read in place, never copied into the project."""

import os

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def upstream_path(relative):
    """``<dir>/shared/upstream/<relative>`` for the nearest directory above the repository holding it.

    The repository's parent in a plain checkout (``../shared/upstream``); a worktree further down finds
    the same tree higher up.
    """
    directory = os.path.dirname(REPO_ROOT)
    while True:
        candidate = os.path.join(directory, "shared", "upstream", relative)
        if os.path.exists(candidate):
            return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            raise FileNotFoundError("shared/upstream/%s: not found above %s (see the developers' guide)" % (relative, REPO_ROOT))
        directory = parent
