"""Tests for sim.scenario.loading: YAML reading, extends/overrides resolution and validation errors."""
from __future__ import annotations

import math
import pickle
import textwrap
from typing import Annotated, Literal, Optional

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.scenario.loading import (
    MISSING,
    Position,
    Problem,
    ScenarioError,
    deep_merge,
    load,
    read_yaml,
    resolve,
    validate,
)

# --- small models of our own, mirroring the shapes the real scenario schema uses -----------------

class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Staff(Strict):
    counter: int = Field(gt=0)
    officers: int = Field(default=1, ge=0)


class Commune(Strict):
    name: str
    staff: Staff
    shares: dict[str, float] = {}

    @model_validator(mode="after")
    def _shares_sum_to_one(self):
        if self.shares and abs(sum(self.shares.values()) - 1) > 1e-9:
            raise ValueError("shares must sum to 1")
        return self


class Lognormal(Strict):
    kind: Literal["lognormal"]
    mu: float
    sigma: float = Field(gt=0)


class Exponential(Strict):
    kind: Literal["exponential"]
    mean: float = Field(gt=0)


class Scenario(Strict):
    name: str
    seed: int = 0
    horizon_days: float = Field(default=30.0, gt=0)
    communes: list[Commune]
    services: dict[str, Annotated[Lognormal | Exponential, Field(discriminator="kind")]] = {}
    notes: Optional[str] = None


GOOD = """\
name: base
seed: 7
communes:
  - name: A
    staff:
      counter: 2
  - name: B
    staff:
      counter: 3
      officers: 1
    shares: {x: 0.25, y: 0.75}
services:
  birth: {kind: lognormal, mu: 1.0, sigma: 0.5}
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def problems_of(exc_info) -> list[Problem]:
    return exc_info.value.problems


def only(exc_info) -> Problem:
    probs = problems_of(exc_info)
    assert len(probs) == 1, [str(p) for p in probs]
    return probs[0]


# --- Problem / ScenarioError rendering -----------------------------------------------------------

def test_problem_str_format_and_truncation():
    p = Problem(Position("x.yaml", 12, 5), "communes.3.staff.counter", "Input should be greater than 0", -1)
    assert str(p) == "x.yaml:12:5: communes.3.staff.counter: Input should be greater than 0 (got -1)"
    assert str(Problem(Position("--set", None, None), "a.b", "boom")) == "--set: a.b: boom"
    assert str(Problem(None, "", "whole thing")) == "whole thing"
    assert str(Problem(Position("f", 1, 1), "k", "m", "abc")).endswith("(got 'abc')")
    long = str(Problem(Position("f", 1, 1), "k", "m", "z" * 500))
    assert len(long) < 120 and long.endswith("...)")
    assert Problem(None, "", "m").got is MISSING


def test_scenario_error_lists_one_problem_per_line_sorted_and_pickles():
    err = ScenarioError([Problem(None, "", "last"), Problem(Position("b", 3, 1), "k", "two"),
                         Problem(Position("b", 1, 1), "k", "one")])
    assert str(err).splitlines() == ["b:1:1: k: one", "b:3:1: k: two", "last"]
    again = pickle.loads(pickle.dumps(err))
    assert str(again) == str(err) and again.problems[0].got is MISSING


# --- reading YAML --------------------------------------------------------------------------------

def test_good_file_loads_with_positions(tmp_path):
    path = write(tmp_path, "s.yaml", GOOD)
    data, pos = read_yaml(path)
    assert data["communes"][1]["shares"] == {"x": 0.25, "y": 0.75}
    assert pos[("seed",)] == Position(str(path), 2, 1)
    assert pos[("communes", 1)] == Position(str(path), 7, 5)
    assert pos[("communes", 1, "staff", "officers")] == Position(str(path), 10, 7)
    assert pos[("services", "birth", "sigma")].line == 13
    scenario = load(Scenario, path)
    assert scenario.communes[1].staff.counter == 3
    assert isinstance(scenario.services["birth"], Lognormal)


def test_missing_file(tmp_path):
    with pytest.raises(ScenarioError) as ei:
        load(Scenario, tmp_path / "nope.yaml")
    p = only(ei)
    assert p.message == "file not found" and p.position.file == str(tmp_path / "nope.yaml")


def test_yaml_syntax_error_has_line_and_column(tmp_path):
    path = write(tmp_path, "bad.yaml", "name: x\nseed: 1\n  horizon_days: 3\n")
    with pytest.raises(ScenarioError) as ei:
        read_yaml(path)
    p = only(ei)
    assert (p.position.line, p.position.column) == (3, 15)
    assert "invalid YAML: mapping values are not allowed here" in str(p)


def test_yaml_syntax_error_includes_context(tmp_path):
    path = write(tmp_path, "bad.yaml", "a: [1, 2\nb: 3\n")
    with pytest.raises(ScenarioError) as ei:
        read_yaml(path)
    assert "while parsing a flow sequence at line 1" in only(ei).message


@pytest.mark.parametrize("text, kind", [("- a\n- b\n", "a list"), ("42\n", "a single int value"),
                                        ("just words\n", "a single str value")])
def test_top_level_must_be_mapping(tmp_path, text, kind):
    path = write(tmp_path, "s.yaml", text)
    with pytest.raises(ScenarioError) as ei:
        read_yaml(path)
    p = only(ei)
    assert p.message == f"top level must be a mapping of keys, not {kind}"
    assert p.position.line == 1


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n"])
def test_empty_file(tmp_path, text):
    path = write(tmp_path, "s.yaml", text)
    with pytest.raises(ScenarioError) as ei:
        read_yaml(path)
    assert "file is empty" in only(ei).message


def test_multiple_documents_refused(tmp_path):
    path = write(tmp_path, "s.yaml", "a: 1\n---\nb: 2\n")
    with pytest.raises(ScenarioError) as ei:
        read_yaml(path)
    assert only(ei).position.line == 2
    assert only(ei).message == "invalid YAML: expected a single document in the stream, but found another document"


def test_object_constructing_tags_refused_and_not_executed(tmp_path):
    marker = tmp_path / "pwned"
    path = write(tmp_path, "s.yaml", f"""\
        name: x
        evil: !!python/object/apply:os.system ["touch {marker}"]
        other: !!python/name:os.system
        """)
    with pytest.raises(ScenarioError) as ei:
        read_yaml(path)
    probs = problems_of(ei)
    assert not marker.exists()
    assert [(p.key_path, p.position.line, p.position.column) for p in probs] == [("evil", 2, 7), ("other", 3, 8)]
    assert "'!!python/object/apply:os.system' is refused" in probs[0].message
    assert "construct Python objects" in probs[1].message


@pytest.mark.parametrize("text, tag", [("a: !!set {x, y}\n", "!!set"), ("a: !custom 3\n", "!custom"),
                                       ("a: !!binary aGk=\n", "!!binary")])
def test_other_tags_unsupported(tmp_path, text, tag):
    path = write(tmp_path, "s.yaml", text)
    with pytest.raises(ScenarioError) as ei:
        read_yaml(path)
    assert only(ei).message.startswith(f"unsupported YAML tag '{tag}'")


def test_duplicate_keys_all_reported(tmp_path):
    path = write(tmp_path, "s.yaml", """\
        name: x
        seed: 1
        communes:
          - name: A
            name: B
        seed: 2
        """)
    with pytest.raises(ScenarioError) as ei:
        read_yaml(path)
    assert [str(p) for p in problems_of(ei)] == [
        f"{path}:5:5: communes.0.name: duplicate key 'name' (first at line 4)",
        f"{path}:6:1: seed: duplicate key 'seed' (first at line 2)",
    ]


def test_several_read_problems_in_one_file(tmp_path):
    path = write(tmp_path, "s.yaml", "a: 1\na: 2\nb: !!python/object:os.Foo {}\nc: !!python/name:sys.exit\n")
    with pytest.raises(ScenarioError) as ei:
        read_yaml(path)
    assert [p.position.line for p in problems_of(ei)] == [2, 3, 4]


def test_merge_keys_and_aliases_are_not_duplicates(tmp_path):
    path = write(tmp_path, "s.yaml", """\
        base: &b {x: 1, y: 2}
        a: &a
          <<: *b
          x: 10
        c: *a
        """)
    data, _ = read_yaml(path)
    assert data["a"] == data["c"] == {"x": 10, "y": 2}
    data["a"]["x"] = 0
    assert data["c"]["x"] == 10  # aliases are built as independent copies


def test_recursive_alias_refused(tmp_path):
    path = write(tmp_path, "s.yaml", "a: &x [1, *x]\n")
    with pytest.raises(ScenarioError) as ei:
        read_yaml(path)
    assert "recursive" in only(ei).message


# --- validation ------------------------------------------------------------------------------------

def test_impossible_value_message_and_position(tmp_path):
    path = write(tmp_path, "s.yaml", GOOD.replace("counter: 3", "counter: -1"))
    with pytest.raises(ScenarioError) as ei:
        load(Scenario, path)
    assert str(only(ei)) == f"{path}:9:7: communes.1.staff.counter: Input should be greater than 0 (got -1)"


def test_wrong_type(tmp_path):
    path = write(tmp_path, "s.yaml", GOOD.replace("seed: 7", "seed: [1, 2]"))
    with pytest.raises(ScenarioError) as ei:
        load(Scenario, path)
    p = only(ei)
    assert (p.key_path, p.position.line, p.got) == ("seed", 2, [1, 2])
    assert p.message == "Input should be a valid integer"


def test_unknown_key_did_you_mean(tmp_path):
    path = write(tmp_path, "s.yaml", GOOD.replace("counter: 2", "countr: 2\n      counter: 2"))
    with pytest.raises(ScenarioError) as ei:
        load(Scenario, path)
    assert str(only(ei)) == f"{path}:6:7: communes.0.staff.countr: unknown key 'countr'; did you mean 'counter'? (got 2)"


def test_unknown_key_in_discriminated_union_and_dict(tmp_path):
    path = write(tmp_path, "s.yaml", GOOD.replace("sigma: 0.5", "sigma: 0.5, sigam: 1"))
    with pytest.raises(ScenarioError) as ei:
        load(Scenario, path)
    p = only(ei)
    assert p.key_path == "services.birth.sigam" and p.message.endswith("did you mean 'sigma'?")


def test_unknown_key_without_close_match_lists_allowed(tmp_path):
    path = write(tmp_path, "s.yaml", GOOD + "zzzzz: 1\n")
    with pytest.raises(ScenarioError) as ei:
        load(Scenario, path)
    assert only(ei).message == ("unknown key 'zzzzz'; allowed keys: communes, horizon_days, name, notes, "
                                "seed, services")


def test_model_validator_message_is_cleaned(tmp_path):
    path = write(tmp_path, "s.yaml", GOOD.replace("y: 0.75", "y: 0.8"))
    with pytest.raises(ScenarioError) as ei:
        load(Scenario, path)
    p = only(ei)
    assert (p.key_path, p.message, p.position.line) == ("communes.1", "shares must sum to 1", 7)


def test_missing_field_points_at_parent(tmp_path):
    path = write(tmp_path, "s.yaml", GOOD.replace("      counter: 2\n", "      {}\n").replace("staff:\n      {}", "staff: {}"))
    with pytest.raises(ScenarioError) as ei:
        load(Scenario, path)
    p = only(ei)
    assert (p.key_path, p.message, p.position.line, p.got) == ("communes.0.staff.counter", "Field required", 5, MISSING)


def test_all_problems_reported_sorted(tmp_path):
    path = write(tmp_path, "s.yaml", """\
        name: 3.5
        seed: lots
        horizon_days: -2
        communes:
          - name: A
            staf: {counter: 1}
        services:
          birth: {kind: gamma}
        """)
    with pytest.raises(ScenarioError) as ei:
        load(Scenario, path)
    got = [(p.position.line, p.key_path) for p in problems_of(ei)]
    assert got == [(1, "name"), (2, "seed"), (3, "horizon_days"), (5, "communes.0.staff"),
                   (6, "communes.0.staf"), (8, "services.birth")]
    assert len(str(ei.value).splitlines()) == 6


@pytest.mark.parametrize("literal, value", [(".nan", math.nan), (".inf", math.inf), ("-.inf", -math.inf)])
def test_nan_and_infinity_rejected(tmp_path, literal, value):
    path = write(tmp_path, "s.yaml", GOOD.replace("mu: 1.0", f"mu: {literal}"))
    with pytest.raises(ScenarioError) as ei:
        load(Scenario, path)
    p = only(ei)
    assert (p.key_path, p.position.line) == ("services.birth.mu", 13)
    assert "must be a finite number" in p.message
    assert repr(p.got) == repr(value)


def test_nan_anywhere_including_lists_and_untyped(tmp_path):
    data = {"a": [1.0, float("nan")], "b": {"c": float("inf")}}
    pos = {("a",): Position("f", 1, 1), ("a", 1): Position("f", 2, 3)}

    class Loose(BaseModel):
        a: list[float]
        b: dict

    with pytest.raises(ScenarioError) as ei:
        validate(Loose, data, pos, "f")
    assert [(p.key_path, p.position) for p in problems_of(ei)] == [
        ("b.c", Position("f", None, None)), ("a.1", Position("f", 2, 3))]


# --- extends ---------------------------------------------------------------------------------------

def test_extends_deep_merge(tmp_path):
    base = write(tmp_path, "base.yaml", GOOD)
    child = write(tmp_path, "child.yaml", """\
        extends: base.yaml
        seed: 8
        services:
          birth: {sigma: 0.9}
          death: {kind: exponential, mean: 2}
        communes:
          - name: C
            staff: {counter: 5}
        """)
    data, pos = resolve(child)
    assert "extends" not in data and ("extends",) not in pos
    assert data["name"] == "base" and data["seed"] == 8
    assert data["services"]["birth"] == {"kind": "lognormal", "mu": 1.0, "sigma": 0.9}
    assert data["services"]["death"]["mean"] == 2
    assert [c["name"] for c in data["communes"]] == ["C"]  # lists are replaced, not merged
    assert pos[("name",)] == Position(str(base), 1, 1)
    assert pos[("seed",)] == Position(str(child), 2, 1)
    assert pos[("services",)].file == str(child)
    assert pos[("services", "birth", "mu")] == Position(str(base), 13, 28)
    assert pos[("communes", 0, "staff")].file == str(child)
    assert ("communes", 1) not in pos and ("communes", 0, "shares") not in pos
    assert load(Scenario, child).services["birth"].sigma == 0.9


def test_extends_chain_of_three_files(tmp_path):
    write(tmp_path, "a.yaml", "name: a\nseed: 1\ncommunes: []\nnotes: from a\n")
    write(tmp_path, "sub/b.yaml", "extends: ../a.yaml\nseed: 2\nhorizon_days: 10\n")
    c = write(tmp_path, "c.yaml", "extends: sub/b.yaml\nhorizon_days: 20\n")
    data, pos = resolve(c)
    assert data == {"name": "a", "seed": 2, "communes": [], "notes": "from a", "horizon_days": 20}
    assert pos[("seed",)].file.endswith("b.yaml") and pos[("horizon_days",)].file == str(c)


def test_extends_list_applied_in_order(tmp_path):
    write(tmp_path, "one.yaml", "name: one\nseed: 1\nservices: {x: {kind: exponential, mean: 1}}\n")
    write(tmp_path, "two.yaml", "seed: 2\nservices: {y: {kind: exponential, mean: 2}}\n")
    top = write(tmp_path, "top.yaml", "extends: [one.yaml, two]\ncommunes: []\n")
    data, _ = resolve(top)
    assert data["seed"] == 2 and data["name"] == "one" and set(data["services"]) == {"x", "y"}


def test_extends_search_dirs_without_suffix(tmp_path):
    scen = tmp_path / "scenarios"
    write(scen, "hanoi/2025-q3.yaml", GOOD)
    exp = write(tmp_path, "experiments/e1.yaml", "extends: hanoi/2025-q3\nseed: 99\n")
    data, pos = resolve(exp, search_dirs=[scen])
    assert data["seed"] == 99 and data["name"] == "base"
    with pytest.raises(ScenarioError) as ei:
        resolve(exp)
    p = only(ei)
    assert (p.key_path, p.position.line, p.position.column) == ("extends", 1, 10)
    assert "'hanoi/2025-q3' not found" in p.message


def test_extends_missing_file_in_list_position(tmp_path):
    path = write(tmp_path, "s.yaml", "extends:\n  - nope1\n  - nope2.yaml\nname: x\n")
    with pytest.raises(ScenarioError) as ei:
        resolve(path)
    assert [(p.position.line, p.position.column) for p in problems_of(ei)] == [(2, 5), (3, 5)]


def test_extends_must_be_string_or_list(tmp_path):
    path = write(tmp_path, "s.yaml", "extends: {a: 1}\n")
    with pytest.raises(ScenarioError) as ei:
        resolve(path)
    assert only(ei).message == "must be a file name or a list of file names"


def test_extends_cycle(tmp_path):
    write(tmp_path, "a.yaml", "extends: b.yaml\nname: a\n")
    write(tmp_path, "b.yaml", "extends: a\nname: b\n")
    with pytest.raises(ScenarioError) as ei:
        resolve(tmp_path / "a.yaml")
    p = only(ei)
    assert p.message == f"cyclic extends: {tmp_path}/a.yaml -> {tmp_path}/b.yaml -> {tmp_path}/a.yaml"
    assert p.position == Position(str(tmp_path / "b.yaml"), 1, 10)


def test_extends_self_cycle(tmp_path):
    path = write(tmp_path, "a.yaml", "extends: a.yaml\n")
    with pytest.raises(ScenarioError) as ei:
        resolve(path)
    assert only(ei).message.startswith("cyclic extends:") and only(ei).message.count("a.yaml") == 2


def test_extends_problems_in_parent_reported(tmp_path):
    write(tmp_path, "base.yaml", "a: 1\na: 2\n")
    child = write(tmp_path, "child.yaml", "extends: base\nb: 1\n")
    with pytest.raises(ScenarioError) as ei:
        resolve(child)
    assert only(ei).position.file == str(tmp_path / "base.yaml")


# --- overrides ---------------------------------------------------------------------------------------

def test_overrides_scalar_list_index_and_yaml_values(tmp_path):
    path = write(tmp_path, "s.yaml", GOOD)
    data, pos = resolve(path, ["seed=3", "communes.1.staff.counter=9", "name=true",
                               "services.birth={kind: exponential, mean: 4}", "notes=[1,2]", "seed=4"])
    assert data["seed"] == 4 and data["name"] is True and data["notes"] == [1, 2]
    assert data["communes"][1]["staff"]["counter"] == 9
    assert data["services"]["birth"] == {"kind": "exponential", "mean": 4}
    setpos = Position("--set", None, None)
    assert pos[("seed",)] == pos[("services", "birth", "mean")] == pos[("notes", 1)] == setpos
    assert ("services", "birth", "sigma") not in pos
    assert pos[("communes", 1, "staff")].file == str(path)
    scenario = load(Scenario, path, ["communes.0.staff.counter=11", "horizon_days=2.5"])
    assert scenario.communes[0].staff.counter == 11 and scenario.horizon_days == 2.5


def test_override_new_key_rejected_by_model_with_suggestion(tmp_path):
    path = write(tmp_path, "s.yaml", GOOD)
    with pytest.raises(ScenarioError) as ei:
        load(Scenario, path, ["communes.0.staff.officer=2"])
    assert str(only(ei)) == ("--set: communes.0.staff.officer: unknown key 'officer'; did you mean 'officers'? "
                             "(got 2)")


@pytest.mark.parametrize("override, message", [
    ("communes.5.name=x", "index '5' out of range: 'communes' has 2 items (valid indexes 0..1)"),
    ("communes.first.name=x", "index 'first' out of range"),
    ("seed.x=1", "cannot set 'x': 'seed' is not a mapping or list"),
    ("seed", "malformed override; expected key.path=value"),
    ("a..b=1", "malformed override"),
    ("=1", "malformed override"),
    ("seed=[1, 2", "cannot parse value: invalid YAML"),
    ("seed=!!python/name:os.system", "cannot parse value: YAML tag '!!python/name:os.system' is refused"),
])
def test_bad_overrides(tmp_path, override, message):
    path = write(tmp_path, "s.yaml", GOOD)
    with pytest.raises(ScenarioError) as ei:
        resolve(path, [override])
    p = only(ei)
    assert p.position == Position("--set", None, None)
    assert p.message.startswith(message)


def test_all_bad_overrides_reported_together(tmp_path):
    path = write(tmp_path, "s.yaml", GOOD)
    with pytest.raises(ScenarioError) as ei:
        resolve(path, ["seed.x=1", "seed=2", "oops", "communes.9=1"])
    assert len(problems_of(ei)) == 3


@pytest.mark.parametrize("override, message", [
    ("communes.0.staf.counter=1", "communes.0.staf: unknown key 'staf'; did you mean 'staff'?"),
    ("nothere.x=1", "nothere: unknown key 'nothere'; did you mean 'notes'?"),
])
def test_override_of_missing_section_is_created_then_rejected_by_schema(tmp_path, override, message):
    """A missing mapping on the path is created (so a section left to its defaults can be
    overridden); a path the schema does not know is then refused, with a suggestion."""
    path = write(tmp_path, "s.yaml", GOOD)
    with pytest.raises(ScenarioError) as ei:
        load(Scenario, path, [override])
    assert str(only(ei)).startswith("--set: " + message)


def test_override_nan_caught_by_validate(tmp_path):
    path = write(tmp_path, "s.yaml", GOOD)
    with pytest.raises(ScenarioError) as ei:
        load(Scenario, path, ["horizon_days=.inf"])
    assert str(only(ei)) == "--set: horizon_days: must be a finite number (NaN and infinity are not allowed) (got inf)"


# --- deep_merge properties -------------------------------------------------------------------------

keys = st.text(alphabet="abcde", min_size=1, max_size=2)
leaves = st.one_of(st.integers(), st.text(max_size=3), st.booleans(), st.none(), st.lists(st.integers(), max_size=3))
trees = st.recursive(st.dictionaries(keys, leaves, max_size=4),
                     lambda children: st.dictionaries(keys, st.one_of(leaves, children), max_size=4), max_leaves=20)


@settings(max_examples=200, deadline=None)
@given(trees, trees)
def test_deep_merge_properties(base, over):
    assert deep_merge(base, {}) == base
    assert deep_merge({}, base) == base
    assert deep_merge(base, base) == base
    merged = deep_merge(base, over)
    assert deep_merge(merged, over) == merged
    for key, value in over.items():  # override always wins unless both sides are mappings
        if not (isinstance(value, dict) and isinstance(base.get(key), dict)):
            assert merged[key] == value


def test_deep_merge_does_not_modify_inputs():
    base, over = {"a": {"b": 1, "c": [1]}}, {"a": {"b": 2}}
    assert deep_merge(base, over) == {"a": {"b": 2, "c": [1]}}
    assert base == {"a": {"b": 1, "c": [1]}} and over == {"a": {"b": 2}}
