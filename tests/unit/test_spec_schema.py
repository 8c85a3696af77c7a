"""docs/shared_resources.schema.json, the spec's one reference, against the validator (plugins/module_utils/spec*.py).

- the schema is a valid draft-07 schema; docs/spec.md is what tools/spec_reference.py makes of it;
- every field has a description and says its default (or is required); unknown fields are refused in
  every mapping, by the schema and by the validator alike;
- both know the same fields in every section, the same allowed values, the same flavour-only fields;
- every literal default of the schema is the validator's: a field left out parses as the field set to it;
- the schema accepts every spec the project ships (the example inventory as a file and as Ansible renders
  it with each examples/flavors file, molecule/kind's, the YAML snippets of the README and docs/) and the
  specs the hypothesis strategies generate; the validator accepts them too;
- for the formats (quantities, names, paths, group names, ...) the schema accepts exactly what the
  validator accepts, on generated values; where the schema only checks the shape (cron schedules), it
  never refuses what the validator accepts.

The bad-spec corpus is checked both ways in tests/unit/test_bad_spec_corpus.py.
"""

import copy
import glob
import json
import os
import re

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator

from ansible_collections.odh_rwx.shared_resources.plugins.module_utils import (
    spec,
    spec_admission,
    spec_jupyterhub,
    spec_lmod,
    spec_permissions,
    spec_storage,
    validation,
)
from ansible_collections.odh_rwx.shared_resources.plugins.module_utils.spec import parse_spec
from tests.support.playbooks import run_playbook
from tests.support.spec_schema import (
    REPO_ROOT,
    SCHEMA,
    complete_specs,
    example_spec,
    field_path,
    load_yaml,
    merged,
    schema_error_paths,
    schema_errors,
    to_field_path,
    validator_errors,
    within,
)
from tests.support.strategies import organisations
from tools import spec_reference

DEFINITIONS = SCHEMA["definitions"]


# --- walking the schema ----------------------------------------------------------------------------


def resolve(node):
    """The schema a field stands for, through $ref and the allOf/anyOf wrappers around one."""
    return spec_reference.resolve(DEFINITIONS, node)


def variant_fields(node):
    """Fields an object declares in if/then branches of its own (lmod.source's per type)."""
    fields = {}
    for rule in node.get("allOf", []):
        fields.update(spec_reference.branch_fields(rule.get("then", {})))
    return fields


def declared_fields(node):
    return dict(node.get("properties", {}), **variant_fields(node))


def objects(node, path="", found=None):
    """{pattern: object schema} of every mapping of the spec with fields: '', 'tiers.<name>', 'shares[]', ..."""
    found = {} if found is None else found
    node = resolve(node)
    if declared_fields(node):
        found[path] = node
        for name, sub in declared_fields(node).items():
            objects(sub, ("%s.%s" % (path, name)).lstrip("."), found)
    values = node.get("additionalProperties")
    if isinstance(values, dict) and resolve(values).get("properties"):
        objects(values, path + ".<name>", found)
    items = node.get("items")
    if isinstance(items, dict):
        for item in [items] + items.get("anyOf", []):
            if resolve(item).get("properties"):
                objects(item, path + "[]", found)
    return found


OBJECTS = objects(DEFINITIONS["spec"])


def locations(data, node, path="", location=()):
    """(pattern, location, mapping) of every mapping of a concrete spec that the schema gives fields."""
    node = resolve(node)
    if isinstance(data, dict) and declared_fields(node):
        yield path, location, data
        for name, sub in declared_fields(node).items():
            if name in data:
                yield from locations(data[name], sub, ("%s.%s" % (path, name)).lstrip("."), location + (name,))
    values = node.get("additionalProperties")
    if isinstance(data, dict) and isinstance(values, dict) and not declared_fields(node):
        for key, value in data.items():
            yield from locations(value, values, path + ".<name>", location + (key,))
    items = node.get("items")
    if isinstance(data, list) and isinstance(items, dict):
        for position, value in enumerate(data):
            for item in [items] + items.get("anyOf", []):
                if isinstance(value, dict) and resolve(item).get("properties"):
                    yield from locations(value, item, path + "[]", location + (position,))


def at(spec_data, location):
    for part in location:
        spec_data = spec_data[part]
    return spec_data


COMPLETE = complete_specs()


def every_location():
    return [(name, pattern, location) for name, data in COMPLETE for pattern, location, _mapping in locations(data, DEFINITIONS["spec"])]


# --- the schema itself and the page made from it ---------------------------------------------------


def test_the_schema_is_a_valid_draft_7_schema():
    Draft7Validator.check_schema(SCHEMA)
    assert SCHEMA["required"] == ["shared_resources"]


def test_docs_spec_md_is_generated_from_the_schema():
    with open(os.path.join(REPO_ROOT, "docs", "spec.md")) as handle:
        assert handle.read() == spec_reference.render(SCHEMA), "docs/spec.md is stale: run make spec-reference"


def test_the_page_documents_every_field():
    page = spec_reference.render(SCHEMA)
    for pattern, node in OBJECTS.items():
        title = "shared_resources" + ("." + pattern if pattern and not pattern.startswith(".") else pattern)
        assert "`%s`" % title in page, title
        for name in declared_fields(node):
            assert "| `%s` |" % name in page, (pattern, name)


def field_groups(node):
    """(fields, required) of an object, and of each variant of it (lmod.source per type) on its own."""
    groups = [(node.get("properties", {}), set(node.get("required", [])))]
    for rule in node.get("allOf", []):
        fields = spec_reference.branch_fields(rule.get("then", {}))
        if fields:
            groups.append((fields, set(rule["then"].get("required", []))))
    return groups


def test_every_field_is_described_and_says_its_default():
    for pattern, node in OBJECTS.items():
        assert node.get("description"), pattern
        for fields, required in field_groups(node):
            for name, field in fields.items():
                where = "%s.%s" % (pattern, name)
                assert field.get("description"), where
                if name in required:
                    assert "default" not in field and "x-default" not in field, "%s is required: no default" % where
                else:
                    assert "default" in field or field.get("x-default"), "%s: give its default (default or x-default)" % where


def test_narrowing_rules_only_name_declared_fields():
    for pattern, node in OBJECTS.items():
        for rule in node.get("allOf", []):
            for branch in ("then", "else"):
                names = set(rule.get(branch, {}).get("properties", {}))
                assert names <= set(declared_fields(node)), (pattern, names - set(declared_fields(node)))


def test_every_format_has_a_title_a_description_and_an_editor_message():
    for name, definition in DEFINITIONS.items():
        if name == "spec":
            continue
        assert definition.get("title") and definition.get("description"), name
        if "pattern" in definition:
            assert definition.get("patternErrorMessage"), name


# --- the same fields and values as the validator ---------------------------------------------------

FIELDS = {
    "": spec.TOP_LEVEL_KEYS,
    "tiers.<name>": spec.TIER_KEYS,
    "shares[]": spec.SHARE_KEYS,
    "quota": spec.QUOTA_KEYS,
    "storage_class": spec_storage.STORAGE_CLASS_KEYS,
    "storage_class.static_volume_secret": spec_storage.STATIC_VOLUME_SECRET_KEYS,
    "permissions": spec_permissions.PERMISSIONS_KEYS,
    "lmod": spec_lmod.LMOD_KEYS,
    "lmod.source": ("type",) + tuple(field for required, optional in spec_lmod.SOURCE_FIELDS.values() for field in required + optional),
    "lmod.kernels[]": spec_lmod.KERNEL_KEYS,
    "lmod.notebook_image": spec_lmod.NOTEBOOK_IMAGE_KEYS,
    "jupyterhub": spec_jupyterhub.JUPYTERHUB_KEYS,
    "jupyterhub.notebook_namespaces[]": spec_jupyterhub.NOTEBOOK_NAMESPACE_KEYS,
    "jupyterhub.z2jh": spec_jupyterhub.Z2JH_KEYS,
    "jupyterhub.admission": spec_admission.ADMISSION_KEYS,
    "jupyterhub.admission.certificates": spec_admission.CERTIFICATE_KEYS,
    "jupyterhub.admission.certificates.issuer": spec_admission.ISSUER_KEYS,
    "jupyterhub.admission.resources": spec_admission.RESOURCE_KEYS,
    "jupyterhub.admission.resources.requests": spec_admission.RESOURCE_NAMES,
    "jupyterhub.admission.resources.limits": spec_admission.RESOURCE_NAMES,
}

CHOICES = {
    ("jupyterhub", "flavor"): spec_jupyterhub.FLAVORS,
    ("jupyterhub", "groups_from"): spec_jupyterhub.GROUP_SOURCES,
    ("storage_class", "backend"): spec_storage.BACKEND_NAMES,
    ("storage_class", "flavor"): spec_storage.CEPHFS_FLAVORS,
    ("storage_class", "reclaim_policy"): spec_storage.RECLAIM_POLICIES,
    ("storage_class", "volume_binding_mode"): spec_storage.BINDING_MODES,
    ("lmod.source", "type"): spec_lmod.SOURCE_TYPES,
    ("jupyterhub.admission", "failure_policy"): spec_admission.FAILURE_POLICIES,
    ("jupyterhub.admission.certificates", "source"): spec_admission.CERTIFICATE_SOURCES,
    ("jupyterhub.admission.certificates.issuer", "kind"): spec_admission.ISSUER_KINDS,
}


def test_every_section_has_the_validators_fields():
    assert set(OBJECTS) == set(FIELDS)
    for pattern, keys in FIELDS.items():
        assert sorted(declared_fields(OBJECTS[pattern])) == sorted(set(keys)), pattern


def test_every_lmod_source_type_has_the_validators_fields_and_required_ones():
    branches = dict((rule["if"]["properties"]["type"]["const"], rule["then"]) for rule in OBJECTS["lmod.source"]["allOf"])
    assert sorted(branches) == sorted(spec_lmod.SOURCE_TYPES)
    for source_type, (required, optional) in spec_lmod.SOURCE_FIELDS.items():
        then = branches[source_type]
        assert sorted(then["properties"]) == sorted(("type",) + required + optional), source_type
        assert sorted(then["required"]) == sorted(("type",) + required), source_type
        assert then["additionalProperties"] is False


def test_every_choice_is_the_validators():
    for (pattern, name), choices in CHOICES.items():
        assert resolve(declared_fields(OBJECTS[pattern])[name])["enum"] == list(choices), (pattern, name)


def test_flavour_only_fields_are_the_validators():
    rules = {}
    for rule in OBJECTS["jupyterhub"]["allOf"]:
        flavor = rule["if"]["properties"].get("flavor", {})
        for name, sub in rule.get("then", {}).get("properties", {}).items():
            if sub is False:
                rules[name] = flavor["not"]["const"]
    assert rules == spec_jupyterhub.FLAVOR_FIELDS


def test_reserved_mount_paths_are_the_validators():
    assert sorted(DEFINITIONS["mountPath"]["not"]["enum"]) == sorted(validation.RESERVED_MOUNT_PATHS)


@pytest.mark.parametrize("field, owner", sorted(spec_jupyterhub.FLAVOR_FIELDS.items()))
def test_a_flavour_only_field_is_refused_with_another_flavour_by_both(field, owner):
    values = dict(namespace="opendatahub", images=["s2i-minimal-notebook:v0.0.4"], notebook_namespaces=["rhods-notebooks"],
                  restart_running=False, values_path="/srv/values.yaml", z2jh={"manage_groups": True},
                  admission={"enabled": False})
    for flavor in spec_jupyterhub.FLAVORS:
        hub = {"flavor": flavor, field: values[field]}
        if flavor == "z2jh":
            hub.setdefault("values_path", "/srv/values.yaml")
        data = dict(example_spec(), jupyterhub=hub)
        refused_by_validator = any(field_path(error) == "jupyterhub." + field for error in validator_errors(data))
        refused_by_schema = "jupyterhub" in schema_error_paths(schema_errors(data))
        assert refused_by_validator == refused_by_schema == (flavor != owner), (field, flavor)


# --- every mapping refuses unknown fields ----------------------------------------------------------


def test_the_complete_specs_set_every_field_and_are_valid():
    seen = set()
    for name, data in COMPLETE:
        assert schema_errors(data) == [] and validator_errors(data) == [], name
        for pattern, _location, mapping in locations(data, DEFINITIONS["spec"]):
            seen.update((pattern, key) for key in mapping)
    declared = set((pattern, name) for pattern, node in OBJECTS.items() for name in declared_fields(node))
    assert declared - seen == set(), "fields no complete spec sets (tests/corpus/complete_specs.yml)"


@pytest.mark.parametrize("name, pattern, location", every_location(), ids=str)
def test_an_unknown_field_is_refused_by_both(name, pattern, location):
    data = copy.deepcopy(dict(COMPLETE)[name])
    at(data, location)["zz_unknown"] = 1
    path = to_field_path(location)
    assert path in schema_error_paths(schema_errors(data)), pattern
    expected = to_field_path(location + ("zz_unknown",))
    assert any(field_path(error) == expected and "unknown field" in error for error in validator_errors(data)), pattern


# --- defaults --------------------------------------------------------------------------------------


def outcome(data):
    """What the validator makes of a spec: its parsed fields, or its errors."""
    try:
        return vars(parse_spec(data))
    except spec.SpecError as exc:
        return exc.errors


def with_and_without(name, pattern, location, field):
    """The complete spec ``name`` without ``field`` at ``location``, and with it set to its schema default."""
    without, with_default = copy.deepcopy(dict(COMPLETE)[name]), copy.deepcopy(dict(COMPLETE)[name])
    at(without, location).pop(field, None)
    at(with_default, location)[field] = copy.deepcopy(declared_fields(OBJECTS[pattern])[field]["default"])
    return without, with_default


def literal_defaults():
    """Each defaulted field where the complete spec allows it both ways (a branch may forbid a field another declares)."""
    cases = []
    for name, pattern, location in every_location():
        for field, schema in declared_fields(OBJECTS[pattern]).items():
            if "default" in schema and not any(schema_errors(variant) for variant in with_and_without(name, pattern, location, field)):
                cases.append((name, pattern, location, field))
    return cases


DEFAULTED = literal_defaults()


@pytest.mark.parametrize("name, pattern, location, field", DEFAULTED, ids=str)
def test_a_field_left_out_is_the_field_set_to_its_schema_default(name, pattern, location, field):
    without, with_default = with_and_without(name, pattern, location, field)
    assert outcome(without) == outcome(with_default)


def test_every_literal_default_is_checked_somewhere():
    checked = set((pattern, field) for _name, pattern, _location, field in DEFAULTED)
    declared = set((pattern, field) for pattern, node in OBJECTS.items()
                   for field, schema in declared_fields(node).items() if "default" in schema)
    assert declared - checked == set()


# --- what the project ships ------------------------------------------------------------------------


def test_the_example_inventory_file_as_an_editor_sees_it():
    data = load_yaml(os.path.join(REPO_ROOT, "examples", "inventory", "group_vars", "all", "shared_resources.yml"))
    assert schema_errors(data["shared_resources"]) == []
    with open(os.path.join(REPO_ROOT, "examples", "inventory", "group_vars", "all", "shared_resources.yml")) as handle:
        first = handle.readline()
    assert first.startswith("# yaml-language-server: $schema=")
    schema_path = os.path.normpath(os.path.join(REPO_ROOT, "examples", "inventory", "group_vars", "all",
                                                first.split("$schema=", 1)[1].strip()))
    assert schema_path == os.path.join(REPO_ROOT, "docs", "shared_resources.schema.json")


def test_molecule_kinds_spec_file_as_an_editor_sees_it():
    data = load_yaml(os.path.join(REPO_ROOT, "molecule", "kind", "group_vars", "all", "shared_resources.yml"))
    assert schema_errors(data["shared_resources"]) == []
    assert validator_errors(data["shared_resources"]) == []


RENDER_PLAYBOOK = """\
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Load each flavour file and molecule/kind's spec under a name of its own
      ansible.builtin.include_vars:
        file: "{{ item.file }}"
        name: "{{ item.name }}"
      loop: %(files)s
    - name: Write every spec as Ansible renders it
      ansible.builtin.copy:
        dest: "%(dest)s"
        content: "{{ rendered | to_json }}"
        mode: "0644"
      vars:
        rendered: "%(rendered)s"
"""


@pytest.fixture(scope="module")
def rendered_specs(tmp_path_factory):
    """{name: spec} as ansible-playbook renders them with -i examples/inventory: the example, each flavour, molecule/kind's."""
    tmp = tmp_path_factory.mktemp("rendered")
    flavors = sorted(glob.glob(os.path.join(REPO_ROOT, "examples", "flavors", "*.yml")))
    files = [{"name": "flavor_" + os.path.basename(path)[:-4], "file": path} for path in flavors]
    files.append({"name": "kind", "file": os.path.join(REPO_ROOT, "molecule", "kind", "group_vars", "all", "shared_resources.yml")})
    rendered = ["'example': shared_resources", "'kind': kind.shared_resources"] + [
        "'%s': %s.jupyterhub_shared_resources" % (item["name"], item["name"]) for item in files if item["name"] != "kind"]
    playbook = tmp / "render.yml"
    playbook.write_text(RENDER_PLAYBOOK % dict(files=json.dumps(files), dest=tmp / "specs.json",
                                               rendered="{{ {%s} }}" % ", ".join(rendered)))
    completed = run_playbook(playbook, inventory=os.path.join(REPO_ROOT, "examples", "inventory"))
    assert completed.returncode == 0, completed.stdout[-3000:]
    specs = json.loads((tmp / "specs.json").read_text())
    assert sorted(specs) == sorted(["example", "kind"] + [item["name"] for item in files if item["name"] != "kind"])
    return specs


def test_every_shipped_spec_as_ansible_renders_it(rendered_specs):
    for name, data in sorted(rendered_specs.items()):
        assert schema_errors(data) == [], name
        assert validator_errors(data) == [], name
    assert rendered_specs["flavor_odh_notebooks"]["jupyterhub"]["flavor"] == "odh_notebooks"
    assert rendered_specs["flavor_z2jh"]["jupyterhub"]["flavor"] == "z2jh"


def yaml_snippets():
    """(file:line, shared_resources) of every YAML block of the README, docs/ and the roles' READMEs that sets it."""
    found = []
    paths = ["README.md"] + sorted(glob.glob("docs/*.md", root_dir=REPO_ROOT)) + sorted(glob.glob("roles/*/README.md", root_dir=REPO_ROOT))
    for path in paths:
        with open(os.path.join(REPO_ROOT, path)) as handle:
            text = handle.read()
        for match in re.finditer(r"```ya?ml\n(.*?)```", text, re.S):
            data = yaml.safe_load(match.group(1))
            if isinstance(data, dict) and "shared_resources" in data:
                found.append(("%s:%d" % (path, text[:match.start()].count("\n") + 1), data["shared_resources"]))
    return found


SNIPPETS = yaml_snippets()


def test_the_readme_shows_a_whole_spec_and_docs_show_sections():
    assert any(where.startswith("README.md") for where, _snippet in SNIPPETS)
    assert len(SNIPPETS) >= 8


@pytest.mark.parametrize("where, snippet", SNIPPETS, ids=[where for where, _snippet in SNIPPETS])
def test_every_yaml_snippet_of_the_docs(where, snippet):
    """A whole spec as it is; a section merged into the example inventory's spec, as a reader would use it."""
    whole = all(key in snippet for key in ("namespace", "tiers", "shares"))
    data = snippet if whole else merged(example_spec(), snippet)
    assert schema_errors(data) == [], where
    assert validator_errors(data) == [], where


HUB_SECTIONS = [None, {"flavor": "odh_jsp"}, {"flavor": "z2jh", "values_path": "/srv/values.yaml"},
                {"flavor": "odh_notebooks", "admission": {"enabled": True}}]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=organisations(["team-a", "team-b", "analysts", "hr"]), hub=st.sampled_from(HUB_SECTIONS))
def test_generated_organisations(data, hub):
    if hub is not None:
        data = dict(data, jupyterhub=hub)
    assert validator_errors(data) == []
    assert schema_errors(data) == []


# --- formats: the schema and the validator on generated values -------------------------------------

def complete_spec(test):
    """The first complete spec that passes ``test``, with one user: the formats do not depend on the membership."""
    return next(dict(data, users={"alice": ["team-a"]}) for _name, data in COMPLETE if test(data))


BASE = complete_spec(lambda data: data["jupyterhub"].get("admission", {}).get("enabled"))
Z2JH = complete_spec(lambda data: data["jupyterhub"]["flavor"] == "z2jh")
ARCHIVE = complete_spec(lambda data: data["lmod"]["source"]["type"] == "http_archive")


def field_verdicts(data, location):
    """(schema accepts the field, validator accepts the field) for the field at ``location``."""
    path = to_field_path(location)
    by_schema = not any(within(found, path) for found in schema_error_paths(schema_errors(data)))
    by_validator = not any(within(field_path(error), path) and "duplicate" not in error for error in validator_errors(data))
    return by_schema, by_validator


def with_value(base, location, value):
    data = copy.deepcopy(base)
    at(data, location[:-1])[location[-1]] = value
    return data


NAMEISH = "abz09-._A /"
FORMATS = [
    # (spec, location, strategy, exact): exact - the schema accepts exactly what the validator accepts.
    (BASE, ("shares", 2, "size"), st.text("0123456789.+-eEKMGTPinumk B", max_size=7), True),
    (BASE, ("quota", "storage"), st.from_regex(r"\A[+-]?[0-9]{0,3}(\.[0-9]{0,2})?([eE][+-]?[0-9]|Ki|Mi|Gi|[numkMGTPE])?\Z"), True),
    (BASE, ("shares", 2, "name"), st.text(NAMEISH, max_size=66), True),
    (BASE, ("shares", 2, "claim_name"), st.text(NAMEISH, max_size=70), True),
    (BASE, ("shares", 2, "mount_path"), st.text("/a.b ", max_size=10), True),
    (BASE, ("shares", 0, "directories", 0), st.text("/a. \t", max_size=8), True),
    (BASE, ("tiers", "private", "readers", 0), st.text("a/% *\t-", max_size=5), True),
    (BASE, ("namespace",), st.text(NAMEISH, max_size=66), True),
    # Valid umasks keep the owner's bits (0?0[0-7][0-7]): rare among random digit strings, so drawn as such too.
    (BASE, ("permissions", "umask"), st.one_of(st.from_regex(r"\A0?[0-7]{3}\Z"), st.text("012345678", max_size=5)), True),
    (BASE, ("lmod", "kernels", 0, "name"), st.one_of(st.just("python3"), st.text("aZ09._- ", max_size=66)), True),
    (BASE, ("lmod", "kernels", 0, "display_name"), st.text("a \t", max_size=3), True),
    (BASE, ("lmod", "jupyter_path", 0), st.text("/a.: '\"\\", max_size=8), True),
    (BASE, ("lmod", "modulefiles_dir"), st.text("/a.: lmodrc.ua-", max_size=12), True),
    (BASE, ("lmod", "default_modules", 0), st.text("a/-: '", max_size=5), True),
    (BASE, ("lmod", "notebook_image", "image"), st.one_of(
        st.from_regex(r"\A[a-z0-9]+([._-][a-z]+)?(:[0-9]{2})?(/[a-z0-9_.-]{1,4}){0,2}:[A-Za-z0-9_.-]{1,4}(@sha256:[0-9a-f]{64})?\Z"),
        st.text("abq.:/@_-09", max_size=20)), True),
    (BASE, ("lmod", "image"), st.text("ab: \t", max_size=4), True),
    (BASE, ("jupyterhub", "admission", "resources", "requests", "memory"), st.text("0123Mi.-", max_size=5), True),
    (BASE, ("storage_class", "parameters", "clusterID"), st.one_of(st.integers(), st.booleans(), st.text(max_size=3)), True),
    (ARCHIVE, ("lmod", "source", "sha256"), st.one_of(st.from_regex(r"\A[0-9a-f]{64}\Z"), st.text("0123456789abcdefABCDEF", min_size=62, max_size=66)), True),
    (ARCHIVE, ("lmod", "source", "url"), st.one_of(st.from_regex(r"\A(https?|ftp)://[a-z ]{0,3}\Z"), st.text("htps:/ax", max_size=12)), True),
    (Z2JH, ("jupyterhub", "values_path"), st.text("a \n/", max_size=4), True),
    (BASE, ("lmod", "schedule"), st.one_of(
        st.from_regex(r"\A ?(\*|[0-9]{1,2}(-[0-9]{1,2})?)(/[0-9])?( (\*|[0-9]{1,2}|mon|jan)(,[0-9])?){4} ?\Z"),
        st.sampled_from(["@daily", " @hourly ", "@reboot", "TZ=UTC 0 3 * * *"]), st.text("0123456789*/,- @dailyTZ=", max_size=16)), False),
]


@pytest.mark.parametrize("base, location, values, exact", FORMATS, ids=[to_field_path(item[1]) for item in FORMATS])
def test_a_format_is_checked_alike(base, location, values, exact):
    verdicts = set()

    @settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(value=values)
    def check(value):
        by_schema, by_validator = field_verdicts(with_value(base, location, value), location)
        verdicts.add(by_validator)
        if exact:
            assert by_schema == by_validator, (value, by_schema, by_validator)
        else:
            assert by_schema or not by_validator, (value, "the schema refuses what the validator accepts")

    check()
    assert verdicts == {True, False}, "the values tried were all %s: widen the strategy" % ("valid" if True in verdicts else "invalid")
