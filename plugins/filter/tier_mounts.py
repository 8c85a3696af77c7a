# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.access import access_for_groups, pod_volumes
from ansible_collections.odh_rwx.shared_resources.plugins.plugin_utils.spec_filters import validated_spec


def tier_mounts(shared_resources, groups):
    """Volumes, volume mounts and supplemental groups for a member of ``groups``."""
    if not isinstance(groups, (list, tuple)) or not all(isinstance(group, str) for group in groups):
        raise AnsibleFilterError("tier_mounts: groups must be a list of group names, got %r" % (groups,))
    return pod_volumes(access_for_groups(validated_spec("tier_mounts", shared_resources), groups))


class FilterModule(object):
    def filters(self):
        return {"tier_mounts": tier_mounts}
