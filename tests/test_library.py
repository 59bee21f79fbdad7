"""The scenario library under ``scenarios/``: every file validates, documents itself, and
says what it changes; bundled communes differ as the province figures say; the Hà Nội
default runs on the real commune table when that table (outside the project) is present.

Runs are kept short (2 days, 1 replication); the whole file takes a few seconds.
"""
from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

from sim import reference
from sim.cli import main
from sim.scenario import loading
from sim.scenario.checks import utilisation_warnings
from sim.scenario.communes import build_communes, demand_weights, resolve_table
from sim.scenario.library import library
from sim.scenario.region import Region, build_calendar
from sim.scenario.schema import scenario_dir
from sim.study.api import load_scenario, run

LIBRARY_DIR = scenario_dir()
REAL_TABLES = Path(__file__).resolve().parents[2] / "shared" / "data" / "communes"
HANOI_TABLE = REAL_TABLES / "hanoi.csv"


def library_files() -> list[Path]:
    """Every scenario file, except those under a folder whose name starts with '_'."""
    return sorted(p for p in LIBRARY_DIR.rglob("*.yaml")
                  if not any(part.startswith("_") for part in p.relative_to(LIBRARY_DIR).parts[:-1]))


FILES = library_files()
IDS = [p.relative_to(LIBRARY_DIR).with_suffix("").as_posix() for p in FILES]
PROVINCE_FILES = [p for p in FILES if p.relative_to(LIBRARY_DIR).parts[0] != "validation"]
PROVINCE_IDS = [p.relative_to(LIBRARY_DIR).with_suffix("").as_posix() for p in PROVINCE_FILES]

# Population of the units, 2025 (project brief, "Communes differ"): units by type and quantiles.
PROVINCES = {
    "hanoi": {"count": 126, "types": {"phường": 51, "xã": 75},
              "p10": 40_066, "median": 65_023, "p90": 105_604},
    "danang": {"count": 94, "types": {"phường": 23, "xã": 70, "đặc khu": 1},
               "p10": 5_342, "median": 26_954, "p90": 78_837},
    "haiphong": {"count": 114, "types": {"phường": 45, "xã": 67, "đặc khu": 2},
                 "p10": 24_919, "median": 35_121, "p90": 67_236},
}

REQUIRED = ["hanoi/2025-07-first-13-days", "hanoi/pre-reform", "hanoi/2025-q3", "danang/2025-q3",
            "haiphong/2025-q3", "hanoi/real-communes"]


def own_data(path: Path) -> dict:
    """The file's own keys, before ``extends`` is applied."""
    data, _ = loading.read_yaml(path)
    return data


def resolved(path: Path, overrides=()) -> dict:
    data, _ = loading.resolve(path, list(overrides), search_dirs=[LIBRARY_DIR])
    return data


def missing_table(path: Path) -> Path | None:
    """The commune table a scenario names, if it names one that is not there."""
    table = resolved(path).get("communes", {}).get("table")
    if table is None:
        return None
    table_path = resolve_table(table, path.parent)
    return None if table_path.is_file() else table_path


def skip_if_table_absent(path: Path) -> None:
    absent = missing_table(path)
    if absent is not None:
        pytest.skip(f"commune table {absent} is absent (reference data outside the project)")


def header(path: Path) -> list[str]:
    """The comment block at the top of the file, without the '# ' and the editor modeline."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        text = line[1:].strip()
        if not text.startswith("yaml-language-server:"):
            lines.append(text)
    return lines


def claims(path: Path) -> tuple[str, list[str]]:
    """(base, claimed key paths) from the header line 'CHANGES (vs BASE): a.b, c.d'."""
    for line in header(path):
        match = re.match(r"CHANGES \(vs ([\w./-]+)\):\s*(.+)$", line)
        if match:
            return match.group(1), [c.strip() for c in match.group(2).split(",") if c.strip()]
    raise AssertionError(f"{path}: a file with extends needs a header line 'CHANGES (vs BASE): key.path, ...'")


def leaves(value, prefix: tuple = ()) -> dict[tuple, object]:
    """Leaf values by key path; lists are leaves (``extends`` replaces them whole)."""
    if isinstance(value, dict):
        out = {}
        for key, sub in value.items():
            out.update(leaves(sub, prefix + (str(key),)))
        return out if out or not prefix else {prefix: {}}
    return {prefix: value}


# ------------------------------------------------------------------ every file
def test_the_library_has_the_scenarios_the_issue_asks_for():
    names = dict(library())
    for name in REQUIRED:
        assert name in names, f"missing scenario {name}"
    variants = [n for n in names if "/variants/" in n]
    assert len(variants) >= 6


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_every_scenario_validates(path):
    skip_if_table_absent(path)
    scenario = load_scenario(path)
    assert scenario.name


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_every_scenario_has_a_header_a_name_and_a_one_line_description(path):
    lines = header(path)
    assert len([line for line in lines if line]) >= 5, f"{path}: needs a header comment block"
    data = own_data(path)
    assert data.get("name"), f"{path}: needs its own name (not inherited)"
    description = data.get("description")
    assert isinstance(description, str) and description.strip(), f"{path}: needs a description"
    assert "\n" not in description and len(description) <= 120
    if "extends" in data:  # a variant must not be mistaken for its base in `commune-sim list`
        base = own_data(LIBRARY_DIR / f"{data['extends']}.yaml")
        assert data["name"] != base["name"] and description != base["description"]


@pytest.mark.parametrize("path", PROVINCE_FILES, ids=PROVINCE_IDS)
def test_province_scenarios_state_sources_and_assumptions(path):
    text = "\n".join(header(path))
    assert "ASSUMPTION" in text, f"{path}: the header must list its assumptions with reasons"
    if "extends" in own_data(path):
        assert "CHANGES (vs " in text
    else:
        assert "REPORTED FIGURES" in text and "DERIVED" in text
    # Cite the outlet, never the seed file.
    assert not re.search(r"\b00\d_[0-9a-f]{6,}", text), f"{path}: cite the outlet and date, not the seed file"


# ------------------------------------------------------------------ variants
EXTENDS = [p for p in FILES if "extends" in own_data(p)]


@pytest.mark.parametrize("path", EXTENDS, ids=[p.relative_to(LIBRARY_DIR).with_suffix("").as_posix() for p in EXTENDS])
def test_a_variant_differs_from_its_base_only_in_what_it_claims(path):
    base_name, claimed = claims(path)
    assert own_data(path)["extends"] == base_name, "the CHANGES line must name the base that extends names"
    base, variant = leaves(resolved(LIBRARY_DIR / f"{base_name}.yaml")), leaves(resolved(path))
    changed = {p for p in base.keys() | variant.keys()
               if p[0] not in ("name", "description") and base.get(p, "<absent>") != variant.get(p, "<absent>")}
    prefixes = [tuple(c.split(".")) for c in claimed]
    unclaimed = sorted(".".join(p) for p in changed if not any(p[:len(c)] == c for c in prefixes))
    assert not unclaimed, f"{path.name} changes {unclaimed} without saying so in its CHANGES line"
    idle = [c for c, pre in zip(claimed, prefixes) if not any(p[:len(pre)] == pre for p in changed)]
    assert not idle, f"{path.name} claims to change {idle} but does not"


# ------------------------------------------------------------------ communes differ
SYNTHETIC = [p for p in PROVINCE_FILES if resolved(p).get("communes", {}).get("table") is None
             and resolved(p).get("communes", {}).get("province") is None]


@pytest.mark.parametrize("path", SYNTHETIC, ids=[p.relative_to(LIBRARY_DIR).with_suffix("").as_posix() for p in SYNTHETIC])
def test_synthetic_communes_differ_as_the_province_figures_say(path):
    """Nothing is equal across communes by accident: populations (hence demand) follow the
    province's reported spread, unit types their reported counts."""
    province = PROVINCES[path.relative_to(LIBRARY_DIR).parts[0]]
    scenario = load_scenario(path)
    communes = build_communes(scenario.communes)
    population = np.array([c.population for c in communes])
    assert len(communes) == province["count"]
    assert len(set(population.round())) == len(communes), "every synthetic commune has its own population"
    assert Counter(c.type for c in communes) == Counter(province["types"])
    p10, median, p90 = np.quantile(population, [0.10, 0.50, 0.90])
    assert p10 == pytest.approx(province["p10"], rel=0.03)
    assert median == pytest.approx(province["median"], rel=0.03)
    assert p90 == pytest.approx(province["p90"], rel=0.03)
    weights = demand_weights(communes)
    assert weights.max() / weights.min() > 10  # demand follows population, not equal shares
    # Types are not tied to size by construction: both halves of the size order hold wards.
    half = len(communes) // 2
    assert {"phường", "xã"} <= {c.type for c in communes[:half]} and {"phường", "xã"} <= {c.type for c in communes[half:]}


# ------------------------------------------------------------------ the header arithmetic holds
def expected_arrivals(path: Path) -> dict[str, float]:
    """Expected dossiers per channel over the horizon, from the scenario's own demand plan."""
    scenario = load_scenario(path)
    plan = Region(scenario).plan
    total = plan.base.sum()
    return {name: total * channel.share * sum(w for d in range(scenario.horizon.days) for _, _, w in plan.day_pieces(k, d))
            for k, (name, channel) in enumerate(zip(plan.channel_names, plan.channels))}


def test_hanoi_quarter_is_the_reported_13_days_then_a_labelled_move_online():
    quarter = load_scenario("hanoi/2025-q3")
    default = load_scenario("hanoi/2025-07-first-13-days")
    assert (quarter.horizon.start_date.isoformat(), quarter.horizon.days) == ("2025-07-01", 92)
    calendar = build_calendar(quarter)
    assert sum(calendar.is_working_day(d) for d in range(92)) == 64
    # 1-13 July: the reported figures, exactly the default's demand (66,000 dossiers, 14% online)
    first = Region(load_scenario("hanoi/2025-q3", ["horizon.days=13"])).plan.arithmetic()
    assert first["expected_dossiers"] == pytest.approx(Region(default).plan.arithmetic()["expected_dossiers"], rel=1e-9)
    assert first["expected_dossiers"] == pytest.approx(66_000, rel=0.001)
    assert first["expected_dossiers_by_channel"]["online"] / first["expected_dossiers"] == pytest.approx(0.14, abs=0.001)
    assert quarter.demand.periods[0].from_.isoformat() == "2025-07-14"
    # then the same daily volume, and an online share rising to half of an ordinary week's dossiers
    plan = Region(quarter).plan
    assert set(plan.volume_by_day[:92].tolist()) == {default.demand.dossiers_per_working_day}
    online = plan.shares_by_day[:92, plan.channel_names.index("online")]
    assert (np.diff(online) >= 0).all() and online[12] == pytest.approx(0.1238) and online[91] == pytest.approx(0.4717)
    s = online[91]
    assert 5.6 * s / (5.6 * s + 5 * (1 - s)) == pytest.approx(0.5, abs=0.001)  # the header's arithmetic
    assert plan.arithmetic()["expected_dossiers"] == pytest.approx(484_728, rel=1e-5)  # as the header says
    text = "\n".join(header(LIBRARY_DIR / "hanoi" / "2025-q3.yaml"))
    assert "ASSUMPTION — FILINGS MOVE ONLINE" in text and "Đà Nẵng" in text and "90" in text


def test_danang_quarter_reproduces_the_reported_totals():
    by_channel = expected_arrivals(LIBRARY_DIR / "danang" / "2025-q3.yaml")
    total = sum(by_channel.values())
    assert total == pytest.approx(182_661, rel=0.001)
    assert by_channel["online"] == pytest.approx(165_155, rel=0.001)
    assert by_channel["online"] / total == pytest.approx(0.904, abs=0.001)


def test_haiphong_directive_tasks_are_a_second_stream_of_6084_tasks():
    path = LIBRARY_DIR / "haiphong" / "2025-q3.yaml"
    scenario = load_scenario(path)
    directive = scenario.demand.channels["directive"]
    assert directive.intake is None and directive.during_opening_hours
    assert scenario.demand.field_mix("directive") == {"directive_task": 1.0}
    for name in ("in_person", "online", "postal"):
        assert scenario.demand.field_mix(name).get("directive_task", 0.0) == 0.0
    task = scenario.demand.fields["directive_task"]
    assert task.deadline_working_days > 0 and task.lead_time_working_days is not None
    # Same back-office pool as the citizens' dossiers: they compete for the same staff.
    assert task.back_office.pool == scenario.demand.fields["land"].back_office.pool
    by_channel = expected_arrivals(path)
    assert by_channel["directive"] == pytest.approx(6_084, rel=0.002)
    # Lead time + about a day of work ≈ the 21 calendar days (≈ 14.8 working days) derived by Little's law.
    assert 12 <= task.lead_time_working_days.mean <= 15


def test_pre_reform_moves_district_fields_and_staff_to_the_30_real_districts():
    scenario = load_scenario("hanoi/pre-reform")
    districts = scenario.routing.districts
    assert scenario.routing.policy == "three_tier" and districts.by == "former_district"
    assert set(districts.fields) == {"business_household", "land", "construction"}
    # 10.48% of positions on dossiers, as in the default: 664 commune + 11 x 30 district (of 344).
    assert scenario.staff.allocation.totals["back_office"] == 664
    region = Region(scenario)
    assert len(region.districts) == 30 and districts.staff["back_office"] * 30 <= 344
    # Real sizes: every unit in exactly one district, and the districts differ (header: 100,122 to 456,009).
    members = sorted(i for centre in region.districts for i in centre.members)
    assert members == list(range(126))
    population = {c.name: sum(region.communes[i].population for i in c.members) for c in region.districts}
    assert population["Quận Tây Hồ"] == 100_122 and population["Huyện Đông Anh"] == 456_009
    assert sum(population.values()) == 8_811_473


def test_national_template_derives_volume_and_staff_from_population():
    """The header's arithmetic: 0.83 per 1,000 inhabitants a working day; staff by size."""
    nghe_an = Region(load_scenario("national/province"))
    assert nghe_an.population == 3_831_694 and round(nghe_an.dossiers_per_working_day) == 3_180
    hanoi = Region(load_scenario("national/province", ["communes.province=ha noi"]))
    assert round(hanoi.dossiers_per_working_day) == 7_314
    assert sum(hanoi.staff["back_office"]) == 1_008 and sum(hanoi.staff["counter"]) == 511
    assert sum(Region(load_scenario("national/province", ["communes.province=Hải Phòng"])).staff["back_office"]) == 534
    assert min(hanoi.staff["counter"]) == 2 and max(hanoi.staff["counter"]) == 11


@pytest.mark.parametrize("province", ["Tỉnh Lâm Đồng", "tp ho chi minh", "92"])
def test_national_template_takes_any_province_on_the_command_line(province):
    scenario = load_scenario("national/province", [f"communes.province={province}", "horizon.days=1"])
    region = Region(scenario)
    assert len(region.communes) == reference.find_province(province).n_units  # missing populations imputed
    assert all(c.population > 0 and c.code for c in region.communes)


# ------------------------------------------------------------------ every scenario runs
@pytest.mark.parametrize("path", PROVINCE_FILES, ids=PROVINCE_IDS)
def test_every_province_scenario_runs_two_days(path):
    skip_if_table_absent(path)
    # observed daily counts must lie inside the horizon: run those files over the dates they cover
    days = 13 if resolved(path).get("demand", {}).get("observed") else 2
    scenario = load_scenario(path, [f"horizon.days={days}"])
    summary = run(scenario, replications=1).summary
    assert summary["dossiers_arrived"] > 0
    assert summary["dossiers_arrived"] == summary["dossiers_completed"] + summary["dossiers_in_process"]


@pytest.mark.parametrize("path", PROVINCE_FILES, ids=PROVINCE_IDS)
def test_no_scenario_is_overloaded_unless_its_header_says_that_is_the_point(path):
    skip_if_table_absent(path)
    scenario = load_scenario(path)
    warnings = utilisation_warnings(scenario, path.parent)
    if "THE POINT" in "\n".join(header(path)):
        assert warnings, "the header says overload is the point, but nothing is overloaded"
    else:
        assert not warnings


# ------------------------------------------------------------------ the real commune table
def test_hanoi_default_runs_on_the_real_commune_table(tmp_path):
    if not HANOI_TABLE.is_file():
        pytest.skip(f"{HANOI_TABLE} is absent: the real commune tables are reference data outside the project")
    with open(HANOI_TABLE, newline="", encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    out = tmp_path / "out"
    code = main(["run", "hanoi/2025-07-first-13-days", "--set", f"communes.table={HANOI_TABLE}",
                 "--set", "horizon.days=2", "--replications", "1", "--out", str(out), "--quiet"])
    assert code == 0
    with open(out / "communes.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(table) == 126
    assert [r["commune"] for r in rows] == [t["name"] for t in table]
    assert Counter(r["type"] for r in rows) == Counter({"phường": 51, "xã": 75})
    assert [float(r["population"]) for r in rows] == [float(t["population"]) for t in table]
    # Communes differ: demand follows the real populations.
    arrivals = np.array([float(r["dossiers_arrived"]) for r in rows])
    population = np.array([float(t["population"]) for t in table])
    assert arrivals.max() > 5 * arrivals.min()
    assert np.corrcoef(arrivals, population)[0, 1] > 0.9
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert "hanoi.csv" in json.dumps(manifest, ensure_ascii=False)


def test_real_communes_scenario_uses_the_bundled_reference_data():
    path = LIBRARY_DIR / "hanoi" / "real-communes.yaml"
    assert own_data(path)["communes"] == {"province": "Thành phố Hà Nội"}
    communes = build_communes(load_scenario(path).communes)
    assert len(communes) == 126 and all(len(c.code) == 5 for c in communes)
    assert sum(c.population for c in communes) == 8_811_473
    assert Counter(c.type for c in communes) == Counter({"phường": 51, "xã": 75})


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_no_library_scenario_needs_a_file_outside_the_project(path):
    """A fresh clone with nothing beside it runs every library scenario."""
    table = resolved(path).get("communes", {}).get("table")
    if table is not None:
        assert ROOT in resolve_table(table, path.parent).resolve().parents, f"{path}: {table} is outside the project"
