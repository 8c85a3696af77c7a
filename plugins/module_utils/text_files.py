# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Text files the modules write on the controller: read the current content, replace it atomically."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import tempfile

from ansible.module_utils.common.text.converters import to_bytes, to_text


def read_text(path):
    """The file's text, or None when it cannot be read (missing, say)."""
    try:
        with open(path, "rb") as handle:
            return to_text(handle.read())
    except (IOError, OSError):
        return None


def write_text_atomically(module, path, text):
    """Replace ``path`` with ``text`` in one rename, so a reader never sees half a file."""
    fd, temporary = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), prefix=".odh-rwx-")
    module.add_cleanup_file(temporary)
    with os.fdopen(fd, "wb") as handle:
        handle.write(to_bytes(text))
    module.atomic_move(temporary, os.path.abspath(path))
