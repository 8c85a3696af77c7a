"""Upstream data files the tests read in place: ../shared/upstream/ next to the repository (never copied in).

/work/shared/upstream/README.md lists the files and where they come from. The directory is looked
for, in order:
- in ``$ODH_RWX_UPSTREAM_DIR`` when set;
- next to the repository or any directory above it (a git worktree may sit one level deeper than
  the main checkout);
- next to the repository this one was cloned from, when that is a local path (a clean clone made
  elsewhere, such as ``git clone /work/main /tmp/cleancheck``, reads its origin's neighbour).
"""

import os
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def _origin_path():
    completed = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "config", "--get", "remote.origin.url"], capture_output=True, text=True, check=False
    )
    url = completed.stdout.strip()
    if url.startswith("file://"):
        url = url[len("file://"):]
    return Path(url).resolve() if url.startswith("/") else None


def _candidates():
    if os.environ.get("ODH_RWX_UPSTREAM_DIR"):
        yield Path(os.environ["ODH_RWX_UPSTREAM_DIR"])
    for parent in REPO_ROOT.parents:
        yield parent / "shared" / "upstream"
    origin = _origin_path()
    if origin is not None:
        for parent in origin.parents:
            yield parent / "shared" / "upstream"


def upstream_path(*parts):
    """The path of an upstream data file; fails, naming where it looked, when the directory is missing."""
    looked = []
    for directory in _candidates():
        if directory.is_dir():
            return directory.joinpath(*parts)
        looked.append(str(directory))
    raise FileNotFoundError("no shared/upstream directory (the upstream data files) at: %s" % ", ".join(looked))
