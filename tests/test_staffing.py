"""commune-sim staff: verified, not just computed.

* On one commune that is a textbook M/M/c queue the minimum equals the Erlang C answer,
  P(W > t) = C(c, a)·exp(-(cμ - λ)t) ≤ 10%, derived here independently.
* Budget mode gives the allocation an exhaustive search finds under the same random numbers
  (every allocation of a 5-commune region simulated whole), and the allocation algorithm
  agrees with brute force on random tables.
* The recommended scenario, run with fresh seeds, meets the targets in every commune within
  the 95% intervals; one staff member fewer does not.
"""
from __future__ import annotations

import itertools
import json
import math
import random
import shutil
from pathlib import Path

import pytest
import yaml

from sim.cli import main
from sim.engine.analytic import erlang_c
from sim.study.api import load_scenario
from sim.study.staffing.allocate import allocate, first_meeting_level, level_values
from sim.study.staffing.budget import budget_staff
from sim.study.staffing.evaluate import Evaluator
from sim.study.staffing.load import pool_loads
from sim.study.staffing.minimum import minimum_staff
from sim.study.staffing.targets import Targets

ROOT = Path(__file__).resolve().parents[1]
MMC = ROOT / "scenarios" / "validation" / "mmc.yaml"
SMALL = ["communes.count=6", "communes.types={}", "demand.dossiers_per_working_day=348"]
FIVE = ["communes.count=5", "demand.dossiers_per_working_day=600", "horizon.days=8", "horizon.warmup_days=1",
        "communes.population={min: 1000, p10: 2000, p25: 3000, median: 5000, p75: 8000, p90: 12000, max: 20000}"]


def erlang_minimum(rate: float, mean: float, target: float) -> int:
    """Fewest servers c with P(W > target) = C(c, a)·exp(-(c/mean - rate)·target) <= 0.1."""
    a = rate * mean
    c = math.floor(a) + 1
    while erlang_c(c, a) * math.exp(-(c / mean - rate) * target) > 0.1:
        c += 1
    return c


def over(rate, mean, c, target):
    return erlang_c(c, rate * mean) * math.exp(-(c / mean - rate) * target) if c > rate * mean else 1.0


@pytest.mark.parametrize("per_day, target", [(288, 2), (288, 30), (288, 60), (432, 10)])
def test_minimum_on_mmc_equals_erlang_c(per_day, target):
    scenario = load_scenario(MMC, [f"demand.dossiers_per_working_day={per_day}", "horizon.days=40", "replications=6"])
    rate, mean = per_day / 1440, 12.0
    expected = erlang_minimum(rate, mean, target)
    evaluator = Evaluator.for_scenario(scenario, ["counter"], 6, wait_target=target)
    loads = {"counter": pool_loads(evaluator.region, "counter")}
    search = minimum_staff(evaluator, ["counter"], Targets(wait_p90_minutes=target), loads, 1)
    assert search.staff["counter"] == [expected]
    # the test means something: at c and c - 1 the theoretical share over the target lies further
    # from 10% than the simulation's own 95% half-width
    for c in (expected - 1, expected):
        e = evaluator.evaluate({"counter": [c]})
        share, hw = e.interval("share_over_wait_target_counter", 0)
        assert abs(over(rate, mean, c, target) - 0.1) > hw, (c, share, hw)
        assert abs(share - over(rate, mean, c, target)) < hw + 0.01  # and it agrees with Erlang C


def exhaustive(evaluator, loads, budget, minimum, target):
    """Every allocation of ``budget`` simulated as a whole region; the best by the documented key:
    most communes meeting the target, then leximin of (p90 wait, expected utilisation, -level, -index)."""
    n = len(evaluator.communes)
    best = None
    for alloc in itertools.product(range(minimum, budget - (n - 1) * minimum + 1), repeat=n):
        if sum(alloc) != budget:
            continue
        e = evaluator.evaluate({"counter": list(alloc)})
        waits, shares = e.pool_wait("counter"), e.pool_over("counter")
        meeting = sum(not shares[c] > 0.1 for c in range(n))
        values = sorted(((waits[c], loads[c].utilisation(alloc[c]), -alloc[c], -c) for c in range(n)), reverse=True)
        key = (-meeting, values)
        if best is None or key < best[0]:
            best = (key, list(alloc))
    return best[1]


@pytest.mark.slow
def test_budget_equals_exhaustive_search():
    # 5 communes of different size, 10 counter clerks: some communes must be left short, so the
    # count of communes meeting the target, the worst wait and the tie-breaks all decide
    budget, target = 10, 6.0
    scenario = load_scenario(MMC, [*FIVE, "horizon.days=4", "horizon.warmup_days=0.5", "replications=2"])
    evaluator = Evaluator.for_scenario(scenario, ["counter"], 2, wait_target=target)
    loads = {"counter": pool_loads(evaluator.region, "counter")}
    search = budget_staff(evaluator, ["counter"], {"counter": budget}, Targets(wait_p90_minutes=target), loads, 1)
    used = evaluator.simulations
    assert search.staff["counter"] == exhaustive(evaluator, loads["counter"], budget, 1, target)
    assert sum(search.staff["counter"]) == budget
    assert used < 15  # far fewer simulations than allocations


def test_allocation_agrees_with_brute_force_on_random_tables():
    rng = random.Random(5)
    for trial in range(150):
        n, minimum = rng.randint(2, 4), rng.randint(0, 2)
        budget = minimum * n + rng.randint(0, 6)
        top = budget - (n - 1) * minimum
        p90s, meets = [], []
        for c in range(n):
            waits = sorted((rng.choice([0.0, 0.0, rng.uniform(0, 50)]) for _ in range(top - minimum + 1)), reverse=True)
            p90s.append(waits)
            threshold = rng.choice([*range(minimum, top + 2)])
            meets.append([minimum + j >= threshold for j in range(len(waits))])
        loads = [rng.uniform(0.1, 3) for _ in range(n)]
        values = [level_values(p90s[c], [loads[c] / s if s else math.inf for s in range(minimum, top + 1)], c, minimum)
                  for c in range(n)]
        first = [first_meeting_level(m, minimum) for m in meets]
        best = None
        for alloc in itertools.product(range(minimum, top + 1), repeat=n):
            if sum(alloc) != budget:
                continue
            count = sum(alloc[c] >= first[c] for c in range(n))
            key = (-count, sorted((values[c][alloc[c] - minimum] for c in range(n)), reverse=True))
            if best is None or key < best[0]:
                best = (key, list(alloc))
        assert allocate(values, first, budget, minimum) == best[1], trial


@pytest.mark.slow
def test_recommendation_meets_targets_with_fresh_seeds(tmp_path, capsys):
    out = tmp_path / "staff"
    sets = [x for s in SMALL for x in ("--set", s)]
    assert main(["staff", "hanoi/2025-07-first-13-days", *sets, "--wait-p90", "30", "--on-time", "0.95",
                 "--replications", "5", "--out", str(out)]) == 0
    moved = tmp_path / "elsewhere" / "staff"  # loads from wherever the folder is
    shutil.copytree(out, moved)
    fresh = load_scenario(moved / "recommended.yaml", ["seed=777", "replications=6"])
    pools = ["counter", "back_office"]
    evaluator = Evaluator.for_scenario(fresh, pools, 6, wait_target=30)
    e = evaluator.evaluate(evaluator.base_staff)
    table = {(r["commune"], r["pool"]): r for r in _csv(out / "staffing.csv")}
    for c, info in enumerate(evaluator.communes):
        for p in pools:
            assert e.staff[p][c] == int(table[(info.name, p)]["recommended_staff"])
            share, hw = e.interval(f"share_over_wait_target_{p}", c)
            assert share - hw <= 0.1, (info.name, p, share, hw)
        share, hw = e.interval("on_time_share", c)
        assert share + hw >= 0.95, (info.name, share, hw)
    # and the check has teeth: one counter clerk fewer, and some commune misses beyond its interval;
    # one back-office member fewer, and most communes' estimates miss (13 days of heavy-tailed land
    # work make back-office intervals wide at 6 replications)
    for pool, strict in (("counter", True), ("back_office", False)):
        fewer = {p: list(v) for p, v in e.staff.items()}
        fewer[pool] = [max(1, s - 1) for s in fewer[pool]]
        shares = [evaluator.evaluate(fewer).interval(f"share_over_wait_target_{pool}", c) for c in range(6)]
        lowered = [c for c in range(6) if fewer[pool][c] < e.staff[pool][c]]
        if strict:
            assert any(shares[c][0] - shares[c][1] > 0.1 for c in lowered)
        else:
            assert sum(shares[c][0] > 0.1 for c in lowered) > len(lowered) / 2


def _csv(path):
    import csv

    with open(path, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_cli_writes_the_folder_and_one_sentence_per_pool(tmp_path, capsys):
    out = tmp_path / "s"
    assert main(["staff", str(MMC), "--set", "horizon.days=10", "--wait-p90", "5", "--replications", "3",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "counter (intake): 5 staff in all (now 3)" in printed and f"results: {out}" in printed
    assert {p.name for p in out.iterdir()} >= {"staffing.csv", "recommended.yaml", "summary.json", "staffing.png",
                                                "manifest.json"}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["by_pool"]["counter"]["staff_recommended"] == 5 and summary["simulations"] >= 2
    assert summary["communes_meeting_after"]["all"]["by_estimate"] == 1
    data = yaml.safe_load((out / "recommended.yaml").read_text())
    assert data["staff"]["by_commune"] == {"Commune 001": {"counter": 5}}
    rec = load_scenario(out / "recommended.yaml")
    assert rec.horizon.days == 10  # the --set values travel with it
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["resolved_scenario"]["horizon"]["days"] == 10 and manifest["mode"] == "minimum"


def test_cli_says_why_an_on_time_target_cannot_be_met(tmp_path, capsys):
    # certified copies are due the same day; one filed at 16:55 cannot be done by 17:00 whatever the staff
    out = tmp_path / "s"
    sets = [x for s in [*SMALL, "communes.count=3", "horizon.days=5"] for x in ("--set", s)]
    assert main(["staff", "hanoi/2025-07-first-13-days", *sets, "--on-time", "0.9999", "--pools", "counter",
                 "--replications", "2", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Not met in" in printed and "even with unlimited counter (intake) staff" in printed
    summary = json.loads((out / "summary.json").read_text())
    assert summary["not_met"] and "unlimited" in summary["not_met"][0]["reason"]


@pytest.mark.parametrize("argv, message", [
    (["--budget", "counter=0", "--wait-p90", "5"], "below --min-per-commune"),
    (["--budget", "countr=4", "--wait-p90", "5"], "did you mean 'counter'"),
    (["--budget", "counter=x"], "whole number"),
    (["--pools", "counter"], "give at least one target"),
    (["--wait-p90", "0"], "positive"),
    (["--on-time", "1.5"], "between 0 and 1"),
])
def test_bad_requests_are_usage_errors(tmp_path, capsys, argv, message):
    out = tmp_path / "s"
    try:
        code = main(["staff", str(MMC), *argv, "--out", str(out)])
    except SystemExit as exc:  # argparse refuses the value itself
        code = exc.code
    assert code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_budget_mode_shares_exactly_the_budget(tmp_path, capsys):
    out = tmp_path / "b"
    sets = [x for s in [*FIVE, "horizon.days=4"] for x in ("--set", s)]
    assert main(["staff", str(MMC), *sets, "--budget", "counter=9", "--wait-p90", "6", "--replications", "2",
                 "--out", str(out), "--lang", "vi"]) == 0
    printed = capsys.readouterr().out
    assert "quầy tiếp nhận: phân bổ 9 công chức" in printed
    rows = _csv(out / "staffing.csv")
    assert sum(int(r["recommended_staff"]) for r in rows) == 9
    assert all(int(r["recommended_staff"]) >= 1 for r in rows)


@pytest.mark.slow
def test_coupled_router_minimum_is_verified_commune_by_commune():
    # location-independent filing: a commune's counter queue depends on its neighbours' staff
    sets = [*SMALL, "horizon.days=4", "routing.cluster_size=3"]
    scenario = load_scenario("hanoi/variants/location-independent-filing", [*sets, "replications=2"])
    evaluator = Evaluator.for_scenario(scenario, ["counter"], 2, wait_target=20)
    assert not evaluator.region.independent_communes
    loads = {"counter": pool_loads(evaluator.region, "counter")}
    search = minimum_staff(evaluator, ["counter"], Targets(wait_p90_minutes=20), loads, 1)
    staff = search.staff["counter"]
    assert all(not s > 0.1 for s in evaluator.evaluate({"counter": staff}).pool_over("counter"))
    for c in range(6):  # no single clerk can go without some commune of the region missing
        if staff[c] > 1:
            fewer = list(staff)
            fewer[c] -= 1
            assert any(s > 0.1 for s in evaluator.evaluate({"counter": fewer}).pool_over("counter")), c


def test_confident_targets_need_the_whole_interval():
    targets = Targets(wait_p90_minutes=30, on_time_share=0.95, confident=True)
    assert targets.pool_wait_ok(0.08, 0.01) and not targets.pool_wait_ok(0.08, 0.03)
    assert targets.on_time_ok(0.97, 0.01) and not targets.on_time_ok(0.97, 0.03)
    plain = Targets(wait_p90_minutes=30, on_time_share=0.95)
    assert plain.pool_wait_ok(0.08, 0.03) and plain.on_time_ok(0.97, 0.03)
    scenario = load_scenario(MMC, ["horizon.days=20", "replications=4"])
    evaluator = Evaluator.for_scenario(scenario, ["counter"], 4, wait_target=10)
    loads = {"counter": pool_loads(evaluator.region, "counter")}
    bare = minimum_staff(evaluator, ["counter"], Targets(wait_p90_minutes=10), loads, 1).staff["counter"][0]
    sure = minimum_staff(evaluator, ["counter"], Targets(wait_p90_minutes=10, confident=True), loads, 1).staff["counter"][0]
    assert sure >= bare
    e = evaluator.evaluate({"counter": [sure]})
    share, hw = e.interval("share_over_wait_target_counter", 0)
    assert share + hw <= 0.1


@pytest.mark.slow
def test_real_communes_get_staff_change_maps(tmp_path, capsys):
    out = tmp_path / "s"
    sets = ["communes.only=[\"Hoàn Kiếm\", \"Cửa Nam\", \"Ba Đình\"]", "horizon.days=3"]
    assert main(["staff", "hanoi/real-communes", *[x for s in sets for x in ("--set", s)], "--pools", "counter",
                 "--wait-p90", "30", "--replications", "2", "--out", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["maps"] == ["maps/staff_change_counter.vi.png", "maps/staff_change_counter.en.png"]
    assert (out / "maps" / "staff_change_counter.vi.png").stat().st_size > 10_000
    assert all(len(r["code"]) == 5 for r in _csv(out / "staffing.csv"))


def test_a_staff_folder_has_its_own_report(tmp_path, capsys):
    out = tmp_path / "s"
    assert main(["staff", str(MMC), "--set", "horizon.days=6", "--wait-p90", "5", "--replications", "2",
                 "--out", str(out)]) == 0
    assert {"staffing.png", "staffing.vi.png", "staffing.en.png"} <= {p.name for p in out.iterdir()}
    assert json.loads((out / "manifest.json").read_text())["kind"] == "staff"
    assert main(["report", str(out), "--lang", "vi"]) == 0
    page = (out / "report-vi.html").read_text(encoding="utf-8")
    assert "Đề xuất bố trí nhân sự" in page and "quầy tiếp nhận: cần ít nhất" in page
    assert "Số công chức hiện có và đề xuất" in page and "data:image/png;base64," in page


def _budget_folder(tmp_path, name: str, options: list[str]) -> Path:
    out = tmp_path / name
    sets = [x for s in [*FIVE, "horizon.days=4"] for x in ("--set", s)]
    assert main(["staff", str(MMC), *sets, "--budget", "counter=9", "--wait-p90", "6", "--replications", "2",
                 "--out", str(out), "--quiet", *options]) == 0
    return out


@pytest.mark.parametrize("options", [["--jobs", "2"],
                                     pytest.param(["--executor", "dask", "--jobs", "2"], marks=pytest.mark.slow)],
                         ids=["local-processes", "dask"])
def test_the_search_gives_the_same_answer_wherever_its_simulations_run(tmp_path, options):
    """The search runs on the workers of run/compare (--jobs, --executor): where, never what."""
    here = _budget_folder(tmp_path, "inprocess", ["--executor", "inprocess"])
    there = _budget_folder(tmp_path, "there", options)
    assert (here / "staffing.csv").read_bytes() == (there / "staffing.csv").read_bytes()
    summaries = [json.loads((f / "summary.json").read_text()) for f in (here, there)]
    for s in summaries:
        s.pop("wall_seconds")
    assert summaries[0] == summaries[1]


def test_a_scheduler_without_dask_is_a_usage_error(tmp_path, capsys):
    out = tmp_path / "s"
    assert main(["staff", str(MMC), "--wait-p90", "5", "--scheduler", "tcp://127.0.0.1:8786", "--out", str(out)]) == 2
    assert "--scheduler needs --executor dask" in capsys.readouterr().err and not out.exists()
