"""Each role's README agrees with its meta/argument_specs.yml and defaults/ (every role in roles/).

The README's "## Variables" section holds Markdown tables whose rows start with a backticked
variable name, then its default:

- every option of the role's argument_specs (entry point ``main``) has a row; when the spec gives
  a default, the row's default is that value, backticked (`false`, `""`, `{}`, `600`, an image);
- every role-prefixed variable of defaults/ (main.yml or main/*.yml) has a row, and its default
  agrees with defaults/: a plain value backticked, a template (``{{ shared_resources_x | ... }}``)
  by naming the variables it is computed from;
- defaults/ and argument_specs give the same default for the options both hold (when not a template);
- every row names a variable that argument_specs or defaults/ knows (no stale rows);
- ``ansible-doc -t role`` reads every role's documentation.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
ROLES = sorted(p.name for p in (REPO_ROOT / "roles").iterdir() if (p / "meta" / "argument_specs.yml").is_file())
NO_DEFAULT_CELLS = {"", "unset", "required", "none", "-"}
ROW = re.compile(r"^\|\s*`(?P<name>[A-Za-z_][A-Za-z0-9_]*)`\s*\|(?P<rest>.*)$")
TEMPLATE_VAR = re.compile(r"\b(shared_resources[A-Za-z0-9_]*|[a-z][a-z0-9_]*_[a-z0-9_]+)\b")


def _split_cells(rest):
    return [c.strip() for c in re.split(r"(?<!\\)\|", rest)]


def readme_variables(role):
    """{variable: default cell} from the tables of the README's "## Variables" section."""
    readme = REPO_ROOT / "roles" / role / "README.md"
    assert readme.is_file(), f"roles/{role}/README.md is missing"
    text = readme.read_text()
    match = re.search(r"^## Variables\s*$(?P<body>.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"roles/{role}/README.md has no '## Variables' section"
    rows = {}
    for line in match.group("body").splitlines():
        row = ROW.match(line.strip())
        if row:
            assert row["name"] not in rows, f"roles/{role}/README.md documents {row['name']} twice"
            rows[row["name"]] = _split_cells(row["rest"])[0]
    assert rows, f"roles/{role}/README.md: no variable rows in '## Variables'"
    return rows


def argument_spec_options(role):
    specs = yaml.safe_load((REPO_ROOT / "roles" / role / "meta" / "argument_specs.yml").read_text())
    return specs["argument_specs"]["main"].get("options", {})


def role_defaults(role):
    base = REPO_ROOT / "roles" / role / "defaults"
    files = [base / "main.yml", base / "main.yaml", *sorted((base / "main").glob("*.y*ml"))]
    merged = {}
    for path in files:
        if path.is_file():
            merged.update(yaml.safe_load(path.read_text()) or {})
    return merged


def is_template(value):
    return isinstance(value, str) and "{{" in value


def literal(cell):
    """The value of a backticked default cell, or None when the cell is not one backticked value."""
    match = re.fullmatch(r"`([^`]*)`", cell)
    return yaml.safe_load(match.group(1)) if match else None


def check_default(role, name, cell, expected):
    where = f"roles/{role}/README.md, {name}"
    if is_template(expected):
        sources = {v for v in TEMPLATE_VAR.findall(expected.split("|")[0]) if v != name}
        assert sources, f"{where}: cannot tell what {expected!r} is computed from"
        for source in sources:
            assert f"`{source}`" in cell, f"{where}: default should name `{source}` (defaults: {expected!r}), got {cell!r}"
        return
    assert re.fullmatch(r"`[^`]*`", cell), f"{where}: default should be `{json.dumps(expected)}`, got {cell!r}"
    assert literal(cell) == expected, f"{where}: README default {cell} but {expected!r} in the role"


@pytest.fixture(params=ROLES)
def role(request):
    return request.param


def test_every_role_is_covered():
    dirs = sorted(p.name for p in (REPO_ROOT / "roles").iterdir() if p.is_dir())
    assert ROLES == dirs, f"roles without meta/argument_specs.yml: {sorted(set(dirs) - set(ROLES))}"


def test_argument_spec_options_documented_with_their_defaults(role):
    rows = readme_variables(role)
    defaults = role_defaults(role)
    for name, option in argument_spec_options(role).items():
        assert name in rows, f"roles/{role}/README.md: option {name} missing from the Variables table"
        if "default" in option:
            check_default(role, name, rows[name], option["default"])
        elif name in defaults:
            check_default(role, name, rows[name], defaults[name])
        else:
            assert rows[name].lower() in NO_DEFAULT_CELLS or "`" not in rows[name], (
                f"roles/{role}/README.md, {name}: no default in argument_specs, README says {rows[name]!r}")


def test_role_prefixed_defaults_documented(role):
    rows = readme_variables(role)
    for name, value in role_defaults(role).items():
        if name.startswith(role + "_"):
            assert name in rows, f"roles/{role}/README.md: defaults variable {name} missing from the Variables tables"
            check_default(role, name, rows[name], value)


def test_defaults_agree_with_argument_specs(role):
    defaults = role_defaults(role)
    for name, option in argument_spec_options(role).items():
        if name in defaults and "default" in option and not is_template(defaults[name]):
            assert defaults[name] == option["default"], (
                f"roles/{role}: {name} is {defaults[name]!r} in defaults/ but {option['default']!r} in argument_specs")


def test_no_stale_readme_rows(role):
    known = set(argument_spec_options(role)) | set(role_defaults(role))
    stale = sorted(set(readme_variables(role)) - known)
    assert not stale, f"roles/{role}/README.md documents variables the role does not have: {stale}"


def test_ansible_doc_reads_every_role():
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(REPO_ROOT / ".collections"), ANSIBLE_NOCOLOR="1")
    ansible_doc = Path(sys.executable).parent / "ansible-doc"
    names = [f"odh_rwx.shared_resources.{r}" for r in ROLES]
    proc = subprocess.run([str(ansible_doc), "-t", "role", "-j", *names], env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    docs = json.loads(proc.stdout)
    assert sorted(docs) == sorted(names), proc.stderr
    for name in names:
        entry = docs[name]["entry_points"]["main"]
        assert entry["short_description"]
        assert set(entry["options"]) == set(argument_spec_options(name.rsplit(".", 1)[1]))
