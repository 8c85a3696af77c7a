# -*- coding: utf-8 -*-
# Copyright: (c) 2026, odh_rwx maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Text the collection writes (YAML files, JSON in objects and hook data) from data of any origin.

ansible-core 2.19 hands filters the values of inventories, vars files and ``-e`` as tagged
subclasses of ``str``, ``int``, ``float``, ``dict`` and ``list`` (and unsafe strings as ``str``
subclasses); ``yaml.SafeDumper`` represents exact types only ("cannot represent an object"). So
every serialiser converts with :func:`plain_data` first, whatever the data went through.

The YAML is stable, so that writing unchanged data changes no file: keys sorted, multi-line
strings as literal blocks, long lines never folded.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback

try:
    import yaml
except ImportError:
    HAS_YAML = False
    YAML_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_YAML = True
    YAML_IMPORT_ERROR = None

    class _LiteralDumper(yaml.SafeDumper):
        """SafeDumper that writes multi-line strings as literal blocks."""

    def _represent_str(dumper, value):
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _LiteralDumper.add_representer(str, _represent_str)


def plain_data(value):
    """``value`` with every ``bool``, ``int``, ``float``, ``str``, mapping and list or tuple made of the exact builtin types.

    Other values (None, and types no serialiser here knows) are returned as they are.
    """
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, dict):
        return dict((plain_data(key), plain_data(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [plain_data(item) for item in value]
    return value


def dump_yaml(value, explicit_start=False):
    """The YAML text of ``value`` (see the module docstring)."""
    return yaml.dump(
        plain_data(value),
        Dumper=_LiteralDumper,
        default_flow_style=False,
        sort_keys=True,
        explicit_start=explicit_start,
        allow_unicode=True,
        width=2 ** 31 - 1,
    )
