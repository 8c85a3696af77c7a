# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import notebooks as notebook_utils
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.lmod import notebook_environment
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import SpecError, parse_spec, parse_users

FILTER = "notebook_patches"


def _setting(spec, shared_resources, name, default):
    """A setting of the parsed jupyterhub section, or of the raw one while spec.py does not parse it."""
    section = spec.jupyterhub
    if section is None:
        section = shared_resources.get("jupyterhub") or {}
    if isinstance(section, dict):
        value = section.get(name)
    else:
        value = getattr(section, name, None)
    return default if value is None else value


def check_namespaces(spec, namespaces):
    """Errors for notebook namespaces the shares cannot reach: their claims live in spec.namespace only."""
    if not isinstance(namespaces, (list, tuple)):
        return ["jupyterhub.notebook_namespaces: must be a list of namespaces, got %r" % (namespaces,)]
    return [
        "jupyterhub.notebook_namespaces[%d]: %r is not the namespace of the share claims (%s); PVCs are namespaced and the "
        "odh_notebooks flavour does not create claims in other namespaces yet: list only %s" % (index, namespace, spec.namespace, spec.namespace)
        for index, namespace in enumerate(namespaces)
        if namespace != spec.namespace
    ]


def notebook_patches(notebooks, shared_resources, users=None, restart_running=None):
    """Merge patches that give each owner's Notebook exactly its shares, LMod and supplemental groups."""
    if not isinstance(notebooks, list) or not all(isinstance(notebook, dict) for notebook in notebooks):
        raise AnsibleFilterError("%s: the input must be the list of Notebook objects (k8s_info resources), got %r" % (FILTER, notebooks))
    if not isinstance(shared_resources, dict):
        raise AnsibleFilterError("%s: shared_resources must be the spec mapping, got %r" % (FILTER, shared_resources))
    try:
        spec = parse_spec(shared_resources)
        users = spec.users if users is None else parse_users(users, path="users (argument)")
    except SpecError as exc:
        raise AnsibleFilterError("%s: %s" % (FILTER, to_native(exc)))
    errors = check_namespaces(spec, _setting(spec, shared_resources, "notebook_namespaces", [spec.namespace]))
    if restart_running is None:
        restart_running = _setting(spec, shared_resources, "restart_running", False)
    if not isinstance(restart_running, bool):
        errors.append("restart_running: must be true or false, got %r" % (restart_running,))
    if errors:
        raise AnsibleFilterError("%s: invalid shared_resources spec:\n  - %s" % (FILTER, "\n  - ".join(errors)))
    return notebook_utils.plan_notebooks(spec, notebooks, users, notebook_environment(spec), restart_running)


class FilterModule(object):
    def filters(self):
        return {FILTER: notebook_patches}
