"""The Helm merge and the chart data of tests/jupyterhub/chart.py, on cases whose outcome Helm's source states."""

from tests.jupyterhub.chart import CHART_VERSIONS, chart_file, coalesce_with_defaults, helm_values, merge_value_files, schema_errors


def test_value_files_merge_maps_and_replace_everything_else():
    """helm/helm v3.19.5 pkg/cli/values/options.go mergeMaps: a map over a map merges, the rest replaces."""
    first = {"a": {"list": [1, 2], "map": {"x": 1}, "keep": 1}, "b": {"x": 1}}
    second = {"a": {"list": [3], "map": {"y": 2}, "keep": None}, "b": [1]}
    assert merge_value_files(first, second) == {"a": {"list": [3], "map": {"x": 1, "y": 2}, "keep": None}, "b": [1]}


def test_coalescing_with_the_chart_deletes_user_nulls_and_keeps_the_users_type():
    """pkg/chartutil/coalesce.go: user values win; a user null deletes (below the top level even a key the chart
    lacks); the chart's nulls stay; a table never mixes with a non-table."""
    defaults = {"hub": {"config": {"A": 1}, "nullable": None, "list": [], "table": {"x": 1}}, "top": 1}
    values = {"hub": {"config": None, "extra": None, "list": {"k": 1}, "table": [1]}, "top": None, "mine": None}
    assert coalesce_with_defaults(values, defaults) == {"hub": {"nullable": None, "list": {"k": 1}, "table": [1]}, "mine": None}


def test_the_chart_data_of_every_version_validates_its_own_defaults():
    for version in CHART_VERSIONS:
        assert schema_errors(version, helm_values(version)) == []
        assert chart_file(version, "values.yaml")["hub"]["extraConfig"] == {}
