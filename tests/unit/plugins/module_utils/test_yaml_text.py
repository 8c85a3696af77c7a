import pytest
import yaml

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.manifest_files import render_manifest
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.yaml_text import dump_yaml, plain_data
from tests.support.tagged import exact_types, tagged

DATA = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "lmod-sync", "namespace": "rhods-notebooks", "labels": {"tier": "public"}},
    "data": {"script": "#!/bin/sh\nexit 0\n", "count": 3, "ratio": 0.5, "enabled": True, "items": ["a", 1, None]},
}


@pytest.mark.parametrize("unsafe", [False, True], ids=["trusted", "unsafe"])
def test_plain_data_turns_tagged_values_into_builtins(unsafe):
    value = tagged(DATA, unsafe)
    assert not exact_types(value)
    assert exact_types(plain_data(value)) and plain_data(value) == DATA
    assert plain_data((1, "a")) == [1, "a"]


@pytest.mark.parametrize("unsafe", [False, True], ids=["trusted", "unsafe"])
def test_every_yaml_writer_takes_tagged_data(unsafe):
    with pytest.raises(yaml.representer.RepresenterError):
        yaml.safe_dump(tagged(DATA, unsafe))  # what went wrong before
    assert dump_yaml(tagged(DATA, unsafe)) == dump_yaml(DATA)
    assert render_manifest(tagged(DATA, unsafe)) == render_manifest(DATA)


def test_yaml_is_stable_literal_and_unfolded():
    text = dump_yaml(dict(DATA, long="x" * 300))
    assert "  script: |\n    #!/bin/sh\n    exit 0\n" in text
    assert "long: " + "x" * 300 + "\n" in text
    assert text.index("apiVersion") < text.index("data") < text.index("kind")
    assert render_manifest(DATA).startswith("---\n")
