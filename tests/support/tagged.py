"""Data as ansible-core 2.19 hands it to filters: tagged subclasses of the builtin types.

Values from inventories, vars files and ``-e`` reach filters as ``_AnsibleTaggedStr``,
``_AnsibleTaggedDict`` ... (ansible.module_utils._internal._datatag), tagged with their Origin, and strings that may be
templated also with TrustedAsTemplate; ``!unsafe`` strings lack that tag. The integration tests
drive the real thing through ansible-playbook; this builds the same types for unit tests of every
serialiser.
"""

from ansible._internal._datatag._tags import Origin, TrustedAsTemplate

ORIGIN = Origin(path="/inventory/group_vars/all/shared_resources.yml", line_num=1)
TRUSTED = TrustedAsTemplate()


def tagged(value, unsafe=False):
    """``value`` with every str, int, float, list and dict tagged; strings not trusted as templates with ``unsafe``."""
    if isinstance(value, dict):
        return ORIGIN.tag(dict((tagged(key, unsafe), tagged(item, unsafe)) for key, item in value.items()))
    if isinstance(value, list):
        return ORIGIN.tag([tagged(item, unsafe) for item in value])
    if isinstance(value, str):
        return ORIGIN.tag(value) if unsafe else TRUSTED.tag(ORIGIN.tag(value))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return ORIGIN.tag(value)
    return value


EXACT_TYPES = frozenset([dict, list, str, int, float, bool, type(None)])


def exact_types(value):
    """Whether ``value`` holds only exact builtin types (what yaml.SafeDumper can represent)."""
    if type(value) not in EXACT_TYPES:
        return False
    if isinstance(value, dict):
        return all(exact_types(key) and exact_types(item) for key, item in value.items())
    if isinstance(value, list):
        return all(exact_types(item) for item in value)
    return True
