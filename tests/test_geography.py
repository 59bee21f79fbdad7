"""Real communes and their geography: provinces from the bundled data, subsets, missing
populations, per-capita demand, staff by size, neighbours, former districts, distance groups,
and the located errors when something is unknown or impossible.

Everything reads the reference data shipped in sim/reference (no ../shared needed); runs are a
day or two of a small subset.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from sim import reference
from sim.cli import main
from sim.engine.model import Simulation
from sim.scenario import geography
from sim.scenario.loading import ScenarioError
from sim.scenario.region import Region
from sim.study.api import load_scenario, run

HANOI = "hanoi/2025-07-first-13-days"
REAL = "hanoi/real-communes"


def problems_of(name, overrides):
    with pytest.raises(ScenarioError) as info:
        load_scenario(name, overrides)
    return [(p.key_path, p.message) for p in info.value.problems]


# ------------------------------------------------------------------ communes from the reference data
def test_a_province_is_found_with_or_without_diacritics_and_in_code_order():
    for spelling in ("Tỉnh Nghệ An", "nghe an", "NGHỆ AN", "40"):
        region = Region(load_scenario(HANOI, [f"communes.province={spelling}"]))
        assert len(region.communes) == 130
    codes = [c.code for c in region.communes]
    assert codes == sorted(codes) and [c.index for c in region.communes] == list(range(130))


def test_an_unknown_province_is_a_located_error_with_did_you_mean(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(f"extends: {HANOI}\ncommunes:\n  province: Tinh Nghe Anh\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    [problem] = info.value.problems
    assert (problem.position.line, problem.position.column, problem.key_path) == (3, 3, "communes.province")
    assert "did you mean 'Tỉnh Nghệ An'" in problem.message


def test_cli_refuses_an_unknown_province_with_exit_2_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["run", HANOI, "--set", "communes.province=Atlantis", "--out", str(out), "--quiet"])
    assert code == 2 and not out.exists()
    assert "--set: communes.province: no such province" in capsys.readouterr().err


def test_only_keeps_a_subset_by_name_or_code_and_locates_each_unknown_entry():
    region = Region(load_scenario(REAL, ["communes.only=[ba dinh, Hoàn Kiếm, '00091']"]))
    assert [(c.name, c.code) for c in region.communes] == [("Ba Đình", "00004"), ("Hoàn Kiếm", "00070"),
                                                           ("Phú Thượng", "00091")]
    found = problems_of(REAL, ["communes.only=[Ba Dinh, Hoan Kiem Lake, '99999']"])
    assert [path for path, _ in found] == ["communes.only.1", "communes.only.2"]
    assert "did you mean 'Hoàn Kiếm'" in found[0][1]


def test_a_subset_keeps_the_demand_each_unit_has_in_the_whole_province():
    region = Region(load_scenario(REAL, ["communes.only=[Ba Đình, Hoàn Kiếm]"]))
    assert [c.population for c in region.communes] == [65_023, 105_301]
    whole = Region(load_scenario(REAL)).plan.base
    assert region.plan.base.tolist() == pytest.approx([whole[0], whole[3]])
    assert region.plan.base.tolist() == pytest.approx([7317 * 65_023 / 8_811_473, 7317 * 105_301 / 8_811_473])
    assert any(n.startswith("communes.only keeps 2 of 126 units (1.9% of the population)") for n in region.notes)
    per_capita = Region(load_scenario("national/province", ["communes.province=ha noi", "communes.only=[Ba Đình]"]))
    assert per_capita.dossiers_per_working_day == pytest.approx(0.83 * 65.023)


# ------------------------------------------------------------------ missing populations
def test_missing_populations_are_an_error_by_default_naming_the_units():
    [(path, message)] = problems_of(HANOI, ["communes.province=Đà Nẵng"])
    assert path == "communes.province" and "Hoàng Sa (20333)" in message and "missing_population" in message


@pytest.mark.parametrize("policy, units, hoang_sa", [("drop", 93, None), ("zero", 94, 0.0),
                                                     ("median_of_type", 94, "median")])
def test_missing_populations_follow_the_stated_policy_and_say_so(policy, units, hoang_sa):
    region = Region(load_scenario(HANOI, ["communes.province=da nang", f"communes.missing_population={policy}"]))
    assert len(region.communes) == units
    found = {c.name: c.population for c in region.communes}
    if hoang_sa == "median":  # the only đặc khu of Đà Nẵng: the median of all its units
        known = [u.population for u in reference.units("da nang") if u.population is not None]
        assert found["Hoàng Sa"] == np.median(known)
    else:
        assert found.get("Hoàng Sa") == hoang_sa
    [note] = [n for n in region.notes if "missing_population" in n]
    assert note.startswith(f"ASSUMPTION communes.missing_population={policy}") and "Hoàng Sa" in note


def test_imputed_populations_use_the_median_of_the_same_type(tmp_path):
    table = tmp_path / "units.csv"
    table.write_text("name,type,population\nA,xã,100\nB,xã,300\nC,phường,1000\nD,xã,\nE,phường,\n", encoding="utf-8")
    region = Region(load_scenario(HANOI, [f"communes.table={table}", "communes.missing_population=median_of_type"]))
    assert [c.population for c in region.communes] == [100, 300, 1000, 200, 1000]
    assert problems_of(HANOI, [f"communes.table={table}"])[0][0] == "communes.table"


def test_the_manifest_records_the_imputation(tmp_path):
    out = tmp_path / "out"
    assert main(["run", HANOI, "--set", "communes.province=Đà Nẵng", "--set", "communes.missing_population=zero",
                 "--set", "horizon.days=1", "--replications", "1", "--out", str(out), "--quiet"]) == 0
    warnings = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["warnings"]
    assert any(w.startswith("ASSUMPTION communes.missing_population=zero") and "Hoàng Sa" in w for w in warnings)


def test_a_table_with_codes_is_real_and_an_unknown_code_is_refused(tmp_path):
    table = tmp_path / "units.csv"
    table.write_text("code,name,type,population\n00004,Ba Đình,phường,65023\n00070,Hoàn Kiếm,phường,105301\n",
                     encoding="utf-8")
    region = Region(load_scenario(HANOI, [f"communes.table={table}"]))
    assert region.has_geography and [c.code for c in region.communes] == ["00004", "00070"]
    table.write_text("code,name,type,population\n12345,Nowhere,xã,100\n", encoding="utf-8")
    [(path, message)] = problems_of(HANOI, [f"communes.table={table}"])
    assert path == "communes.table" and "'12345' is not the code of a unit" in message


# ------------------------------------------------------------------ per-capita demand, staff by size
def test_per_capita_demand_and_its_exclusive_alternative():
    scenario = load_scenario(REAL, ["demand.dossiers_per_working_day=null",
                                    "demand.dossiers_per_1000_inhabitants_per_working_day=1.0"])
    assert Region(scenario).dossiers_per_working_day == pytest.approx(8_811.473)
    both = problems_of(REAL, ["demand.dossiers_per_1000_inhabitants_per_working_day=1.0"])
    assert both[0][0] == "demand" and "not both" in both[0][1]
    synthetic = problems_of("validation/mmc", ["demand.dossiers_per_working_day=null",
                                                "demand.dossiers_per_1000_inhabitants_per_working_day=1"])
    assert synthetic == [("demand.dossiers_per_1000_inhabitants_per_working_day",
                          "per-capita demand needs commune populations: communes.population (quantiles), "
                          "communes.province or communes.table")]


def test_staff_by_population_rounds_and_clamps():
    scenario = load_scenario(REAL, ["staff.allocation.pools=[]", "staff.allocation.totals={}",
                                    "staff.allocation.policy=as_given",
                                    "staff.by_population={counter: {per_10000_inhabitants: 0.5, base: 1, minimum: 3, maximum: 8}}"])
    region = Region(scenario)
    for commune, counters in zip(region.communes, region.staff["counter"]):
        assert counters == min(8, max(3, int(np.floor(1 + 0.5 * commune.population / 10_000 + 0.5))))
    assert min(region.staff["counter"]) == 3 and max(region.staff["counter"]) == 8


def test_a_pool_staffed_two_ways_is_refused():
    found = problems_of(REAL, ["staff.by_population={back_office: {per_10000_inhabitants: 1}}"])
    assert ("staff.by_population.back_office", "this pool is also in staff.allocation; staff it one way") in found


# ------------------------------------------------------------------ neighbours
def test_border_neighbourhoods_are_symmetric_and_follow_the_reference_data():
    communes = Region(load_scenario(REAL)).communes
    hoods = geography.neighbourhoods(communes, "border")
    for i, hood in enumerate(hoods):
        assert i in hood and all(i in hoods[j] for j in hood)
    ba_dinh = communes[0]
    assert ba_dinh.name == "Ba Đình"
    adjacency = reference.neighbours([c.code for c in communes])[ba_dinh.code]
    assert {communes[j].code for j in hoods[0]} - {ba_dinh.code} == set(adjacency)


def test_consecutive_neighbourhoods_are_the_old_runs():
    assert geography.consecutive_runs(10, 4) == [(0, 1, 2, 3)] * 4 + [(4, 5, 6, 7)] * 4 + [(8, 9)] * 2


def test_within_km_neighbourhoods_grow_with_the_distance():
    communes = Region(load_scenario(REAL)).communes
    distances = geography.distances_km(communes)
    assert np.allclose(distances, distances.T) and np.all(np.diag(distances) == 0)
    sizes = []
    for km in (3, 5, 10):
        spec = load_scenario(REAL, [f"routing.neighbours={{within_km: {km}}}"]).routing.neighbours
        hoods = geography.neighbourhoods(communes, spec)
        assert all(distances[i, j] <= km for i, hood in enumerate(hoods) for j in hood)
        sizes.append(sum(map(len, hoods)))
    assert sizes[0] < sizes[1] < sizes[2]


def test_filing_at_a_real_neighbour_moves_dossiers_only_across_borders():
    scenario = load_scenario("hanoi/variants/filing-at-real-neighbours", ["horizon.days=2"])
    simulation = Simulation(Region(scenario), 0, dossier_log=True)
    log = simulation.run()["dossier_log"]
    hoods = simulation.region.neighbourhoods
    moved = [(home, intake) for home, intake, *_ in log if home != intake]
    assert len(moved) > 100
    assert all(intake in hoods[home] for home, intake in moved)


@pytest.mark.parametrize("option, path", [("routing.neighbours=border", "routing.neighbours"),
                                          ("routing.neighbours={within_km: 5}", "routing.neighbours")])
def test_synthetic_communes_have_no_neighbours(option, path):
    found = problems_of("hanoi/variants/location-independent-filing", [option])
    assert found[0][0] == path and "synthetic communes have no neighbours" in found[0][1]


def test_consecutive_neighbours_are_the_default_so_old_scenarios_are_unchanged():
    assert load_scenario("hanoi/variants/location-independent-filing").routing.neighbours == "consecutive"


# ------------------------------------------------------------------ districts and central pools
def test_former_district_groups_put_every_unit_in_its_dominant_district():
    communes = Region(load_scenario(REAL)).communes
    groups = geography.former_district_groups(communes)
    by_code = {u.code: u for u in reference.units("ha noi")}
    assert len(groups) == 30
    for name, members in groups.items():
        assert all(by_code[communes[i].code].former_district == name for i in members)
    assert sorted(i for m in groups.values() for i in m) == list(range(126))


def test_a_wrong_district_count_is_refused_with_the_real_number():
    found = problems_of("hanoi/pre-reform", ["routing.districts.count=29"])
    assert found == [("routing.districts.count", "these communes came from 30 former districts, not 29 "
                                                 "(leave count out with by: former_district)")]


def test_hub_groups_cover_every_commune_once_within_the_distance():
    communes = Region(load_scenario(REAL)).communes
    distances = geography.distances_km(communes)
    groups = geography.hub_groups(communes, 10)
    members = sorted(i for m in groups.values() for i in m)
    assert members == list(range(126))
    first_hub = max(range(126), key=lambda i: communes[i].population)
    assert list(groups)[0] == communes[first_hub].name
    for name, group in groups.items():
        hub = next(i for i in group if communes[i].name == name)
        assert all(distances[hub, i] <= 10 for i in group)


@pytest.mark.parametrize("by, pools", [("former_district", 30), ("{within_km: 10}", None)])
def test_central_pools_by_district_or_distance_share_the_staff_and_run(by, pools):
    scenario = load_scenario(REAL, ["routing.policy=central_pool", "routing.central_pool={staff: 141}",
                                    f"routing.central_pool.by={by}", "horizon.days=2"])
    region = Region(scenario)
    assert pools is None or len(region.central_pools) == pools
    assert sum(g.staff["central"] for g in region.central_pools) == 141
    assert all(g.staff["central"] >= 1 for g in region.central_pools)
    summary = run(scenario, replications=1).summary
    assert summary["pools"]["central_back_office"]["pools"] == len(region.central_pools)
    assert summary["pools"]["central_back_office"]["dossiers_served"] > 0


def test_too_few_central_staff_for_the_groups_is_refused():
    found = problems_of(REAL, ["routing.policy=central_pool", "routing.central_pool={staff: 20, by: former_district}"])
    assert found == [("routing.central_pool.staff", "20 staff cannot give each of the 30 central pools at least 1")]
