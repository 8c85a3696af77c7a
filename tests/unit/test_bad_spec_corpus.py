"""Every spec of the bad-spec corpus is refused by the validation, naming the field path; the schema
(docs/shared_resources.schema.json) refuses it too at that field or above it when the corpus says it
can see the mistake, and accepts it when the corpus says only the validator can, and why."""

import copy

import jsonpatch
import pytest
import yaml

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import SpecError, parse_spec
from tests.support.spec_schema import example_spec, field_path, schema_error_paths, schema_errors, within

with open("tests/corpus/bad_specs.yml") as handle:
    CORPUS = yaml.safe_load(handle)
EXAMPLE = example_spec()


def bad_spec(case):
    return jsonpatch.apply_patch(copy.deepcopy(EXAMPLE), case["patch"])


def test_the_corpus_is_large_and_the_example_valid():
    assert len(CORPUS) >= 25
    parse_spec(EXAMPLE)
    assert schema_errors(EXAMPLE) == []


def test_the_corpus_covers_both_kinds_and_every_section():
    assert {case["schema"] for case in CORPUS} == {True, False}
    assert all(case.get("because") for case in CORPUS if not case["schema"])
    assert not any("because" in case for case in CORPUS if case["schema"])
    sections = {field_path(case["error"]).split(".")[0].split("[")[0] for case in CORPUS}
    assert {"namespace", "tiers", "shares", "users", "storage_class", "quota", "lmod", "jupyterhub", "permissions"} <= sections
    paths = {field_path(case["error"]) for case in CORPUS}
    for section in ("jupyterhub.admission", "jupyterhub.z2jh", "lmod.kernels", "lmod.notebook_image", "lmod.jupyter_path",
                    "lmod.source", "permissions"):
        assert any(within(path, section) or path.startswith(section) for path in paths), section


@pytest.mark.parametrize("case", CORPUS, ids=[case["name"] for case in CORPUS])
def test_bad_spec_is_refused_with_its_field_path(case):
    with pytest.raises(SpecError) as caught:
        parse_spec(bad_spec(case))
    assert any(case["error"] in error for error in caught.value.errors), caught.value.errors


@pytest.mark.parametrize("case", CORPUS, ids=[case["name"] for case in CORPUS])
def test_the_schema_sees_what_the_corpus_says_it_sees(case):
    found = schema_error_paths(schema_errors(bad_spec(case)))
    if case["schema"]:
        field = field_path(case["error"])
        assert any(within(field, path) for path in found), (field, sorted(found))
    else:
        assert found == set(), "the schema sees it after all (%s): set schema: true" % sorted(found)
