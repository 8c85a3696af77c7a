# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import notebooks as notebook_utils
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.lmod import notebook_environment
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.notebook_claims import plan_namespace_claims
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.storage import StaticVolumeError
from ansible_collections.odh_rwx.shared_resources.plugins.plugin_utils.spec_filters import (
    validated_available_shares,
    validated_restart_running,
    validated_spec,
    validated_users,
)

PATCHES = "notebook_patches"
CLAIMS = "notebook_namespace_claims"


def _objects(filter_name, value, what):
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise AnsibleFilterError("%s: %s must be a list of objects (k8s_info resources), got %r" % (filter_name, what, value))
    return value


def notebook_patches(notebooks, shared_resources, users=None, restart_running=None, available_shares=None):
    """Merge patches that give each owner's Notebook exactly its shares, LMod and supplemental groups."""
    _objects(PATCHES, notebooks, "the input")
    spec = validated_spec(PATCHES, shared_resources)
    return notebook_utils.plan_notebooks(
        spec, notebooks, validated_users(PATCHES, spec, users), notebook_environment(spec),
        validated_restart_running(PATCHES, spec, restart_running), validated_available_shares(PATCHES, available_shares)
    )


def notebook_namespace_claims(volumes, shared_resources, claims):
    """Static volumes and claims that give the other notebook namespaces their audience's shares."""
    _objects(CLAIMS, volumes, "the input (PersistentVolumes)")
    _objects(CLAIMS, claims, "claims")
    spec = validated_spec(CLAIMS, shared_resources)
    try:
        return plan_namespace_claims(spec, volumes, claims)
    except StaticVolumeError as exc:
        raise AnsibleFilterError("%s: %s" % (CLAIMS, to_native(exc)))


class FilterModule(object):
    def filters(self):
        return {PATCHES: notebook_patches, CLAIMS: notebook_namespace_claims}
