# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.errors import AnsibleFilterError

# The options of kubernetes.core's connection settings (shared_resources_k8s_auth) that name files.
AUTH_PATH_OPTIONS = ("kubeconfig", "ca_cert", "client_cert", "client_key")


def _resolve(path):
    # Filters run in the controller's process, whose working directory is where ansible-playbook was started;
    # modules run in the playbook's directory (inside the installed collection for its playbooks).
    return os.path.abspath(os.path.join(os.getcwd(), os.path.expanduser(path)))


def user_path(value):
    """``value`` as the user meant it: ``~`` expanded, a relative path joined to the directory ansible-playbook runs in.

    An empty value (an unset option) stays empty; a mapping is taken as kubernetes.core connection settings, whose
    file options are resolved so.
    """
    if isinstance(value, dict):
        return dict(
            (key, _resolve(item) if key in AUTH_PATH_OPTIONS and isinstance(item, str) and item else item) for key, item in value.items()
        )
    if value is None or value == "":
        return value
    if not isinstance(value, str):
        raise AnsibleFilterError("user_path: expects a path, got %r" % (value,))
    return _resolve(value)


class FilterModule(object):
    def filters(self):
        return {"user_path": user_path}
