# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every filter of the collection does first: validate the whole spec."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import SpecError, parse_spec


def validated_spec(filter_name, shared_resources):
    """The parsed spec; a bad spec fails the filter, naming every problem by its field path."""
    try:
        return parse_spec(shared_resources)
    except SpecError as exc:
        raise AnsibleFilterError("%s: %s" % (filter_name, to_native(exc)))
