"""Make the collection importable as ansible_collections.odh_rwx.shared_resources.

`make venv` creates the same link; this keeps a bare `pytest` run working too.
"""

import os
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS_ROOT = os.path.join(REPO_ROOT, ".collections")
LINK = os.path.join(COLLECTIONS_ROOT, "ansible_collections", "odh_rwx", "shared_resources")

if not os.path.islink(LINK):
    os.makedirs(os.path.dirname(LINK), exist_ok=True)
    os.symlink(REPO_ROOT, LINK)
if COLLECTIONS_ROOT not in sys.path:
    sys.path.insert(0, COLLECTIONS_ROOT)
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)
