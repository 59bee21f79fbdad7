"""Per-commune staff as data (staff.table, staff.by_commune), and every commune against the
targets in run, compare and sweep."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.scenario.loading import ScenarioError
from sim.scenario.region import Region
from sim.study.analysis import commune_targets, worst_communes
from sim.study.api import load_scenario
from sim.study.compare import compare

ROOT = Path(__file__).resolve().parents[1]
HANOI = ROOT / "scenarios" / "hanoi" / "2025-07-first-13-days.yaml"
MMC = ROOT / "scenarios" / "validation" / "mmc.yaml"
SMALL = "communes: {count: 4, types: {\"phường\": 2, \"xã\": 2}}\nhorizon: {days: 2}\n"


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_table_then_by_commune_after_the_allocation_policy(tmp_path):
    _write(tmp_path, "tables/staff.csv", "commune,pool,staff\nHà Nội unit 001,counter,7\n2,back_office,11\n")
    base = _write(tmp_path, "tables/base.yaml", f"extends: {HANOI}\n{SMALL}staff:\n  table: staff.csv\n")
    # the table path is relative to the file that names it (tables/), not to the extending file
    top = _write(tmp_path, "top.yaml", "extends: tables/base.yaml\nstaff:\n  by_commune:\n"
                                       "    \"Hà Nội unit 001\": {counter: 9}\n    3: {leader: 5}\n")
    region = Region(load_scenario(top))
    proportional = Region(load_scenario(HANOI, ["communes.count=4", "communes.types={phường: 2, xã: 2}", "horizon.days=2"]))
    assert region.staff["counter"] == [9, 4, 4, 4]  # by_commune beats the table, the table beats per_commune
    assert region.staff["leader"] == [2, 2, 2, 5]
    expected = list(proportional.staff["back_office"])  # the allocation policy for unlisted communes
    expected[2] = 11
    assert region.staff["back_office"] == expected
    assert load_scenario(base).staff.table == str((tmp_path / "tables" / "staff.csv").resolve())


def test_staff_is_simulated_per_commune(tmp_path):
    top = _write(tmp_path, "s.yaml", f"extends: {MMC}\ncommunes: {{count: 3}}\nhorizon: {{days: 3, warmup_days: 0.5}}\n"
                                     "staff:\n  by_commune: {1: {counter: 6}}\n")
    out = tmp_path / "out"
    assert main(["run", str(top), "--replications", "1", "--out", str(out), "--quiet"]) == 0
    communes = pd.read_csv(out / "communes.csv")
    assert communes["staff_counter"].tolist() == [3, 6, 3]


def test_bad_staff_data_is_located(tmp_path, capsys):
    _write(tmp_path, "staff.csv", "commune,pool,staff\nHà Nội unit 001,counter,5\n3,back_office,-1\n"
                                  "4,counter,1.5\nHà Nội unit 00X,counter,3\n1,countr,2\nHà Nội unit 001,counter,4\n")
    path = _write(tmp_path, "s.yaml", f"extends: {HANOI}\n{SMALL}staff:\n  table: staff.csv\n  by_commune:\n"
                                      "    9: {counter: 1}\n    \"Hà Nội unit 002\": {back_ofice: 1}\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    text = str(caught.value)
    csv = str(tmp_path / "staff.csv")
    for expected in (f"{csv}:3: staff.table: staff must not be negative (got '-1')",
                     f"{csv}:4: staff.table: staff must be a whole number",
                     f"{csv}:5: staff.table: unknown commune 'Hà Nội unit 00X'; did you mean",
                     f"{csv}:6: staff.table: unknown pool 'countr'; did you mean 'counter'?",
                     f"{csv}:7: staff.table: commune 'Hà Nội unit 001', pool 'counter' is listed twice (first at line 2)",
                     f"{path}:7:5: staff.by_commune.9: no commune with index 9 (indexes 0..3)",
                     f"{path}:8:25: staff.by_commune.Hà Nội unit 002.back_ofice: unknown pool 'back_ofice'"):
        assert expected in text, expected
    fractional = _write(tmp_path, "f.yaml", f"extends: {HANOI}\n{SMALL}staff:\n  by_commune:\n    1: {{counter: 2.5}}\n")
    assert main(["validate", str(fractional)]) == 2
    assert f"{fractional}:6:9: staff.by_commune.1.counter: Input should be a valid integer" in capsys.readouterr().err


def test_a_listed_commune_with_no_staff_for_its_work_is_refused_where_it_is_listed(tmp_path, capsys):
    """Nobody to sign means no dossier ever completes there: refused at the entry that says 0."""
    path = _write(tmp_path, "z.yaml", f"extends: {HANOI}\n{SMALL}staff:\n  by_commune:\n    3: {{leader: 0}}\n")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:6:9: staff.by_commune.3.leader: gives Hà Nội unit 004 work for pool 'leader' but no staff (got 0)" in err
    _write(tmp_path, "z.csv", "commune,pool,staff\nHà Nội unit 002,leader,0\n")
    table = _write(tmp_path, "t.yaml", f"extends: {HANOI}\n{SMALL}staff:\n  table: z.csv\n")
    assert main(["validate", str(table)]) == 2
    assert "staff.table: gives Hà Nội unit 002 work for pool 'leader' but no staff (got 0)" in capsys.readouterr().err


def test_run_reports_every_commune_against_the_targets(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(HANOI), "--set", "communes.count=5", "--set", "communes.types={}", "--set", "horizon.days=2",
                 "--set", "staff.per_commune.counter=1", "--replications", "2", "--wait-target", "10",
                 "--on-time-target", "0.999", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    summary = json.loads((out / "summary.json").read_text())
    communes = pd.read_csv(out / "communes.csv")
    assert summary["targets"] == {"wait_p90_minutes": 10.0, "on_time_share": 0.999}
    worst = summary["worst_commune"]["p90_wait_minutes"]
    means = communes.set_index("commune")["p90_wait_minutes"]
    assert worst["commune"] == means.idxmax() and worst["value"] == pytest.approx(means.max())
    assert 0 <= summary["communes_above_wait_target"] <= 5 and "communes_above_wait_target_ci95_half_width" in summary
    assert f"worst commune, 90% waiting time: {worst['commune']}" in printed
    assert "communes whose 90% waiting time is above the target" in printed


def test_counts_are_per_replication_and_the_worst_is_by_the_mean():
    rep = lambda waits, shares: {"communes": [{"commune": f"c{i}", "p90_wait_minutes": w, "on_time_share": s}  # noqa: E731
                                              for i, (w, s) in enumerate(zip(waits, shares))]}
    results = [rep([10, 40, 35], [1.0, 0.9, 0.96]), rep([50, 20, 35], [1.0, 0.97, 0.94])]
    out = commune_targets(results, 30, 0.95)
    assert out["communes_above_wait_target"] == 2 and out["communes_below_on_time_target"] == 1
    assert worst_communes(results)["p90_wait_minutes"] == {"commune": "c2", "value": 35, "ci95_half_width": 0.0}
    assert worst_communes(results)["on_time_share"]["commune"] == "c1"


def test_compare_writes_per_commune_paired_differences(tmp_path):
    sets = ["communes.count=3", "demand.dossiers_per_working_day=864", "horizon.days=10", "horizon.warmup_days=1",
            "replications=5"]
    a = load_scenario(MMC, sets)
    b = load_scenario(MMC, [*sets, "staff.by_commune={1: {counter: 5}}"])
    result = compare([("a", a), ("b", b)])
    rows = pd.DataFrame(result.commune_rows())
    waits = rows[rows.figure == "mean_wait_minutes"].set_index("commune")
    assert waits.loc["Commune 001", "difference_to_first"] == 0  # the same dossiers, the same staff
    assert waits.loc["Commune 002", "difference_to_first"] < 0  # more staff there, and only there
    assert waits.loc["Commune 002", "difference_to_first"] + waits.loc["Commune 002", "difference_ci95_half_width"] < 0
    figures = {r["figure"] for r in result.rows()}
    assert {"communes_above_wait_target", "communes_below_on_time_target"} <= figures


def test_compare_on_the_command_line_names_each_worst_commune_and_writes_the_differences(tmp_path, capsys):
    sets = ["communes.count=3", "demand.dossiers_per_working_day=864", "horizon.days=4", "horizon.warmup_days=0"]
    other = _write(tmp_path, "more.yaml", f"extends: {MMC}\nname: more counter staff in one commune\n"
                                          "staff:\n  by_commune:\n    1: {counter: 5}\n")
    out = tmp_path / "cmp"
    argv = ["compare", str(MMC), str(other), *[x for s in sets for x in ("--set", s)], "--replications", "2",
            "--wait-target", "5", "--out", str(out), "--executor", "inprocess", "--lang", "en"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert printed.count("worst commune, 90% waiting time: Commune 00") == 2, printed  # one line per scenario
    rows = pd.read_csv(out / "communes_comparison.csv")
    assert set(rows.commune) == {"Commune 001", "Commune 002", "Commune 003"}
    waits = rows[rows.figure == "mean_wait_minutes"].set_index("commune")
    assert waits.loc["Commune 001", "difference_to_first"] == 0 and waits.loc["Commune 002", "difference_to_first"] < 0
