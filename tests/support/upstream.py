"""Upstream data files the tests read in place: ../shared/upstream/ next to the repository (never copied in).

A git worktree may sit one level deeper than the main checkout: the nearest ancestor's
shared/upstream is taken. /work/shared/upstream/README.md lists the files and where they come from.
"""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def upstream_path(*parts):
    """The path of an upstream data file; fails, naming where it looked, when the directory is missing."""
    for parent in REPO_ROOT.parents:
        directory = parent / "shared" / "upstream"
        if directory.is_dir():
            return directory.joinpath(*parts)
    raise FileNotFoundError("no shared/upstream directory next to %s or its parents: the upstream data files are missing" % REPO_ROOT)
