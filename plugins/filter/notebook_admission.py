# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import admission, admission_objects
from ansible_collections.odh_rwx.shared_resources.plugins.plugin_utils.spec_filters import (
    validated_available_shares,
    validated_restart_running,
    validated_spec,
    validated_users,
)

NAME = "notebook_admission_objects"


def read_module_utils(name):
    """The text of this collection's ``plugins/module_utils/<name>.py``, as installed: the very file the filters import."""
    module = importlib.import_module("%s.%s" % (admission_objects.PACKAGE, name))
    with open(module.__file__, encoding="utf-8") as handle:
        return handle.read()


def notebook_admission_objects(shared_resources, server, users=None, available_shares=None, restart_running=None, certificate=None):
    """The Notebook admission webhook's objects, its access map digest and the kinds to prune."""
    if not isinstance(server, str) or not server.strip():
        raise AnsibleFilterError("%s: server must be the text of roles/jupyterhub/files/notebook-admission, got %r" % (NAME, server))
    spec = validated_spec(NAME, shared_resources)
    config = admission.access_map(shared_resources, validated_users(NAME, spec, users), validated_available_shares(NAME, available_shares),
                                  validated_restart_running(NAME, spec, restart_running))
    enabled = spec.jupyterhub is not None and spec.jupyterhub.admission.enabled
    try:
        result = admission_objects.admission_objects(
            spec, admission_objects.code_files(server, read_module_utils) if enabled else {}, admission.access_map_text(config), certificate
        )
    except admission_objects.AdmissionObjectsError as exc:
        raise AnsibleFilterError("%s: %s" % (NAME, to_native(exc)))
    result["access_map"] = admission.access_map_digest(config)
    result["prune_kinds"] = admission_objects.prune_kinds(spec)
    return result


class FilterModule(object):
    def filters(self):
        return {NAME: notebook_admission_objects}
