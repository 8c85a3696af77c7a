# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the filters of the collection check first: the whole spec, and the arguments they share."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import SpecError, parse_spec, parse_users


def validated_spec(filter_name, shared_resources):
    """The parsed spec; a bad spec fails the filter, naming every problem by its field path."""
    try:
        return parse_spec(shared_resources)
    except SpecError as exc:
        raise AnsibleFilterError("%s: %s" % (filter_name, to_native(exc)))


def validated_run_as_user(filter_name, run_as_user):
    """A pod UID given to a filter: None, or a non-root integer (extra vars bring it as a string)."""
    if isinstance(run_as_user, str) and run_as_user.isdigit():
        run_as_user = int(run_as_user)
    if run_as_user is not None and (isinstance(run_as_user, bool) or not isinstance(run_as_user, int) or run_as_user < 1):
        raise AnsibleFilterError("%s: run_as_user must be a non-root uid, got %r" % (filter_name, run_as_user))
    return run_as_user


def validated_users(filter_name, spec, users):
    """The membership given to a filter (user -> groups), or the spec's own when None."""
    try:
        return spec.users if users is None else parse_users(users, path="users (argument)")
    except SpecError as exc:
        raise AnsibleFilterError("%s: %s" % (filter_name, to_native(exc)))


def validated_restart_running(filter_name, spec, restart_running):
    """``restart_running`` given to a filter, or ``jupyterhub.restart_running`` of the spec when None."""
    if restart_running is None:
        restart_running = spec.jupyterhub.restart_running if spec.jupyterhub is not None else False
    if not isinstance(restart_running, bool):
        raise AnsibleFilterError("%s: restart_running: must be true or false, got %r" % (filter_name, restart_running))
    return restart_running


def validated_available_shares(filter_name, value):
    """Notebook namespace -> names of the shares whose claim is there (None: every share its audience may read)."""
    if value is None:
        return None
    if not isinstance(value, dict) or not all(isinstance(names, list) for names in value.values()):
        raise AnsibleFilterError(
            "%s: available_shares must map each notebook namespace to the names of its shares (the available of "
            "notebook_plan or notebook_namespace_claims), got %r" % (filter_name, value)
        )
    return value
