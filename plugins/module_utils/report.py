# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The access report: who gets which share, as Markdown tables."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.access import (
    NO_ACCESS,
    READ_ONLY,
    READ_WRITE,
)

_CELL = {READ_WRITE: "rw", READ_ONLY: "ro", NO_ACCESS: "-"}


def _escape(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(header, rows):
    lines = ["| " + " | ".join(_escape(cell) for cell in header) + " |", "|" + "---|" * len(header)]
    lines.extend("| " + " | ".join(_escape(cell) for cell in row) + " |" for row in rows)
    return lines


def _principals(names):
    return ", ".join(names) if names else "-"


def render_report(spec, matrix, signatures):
    """Render the access report of a spec, its access matrix and signatures."""
    users = sorted(set(user for row in matrix.values() for user in row))
    lines = ["# Shared resources access report", "", "Namespace: `%s`" % spec.namespace, ""]
    lines.append("## Shares")
    lines.append("")
    lines.extend(
        _table(
            ["share", "tier", "claim", "size", "mount path", "gid", "read-write", "read-only"],
            [
                [
                    share.name,
                    share.tier + (" (restricted)" if share.restricted else ""),
                    share.claim_name,
                    share.size,
                    share.mount_path,
                    share.gid,
                    _principals(share.writers),
                    _principals(share.readers),
                ]
                for share in spec.shares
            ],
        )
    )
    lines.extend(["", "## Access by user", ""])
    if users:
        share_names = [share.name for share in spec.shares]
        lines.extend(
            _table(["user"] + share_names, [[user] + [_CELL[matrix[name][user]] for name in share_names] for user in users])
        )
    else:
        lines.append("No users are known: declare `shared_resources.users` or pass `users`.")
    lines.extend(["", "## Access signatures", "", "%d users, %d distinct signatures." % (len(users), len(signatures)), ""])
    lines.extend(
        _table(
            ["signature", "users", "shares"],
            [
                [
                    signature.id,
                    len(signature.users),
                    ", ".join("%s (%s)" % (access.share.name, access.mode) for access in signature.accesses) or "none",
                ]
                for signature in signatures
            ],
        )
    )
    return "\n".join(lines) + "\n"
