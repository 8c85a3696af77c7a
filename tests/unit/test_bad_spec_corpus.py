"""Every spec of the bad-spec corpus is refused by the validation, naming the field path."""

import copy

import jsonpatch
import pytest
import yaml

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import SpecError, parse_spec

with open("tests/corpus/bad_specs.yml") as handle:
    CORPUS = yaml.safe_load(handle)
with open("examples/inventory/group_vars/all/shared_resources.yml") as handle:
    EXAMPLE = yaml.safe_load(handle)["shared_resources"]


def test_the_corpus_is_large_and_the_example_valid():
    assert len(CORPUS) >= 25
    parse_spec(EXAMPLE)


@pytest.mark.parametrize("case", CORPUS, ids=[case["name"] for case in CORPUS])
def test_bad_spec_is_refused_with_its_field_path(case):
    spec = jsonpatch.apply_patch(copy.deepcopy(EXAMPLE), case["patch"])
    with pytest.raises(SpecError) as caught:
        parse_spec(spec)
    assert any(case["error"] in error for error in caught.value.errors), caught.value.errors
