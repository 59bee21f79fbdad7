"""Helpers shared by the test files, kept in one place instead of copied between them.

pytest puts this folder on the import path, so a test file takes what it needs with
``from conftest import MMC, run_cli, ...``.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import re
from pathlib import Path

import pytest

from sim.engine.dossier import LOG_NAMES
from sim.engine.model import Simulation
from sim.scenario.region import Region
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
MMC = SCENARIOS / "validation" / "mmc.yaml"  # the textbook M/M/c scenario: fast, 24/7, one stage
HANOI = "hanoi/2025-07-first-13-days"  # the default scenario, by its library name
HANOI_FILE = SCENARIOS / "hanoi" / "2025-07-first-13-days.yaml"
DAY = 1440.0  # minutes

#: Positions of the dossier log's columns in a log row (sim/engine/dossier.py LOG).
COL = {name: i for i, name in enumerate(LOG_NAMES)}
HOME, CHANNEL, FIELD = COL["home_commune"], COL["channel"], COL["field"]
ARRIVAL, WAIT, FINISH = COL["arrival_minute"], COL["first_wait_working_minutes"], COL["finish_minute"]
DEADLINE, ON_TIME, RETURNS = COL["deadline_minute"], COL["on_time"], COL["supplementation_returns"]


# ------------------------------------------------------------------ running
def run_cli(*args) -> int:
    """The command line in this process (arguments may be paths or numbers); its exit code."""
    from sim.cli import main

    return main([str(a) for a in args])


def simulate(scenario: Scenario, replication: int = 0, **kw):
    """One replication with the dossier log: (the simulation, its result)."""
    sim = Simulation(Region(scenario), replication, dossier_log=True, **kw)
    return sim, sim.run()


# ---------------------------------------------------------------- scenarios
def det(value: float) -> dict:
    """A deterministic duration."""
    return {"kind": "deterministic", "value": value}


def scenario_dict(*, channels: dict, fields: dict, staff: dict, rate: float, days: int = 7,
                  start: dt.date = dt.date(2025, 7, 7), calendar: dict | None = None, communes: dict | None = None,
                  seed: int = 7, warmup: float = 0, name: str = "test", **extra) -> dict:
    """A small scenario as data: one commune, office hours, the given demand and staff."""
    data = {
        "name": name, "seed": seed,
        "horizon": {"start_date": start.isoformat(), "days": days, "warmup_days": warmup},
        "calendar": {"weekday_hours": [["08:00", "12:00"], ["13:00", "17:00"]]} if calendar is None else calendar,
        "demand": {"dossiers_per_working_day": rate, "channels": channels, "fields": fields},
        "communes": communes or {"count": 1},
        "staff": {"per_commune": staff} if "per_commune" not in staff else staff,
    }
    data.update(extra)
    return data


def make(**kw) -> Scenario:
    """:func:`scenario_dict`, validated."""
    return Scenario.model_validate(scenario_dict(**kw))


# ------------------------------------------------------------- comparisons
def read_json(path: Path) -> dict:
    """Parse as strict JSON: NaN, Infinity and -Infinity are not JSON."""
    def refuse(name):
        raise ValueError(f"{Path(path).name} holds {name}, which is not valid JSON")
    return json.loads(Path(path).read_text(encoding="utf-8"), parse_constant=refuse)


def nan_equal(a, b) -> bool:
    """== where NaN equals NaN (figures of empty groups are NaN)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(nan_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(nan_equal(x, y) for x, y in zip(a, b))
    return a == b


def same(a, b, path: str = "result", rel: float = 1e-9) -> None:
    """Assert equal, except floats within ``rel`` (sums added in another order); NaN equals NaN.
    The assertion names the path of the first difference."""
    if isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), f"{path}: keys differ: {sorted(set(a) ^ set(b))}"
        for key in a:
            same(a[key], b[key], f"{path}.{key}", rel)
    elif isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        assert len(a) == len(b), f"{path}: {len(a)} items against {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{path}[{i}]", rel)
    elif isinstance(a, float) and isinstance(b, float):
        assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=rel, abs=1e-12), f"{path}: {a!r} != {b!r}"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


# ------------------------------------------------------------------- plots
#: An identifier such as back_office_minutes: a code name a reader should never see on a plot.
CODE_NAME = re.compile(r"[A-Za-z0-9]+_[A-Za-z0-9_]+")
#: A number in scientific notation (4.37e-05): plots print plain decimals.
SCIENTIFIC = re.compile(r"\d[eE][+-]?\d")


@pytest.fixture
def plot_texts(monkeypatch):
    """[(file name, [every text of the figure])] for every plot saved while the test runs: the
    matplotlib Figure's titles, axis labels, tick labels, legends and notes, walked before saving."""
    from sim.study import drawing

    seen = []
    save = drawing.save

    def checked(fig, path):
        seen.append((Path(str(getattr(path, "name", path))).name, drawing.figure_texts(fig)))
        return save(fig, path)

    monkeypatch.setattr(drawing, "save", checked)
    return seen


def assert_readable(texts):
    """No code name and no scientific notation in any text of any plot; every plot has words."""
    assert texts, "no plot was drawn"
    for name, found in texts:
        assert found, name
        for text in found:
            assert not CODE_NAME.search(text), (name, text)
            assert not SCIENTIFIC.search(text), (name, text)
