"""calibration/targets.yaml: every reported figure of the brief is there with its source, the
format is checked, the parameter mapping does what it says, and — the point — every target is
reproduced within its tolerance by the calibrated library scenario.
"""
from __future__ import annotations

import math
import re

import numpy as np
import pytest
from conftest import ROOT

from sim.calibration.targets import (
    Expression,
    Mapping,
    Target,
    expand,
    extract,
    get_path,
    load_targets,
)
from sim.study.api import load_scenario
from sim.study.runner import run_replication

TARGETS = ROOT / "calibration" / "targets.yaml"
FILE, _ = load_targets(TARGETS)
SECTIONS = list(FILE.scenarios)

# Every number of the brief's "Reported figures" table (DESIGN.md section 2).
REPORTED = [126, 66_000, 0.14, 559, 9_622, 10, 114, 6_084, 0.7689, 0.2188, 0.01233, 2_239, 182_661, 165_155,
            17_500, 173_056, 9_603, 0.85]
# Its derived quantities, which must say they are derived and give their arithmetic.
DERIVED = [7_333, 58.2, 1_985.4, 0.904, 4.837, 21.26]


def all_targets() -> list[Target]:
    return [t for section in FILE.scenarios.values() for t in section.targets]


def test_every_reported_figure_of_the_brief_is_a_target():
    values = [t.value for t in all_targets() if t.value is not None]
    for figure in REPORTED:
        assert any(math.isclose(v, figure, rel_tol=1e-3) for v in values), f"reported figure {figure} missing"
    for figure in DERIVED:
        found = [t for t in all_targets() if t.value is not None and math.isclose(t.value, figure, rel_tol=1e-3)]
        assert found and all(t.derived and t.arithmetic for t in found), f"derived figure {figure}"


def test_every_target_cites_an_outlet_and_date_not_a_seed_file():
    for t in all_targets():
        assert re.search(r"(19|20)\d\d", t.source), f"{t.id}: the source needs a date"
        assert not re.search(r"\b00\d_[0-9a-f]{6,}|seeds/", t.source + t.note + (t.context or "")), t.id
        assert t.unit and t.period and t.place


def test_input_targets_hold_the_reported_value_in_the_scenario():
    for key, section in FILE.scenarios.items():
        data = load_scenario(key).model_dump(mode="json", by_alias=True)
        for t in section.targets:
            if t.input:
                assert get_path(data, tuple(t.input.split("."))) == t.value, f"{key}: {t.id}"


def test_each_calibrated_scenario_says_what_is_fitted_set_directly_and_assumed():
    assert FILE.scenarios["danang/2025-q3"].parameters and FILE.scenarios["haiphong/2025-q3"].parameters
    assert not FILE.scenarios["hanoi/2025-07-first-13-days"].parameters  # volumes are set directly
    for key, section in FILE.scenarios.items():
        assert section.set_directly and section.assumptions and section.key_figures, key
        base = load_scenario(key)
        Mapping(base, section.parameters)  # every path matches something
        mapping = Mapping(base, section.assumptions)
        for name in section.assumptions:
            assert mapping.values({name: 1.2}) != mapping.values({name: 1.0}), f"{key}: {name} does not move"


# ------------------------------------------------------------------ the format
def test_expressions_are_arithmetic_over_result_paths():
    e = Expression("(by_channel.a.x - by_channel.a.y) / region.n * 2")
    assert e.paths == ["by_channel.a.x", "by_channel.a.y", "region.n"]
    assert e({"by_channel.a.x": 10, "by_channel.a.y": 4, "region.n": 3}) == 4.0
    assert math.isnan(e({"by_channel.a.x": 1, "by_channel.a.y": 1, "region.n": 0}))
    for bad in ("open('x')", "region", "foo.bar", "region.n ** 2", "lambda: 1"):
        with pytest.raises(ValueError):
            Expression(bad)
    assert extract({"region": {"n": 3, "m": float("nan")}}, ["region.n", "region.m", "region.z"]) == \
        {"region.n": 3.0, "region.m": None, "region.z": None}


def test_wildcards_scales_and_integers_map_onto_the_scenario():
    base = load_scenario("danang/2025-q3")
    data = base.model_dump(mode="json", by_alias=True)
    found = expand("demand.fields.*.back_office.service_minutes.mean", data)
    assert len(found) == 6  # certification has no back office
    from sim.calibration.targets import Assumption, Parameter

    mapping = Mapping(base, {"bo": Assumption(description="d", paths=["demand.fields.*.back_office.service_minutes.mean"]),
                             "staff": Assumption(description="d", paths=["staff.per_commune.counter"])})
    values = mapping.values({"bo": 1.2, "staff": 0.8})
    assert values[("demand", "fields", "land", "back_office", "service_minutes", "mean")] == 288.0
    assert values[("staff", "per_commune", "counter")] == 3  # an integer moves by at least one
    assert Mapping(base, {"staff": Assumption(description="d", paths=["staff.per_commune.leader"])}).values(
        {"staff": 1.2})[("staff", "per_commune", "leader")] == 3
    nested = mapping.nested({"bo": 1.2})
    assert nested["demand"]["fields"]["land"]["back_office"]["service_minutes"] == {"mean": 288.0}
    path = "demand.fields.land.wait_on_others_working_days.fraction_of_deadline.mean"
    value = Mapping(base, {"x": Parameter(description="d", paths=[path], bounds=(0.1, 0.9))})
    assert value.overrides({"x": 0.65}) == [f"{path}=0.65"]


def test_weights_follow_the_tolerances():
    common = dict(figure="f", unit="u", period="p", place="p", source="s 2025", simulated="region.dossiers_arrived")
    assert Target(id="a", value=100, tolerance={"relative": 0.1}, **common).objective_weight == pytest.approx(100)
    assert Target(id="b", value=0.5, tolerance={"absolute": 0.05}, **common).objective_weight == pytest.approx(100)
    assert Target(id="c", value=1, derived=True, arithmetic="x", tolerance={"relative": 0.1}, **common).objective_weight == 0
    t = Target(id="d", value=0.2, tolerance={"absolute": 0.03}, **common)
    assert t.within(0.229) and not t.within(0.231)


# ------------------------------------------------------------ the calibration holds
@pytest.mark.slow
@pytest.mark.parametrize("key", SECTIONS)
def test_the_calibrated_library_scenario_reproduces_every_target_within_tolerance(key):
    """Two replications of the library scenario as committed (fitted values in it)."""
    section = FILE.scenarios[key]
    scenario = load_scenario(key)
    expressions = section.expressions(scenario.horizon.start_date)
    paths = sorted({p for e in expressions.values() for p in e.paths})
    runs = [extract(run_replication(scenario, r), paths) for r in range(2)]
    misses = []
    for t in section.simulated_targets():
        value = float(np.mean([expressions[t.id](f) for f in runs]))
        if not t.within(value):
            misses.append(f"{t.id}: simulated {value:.4g}, reported {t.value:.4g} (tolerance {t.tolerance.text()})")
    assert not misses, "; ".join(misses)
