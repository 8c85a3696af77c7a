# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import rollout
from ansible_collections.odh_rwx.shared_resources.plugins.plugin_utils.spec_filters import validated_spec


def _flag(name, value):
    """A yes/no option (survey answers and -e bring strings)."""
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "1", "false", "no", "0", ""):
        return value.strip().lower() in ("true", "yes", "1")
    if not isinstance(value, bool):
        raise AnsibleFilterError("prune_scope: %s must be true or false, got %r" % (name, value))
    return value


def prune_scope(shared_resources, what, prune=False, prune_restricted=False, objects=None):
    """The k8s_apply_prune of one step of the collection's roles."""
    spec = validated_spec("prune_scope", shared_resources)
    try:
        return rollout.prune_scope(spec, what, _flag("prune", prune), _flag("prune_restricted", prune_restricted), objects)
    except ValueError as exc:
        raise AnsibleFilterError("prune_scope: %s" % exc)


def render_omissions(shared_resources):
    """What render mode leaves out, each with why."""
    return rollout.render_omissions(validated_spec("render_omissions", shared_resources))


class FilterModule(object):
    def filters(self):
        return {"prune_scope": prune_scope, "render_omissions": render_omissions}
