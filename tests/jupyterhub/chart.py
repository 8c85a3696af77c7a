"""The zero-to-jupyterhub chart as Helm hands it values: its defaults, Helm's merge, its schema.

The data files are the chart's own, read in place from ../shared/upstream/z2jh-<version>/ (tags
4.2.0 and 4.4.0 of jupyterhub/zero-to-jupyterhub-k8s, jupyterhub/values.yaml and
jupyterhub/values.schema.yaml; /work/shared/upstream/README.md). The other versions of the range
are checked through the facts below, read at their tags with ``fetch``.
"""

import copy
from collections import namedtuple
import jsonschema
import yaml

from tests.support.upstream import upstream_path

ChartVersion = namedtuple("ChartVersion", "data hub_config mapping_volumes")

# What the collection's values and the operator's values used in the tests depend on, per chart
# version (jupyterhub/zero-to-jupyterhub-k8s at the tag):
# - jupyterhub/files/hub/jupyterhub_config.py is one blob, ad742ed4, at 4.0.0, 4.1.0 and 4.2.0 (lists,
#   extraVolumes and extraVolumeMounts ``.extend()`` them: L339-343 at 4.2.0) and another, 00e05f90,
#   at 4.3.0 and 4.4.0 (mappings, a list or a mapping of extra entries: L342-362 at 4.4.0); z2jh.py is
#   one blob, f4d7be69, at all of them.
# - jupyterhub/values.schema.yaml: ``hub`` has additionalProperties false; ``hub.extraConfig`` (L1049 at
#   4.0.0 and 4.2.0, L1061 at 4.3.0 and 4.4.0) is {type: object, additionalProperties: true} at all four;
#   ``hub.config`` (L208) is the same schema at 4.0.0 and 4.2.0 (additionalProperties true) and at 4.3.0
#   and 4.4.0 (additionalProperties false, patternProperties '^[A-Z].*$' objects);
#   ``singleuser.storage.extraVolumes`` / ``extraVolumeMounts`` are type array at 4.0.0 to 4.2.0,
#   [object, array] at 4.3.0, [object, array, null] at 4.4.0.
# - jupyterhub/values.yaml: ``hub.config`` is {JupyterHub: {admin_access: true, authenticator_class:
#   dummy}} and ``hub.extraConfig`` {} at all four.
# So 4.0.0 takes these values as 4.2.0 does and 4.3.0 as 4.4.0 does: each is tested with that
# version's data files and hub configuration.
CHART_VERSIONS = {
    "4.0.0": ChartVersion(data="4.2.0", hub_config="lists", mapping_volumes=False),
    "4.2.0": ChartVersion(data="4.2.0", hub_config="lists", mapping_volumes=False),
    "4.3.0": ChartVersion(data="4.4.0", hub_config="mappings", mapping_volumes=True),
    "4.4.0": ChartVersion(data="4.4.0", hub_config="mappings", mapping_volumes=True),
}


def chart_file(version, name):
    return yaml.safe_load(upstream_path("z2jh-" + CHART_VERSIONS[version].data, name).read_text())


def merge_value_files(*files):
    """What ``helm -f a.yaml -f b.yaml`` makes of the files: helm/helm v3.19.5, pkg/cli/values/options.go
    ``mergeMaps`` (L108-123): a mapping over a mapping merges, anything else (list, scalar, null) replaces."""
    merged = {}
    for values in files:
        merged = _merge_maps(merged, values or {})
    return merged


def _merge_maps(base, values):
    out = dict(base)
    for key, value in values.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge_maps(out[key], value)
        else:
            out[key] = value
    return out


def coalesce_with_defaults(values, defaults):
    """The user's values over the chart's: helm/helm v3.19.5, pkg/chartutil/coalesce.go ``coalesceValues``
    (L195-253) over the chart's top-level keys, ``coalesceTablesFullKey`` (L278-310) below them. The user's
    value wins and tables in both merge; a user's null deletes the key (below the top level also a key the
    chart does not have, L286-290); the chart's nulls are kept; a table and a non-table never mix - the
    user's value stays (L230-238, L299-307)."""
    result = copy.deepcopy(values)
    for key, default in copy.deepcopy(defaults).items():
        if key not in result:
            result[key] = default
        elif result[key] is None:
            del result[key]
        elif isinstance(result[key], dict) and isinstance(default, dict):
            _coalesce_tables(result[key], default)
    return result


def _coalesce_tables(dst, src):
    for key in [key for key, value in dst.items() if value is None]:
        src[key] = None
    for key, value in src.items():
        if key in dst and dst[key] is None:
            del dst[key]
        elif key not in dst:
            dst[key] = value
        elif isinstance(value, dict) and isinstance(dst[key], dict):
            _coalesce_tables(dst[key], value)


def helm_values(version, *files):
    """The values the chart's templates (and so its hub) see after ``helm upgrade -f file ...``."""
    return coalesce_with_defaults(merge_value_files(*files), chart_file(version, "values.yaml"))


def schema_errors(version, values):
    """The messages of the chart's values.schema.yaml (JSON Schema draft 7) for these values, as Helm checks them."""
    validator = jsonschema.Draft7Validator(chart_file(version, "values.schema.yaml"))
    return sorted("%s: %s" % ("/".join(str(part) for part in error.absolute_path), error.message) for error in validator.iter_errors(values))
