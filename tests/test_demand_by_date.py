"""Demand by date (issue 11 item 1): periods, a total over dates, observed daily counts.

Arrival counts are checked against expectations worked out by hand, within 4 Poisson
standard deviations; replayed counts exactly; the schema's valid and invalid forms with
located errors (file:line:column, exit 2, nothing written).
"""
from __future__ import annotations

import datetime as dt
import math
from collections import Counter

import numpy as np
import pytest
import yaml
from conftest import ARRIVAL, CHANNEL, DAY, HOME, HANOI, nan_equal, read_json, run_cli, same, simulate

from sim.engine import shards
from sim.engine.model import Simulation
from sim.scenario.checks import utilisation_warnings
from sim.scenario.loading import ScenarioError
from sim.scenario.region import Region
from sim.study.api import load_scenario
from sim.study.runner import run_replication

SIGMAS = 4.0
START = dt.date(2025, 7, 7)  # a Monday


def within_poisson(observed: float, expected: float) -> bool:
    return abs(observed - expected) <= SIGMAS * math.sqrt(max(expected, 1.0))


def small(**demand) -> dict:
    """24/7, two channels in_person (80%) and online (20%) with flat profiles (in person around
    the clock too, for simple arithmetic), no staff step: every
    dossier completes on arrival, so a run is just its arrivals."""
    out = {
        "name": "demand by date", "seed": 11,
        "horizon": {"start_date": START.isoformat(), "days": 30},
        "calendar": {"always_open": True},
        "demand": {"dossiers_per_working_day": 1000,
                   "channels": {"in_person": {"share": 0.8, "intake": None, "during_opening_hours": False},
                                "online": {"share": 0.2, "intake": None, "during_opening_hours": False}},
                   "fields": {"any": {"share": 1.0, "deadline_working_days": 1, "back_office": None, "sign_off": False}}},
        "communes": {"count": 4}, "staff": {"per_commune": {"counter": 1}},
    }
    out["demand"].update(demand)
    return out


def write(tmp_path, data: dict, name: str = "scenario.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def counts_by(log, days: int) -> dict:
    """Arrivals per (channel, day)."""
    return Counter((row[CHANNEL], int(row[ARRIVAL] // DAY)) for row in log)


def date(day: int) -> str:
    return (START + dt.timedelta(days=day)).isoformat()


# --------------------------------------------------------------------- periods
def test_a_period_that_restates_the_rate_changes_nothing():
    plain = run_replication(load_scenario(HANOI, ["horizon.days=4"]), 0)
    restated = run_replication(load_scenario(HANOI, [
        "horizon.days=4", "demand.periods=[{from: 2025-07-03, dossiers_per_working_day: 7317, "
        "channel_shares: {in_person: 0.8562, online: 0.1238, postal: 0.02}}]"]), 0)
    for r in (plain, restated):
        r.pop("wall_seconds")
    assert nan_equal(plain, restated)


def test_step_periods_change_volume_then_mix_from_their_dates(tmp_path):
    data = small(periods=[{"from": date(10), "dossiers_per_working_day": 2000},
                          {"from": date(20), "channel_shares": {"in_person": 0.5, "online": 0.5}}])
    _, result = simulate(load_scenario(write(tmp_path, data)))
    counts = counts_by(result["dossier_log"], 30)
    # volume kept from the period before when only the mix changes (2000 from day 10 on)
    expected = {(0, range(0, 10)): 800, (1, range(0, 10)): 200, (0, range(10, 20)): 1600, (1, range(10, 20)): 400,
                (0, range(20, 30)): 1000, (1, range(20, 30)): 1000}
    for (channel, days), per_day in expected.items():
        observed = sum(counts[channel, d] for d in days)
        assert within_poisson(observed, per_day * len(days)), (channel, days, observed)


def test_channels_a_period_leaves_out_share_the_rest_as_they_did_before(tmp_path):
    data = small(channels={"in_person": {"share": 0.6, "intake": None}, "online": {"share": 0.1, "intake": None},
                           "postal": {"share": 0.3, "intake": None}},
                 periods=[{"from": date(5), "channel_shares": {"online": 0.5}},
                          {"from": date(9), "channel_shares": {"postal": 0.2, "online": 0.2}}])
    scenario = load_scenario(write(tmp_path, data))
    shares = Region(scenario).plan.shares_by_day
    assert shares[4].tolist() == pytest.approx([0.6, 0.1, 0.3])
    assert shares[5].tolist() == pytest.approx([0.5 * 0.6 / 0.9, 0.5, 0.5 * 0.3 / 0.9])  # 0.5 left, 2:1 as before
    assert shares[9].tolist() == pytest.approx([0.6, 0.2, 0.2])  # the one left out takes the rest
    # a calibration can move one share alone
    moved = Region(load_scenario(write(tmp_path, data, "b.yaml"), ["demand.periods.0.channel_shares.online=0.7"])).plan
    assert moved.shares_by_day[5].tolist() == pytest.approx([0.2, 0.7, 0.1])


def test_linear_periods_ramp_each_value_between_the_periods_that_set_it(tmp_path):
    data = small(periods=[{"from": date(10), "dossiers_per_working_day": 1000},
                          {"from": date(15), "channel_shares": {"in_person": 0.8, "online": 0.2}},
                          {"from": date(20), "dossiers_per_working_day": 2000},
                          {"from": date(25), "channel_shares": {"in_person": 0.4, "online": 0.6}}],
                 interpolate="linear")
    scenario = load_scenario(write(tmp_path, data))
    plan = Region(scenario).plan
    volume = plan.volume_by_day[:30]
    assert volume[:10].tolist() == [1000] * 10 and volume[20:30].tolist() == [2000] * 10
    assert volume[10:21].tolist() == pytest.approx([1000 + 100 * k for k in range(11)])
    b = plan.shares_by_day[:30, 1]
    assert b[:15].tolist() == pytest.approx([0.2] * 15) and b[25:].tolist() == pytest.approx([0.6] * 5)
    assert b[15:26].tolist() == pytest.approx([0.2 + 0.04 * k for k in range(11)])
    _, result = simulate(scenario)
    counts = counts_by(result["dossier_log"], 30)
    for first, last in ((0, 10), (10, 20), (20, 30)):
        for channel in (0, 1):
            expected = sum(volume[d] * plan.shares_by_day[d, channel] for d in range(first, last))
            observed = sum(counts[channel, d] for d in range(first, last))
            assert within_poisson(observed, expected), (channel, first, observed, expected)


def test_the_pre_run_check_sees_the_busiest_period():
    """validation/mmc at utilisation 0.8 is fine; a period from day 30 at 500 a day is not."""
    assert utilisation_warnings(load_scenario("validation/mmc")) == []
    busy = load_scenario("validation/mmc", ["demand.periods=[{from: 2025-07-31, dossiers_per_working_day: 500}]"])
    (warning,) = utilisation_warnings(busy)
    assert "pool 'counter'" in warning and "1.39" in warning


# ------------------------------------------------------------------------ total
def test_a_total_gives_the_daily_volume_of_the_header_arithmetic(tmp_path, capsys):
    """hanoi/2025-07-first-13-days derives 7,317 by hand: 66,000 / 9.0201 ordinary working days."""
    scenario = load_scenario(HANOI, ["demand.dossiers_per_working_day=null",
                                     "demand.total={dossiers: 66000, from: 2025-07-01, to: 2025-07-13}"])
    arithmetic = Region(scenario).plan.arithmetic()
    assert arithmetic["total"]["ordinary_working_day_equivalents"] == pytest.approx(8.853 + 1.35 * 0.1238, abs=1e-3)
    assert arithmetic["dossiers_per_working_day"] == pytest.approx(66000 / 9.02013, rel=1e-9)
    assert arithmetic["expected_dossiers"] == pytest.approx(66000, rel=1e-12)
    out = tmp_path / "out"
    assert run_cli("run", HANOI, "--set", "demand.dossiers_per_working_day=null", "--set",
                   "demand.total={dossiers: 66000, from: 2025-07-01, to: 2025-07-13}", "--set", "horizon.days=2",
                   "--replications", "1", "--out", out, "--quiet") == 0
    manifest = read_json(out / "manifest.json")
    assert manifest["demand"]["total"]["dossiers_per_working_day"] == pytest.approx(7316.97, abs=0.01)


def test_a_total_over_periods_counts_what_the_periods_bring(tmp_path):
    data = small(dossiers_per_working_day=None, total={"dossiers": 50_000, "from": date(0), "to": date(29)},
                 periods=[{"from": date(10), "channel_shares": {"in_person": 0.5, "online": 0.5}}])
    plan = Region(load_scenario(write(tmp_path, data))).plan
    assert plan.base_volume == pytest.approx(50_000 / 30)  # every day counts 1 (24/7, flat): shares sum to 1
    assert plan.arithmetic()["expected_dossiers"] == pytest.approx(50_000)
    data = small(dossiers_per_working_day=None, total={"dossiers": 20_000, "from": date(0), "to": date(9)},
                 periods=[{"from": date(5), "dossiers_per_working_day": 3000}])
    plan = Region(load_scenario(write(tmp_path, data, "b.yaml"))).plan
    assert plan.base_volume == pytest.approx((20_000 - 5 * 3000) / 5)


# --------------------------------------------------------------------- observed
def observed_scenario(tmp_path, rows: list[str], header="date,dossiers", **demand) -> dict:
    (tmp_path / "counts.csv").write_text("# illustrative\n" + header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return small(observed="counts.csv", **demand)


def test_observed_counts_are_followed_day_by_day(tmp_path):
    rows = [f"{date(d)},{n}" for d, n in ((0, 4000), (1, 0), (2, 2500), (4, 3000))]  # day 3 missing: none
    data = observed_scenario(tmp_path, rows, periods=[{"from": date(2), "channel_shares": {"in_person": 0.5, "online": 0.5}}])
    _, result = simulate(load_scenario(write(tmp_path, data)))
    counts = counts_by(result["dossier_log"], 30)
    split = {0: 0.8, 2: 0.5, 4: 0.5}
    for day, n in ((0, 4000), (1, 0), (2, 2500), (3, 0), (4, 3000)):
        for channel in (0, 1):
            share = split.get(day, 0.5) if channel == 0 else 1 - split.get(day, 0.5)
            assert within_poisson(counts[channel, day], n * share), (day, channel, counts[channel, day])
    assert within_poisson(sum(counts[0, d] + counts[1, d] for d in range(5, 30)), 25 * 1000)  # the rate after


def test_replayed_counts_are_exact_by_day_channel_and_commune(tmp_path):
    rows = [f"{date(0)},in_person,7,Commune 001", f"{date(0)},online,3,Commune 003", f"{date(2)},in_person,11,Commune 002"]
    data = observed_scenario(tmp_path, rows, header="date,channel,dossiers,commune", observed_mode="replay")
    _, result = simulate(load_scenario(write(tmp_path, data)))
    early = Counter((row[HOME], row[CHANNEL], int(row[ARRIVAL] // DAY)) for row in result["dossier_log"]
                    if row[ARRIVAL] < 3 * DAY)
    assert early == {(0, 0, 0): 7, (2, 1, 0): 3, (1, 0, 2): 11}


def test_replayed_region_counts_are_dealt_out_the_same_in_shards(tmp_path, monkeypatch):
    rows = [f"{date(d)},{n}" for d, n in ((0, 400), (1, 350), (2, 0), (3, 500))]
    data = observed_scenario(tmp_path, rows, observed_mode="replay")
    data["communes"]["count"] = 9
    scenario = load_scenario(write(tmp_path, data), ["horizon.days=6", "outputs.dossier_log=true"])
    whole = Simulation(Region(scenario), 2, dossier_log=True).run()
    monkeypatch.setattr(shards, "SHARD_COMMUNES", 4)
    assert len(Region(scenario).shards) == 3
    sharded = run_replication(scenario, 2)
    per_day = Counter(int(row[ARRIVAL] // DAY) for row in sharded["dossier_log"])
    assert [per_day[d] for d in range(4)] == [400, 350, 0, 500]
    assert sorted(whole.pop("dossier_log")) == sorted(sharded.pop("dossier_log"))
    for r in (whole, sharded):
        r.pop("wall_seconds", None), r.pop("replication", None)
    same(whole, sharded)


def test_the_illustrative_variant_runs():
    scenario = load_scenario("hanoi/variants/observed-daily-counts", ["horizon.days=13"])
    plan = Region(scenario).plan
    assert plan.observed is not None and len(plan.observed.day) > 0


# ----------------------------------------------------------------------- errors
CSV_ERRORS = {
    "2025-06-30,10": ("date outside the horizon", 1),
    "2025-08-06,10": ("date outside the horizon", 1),
    "07/07/2025,10": ("date must be YYYY-MM-DD", 1),
    "2025-07-08,-4": ("dossiers must not be negative", 12),
    "2025-07-08,4.5": ("dossiers must be a whole number", 12),
    "2025-07-08,": ("dossiers must be a whole number", 12),
}


@pytest.mark.parametrize("row", sorted(CSV_ERRORS))
def test_a_bad_row_is_located_in_the_counts_file(row, tmp_path, capsys):
    data = observed_scenario(tmp_path, [f"{date(0)},5", row])
    path = write(tmp_path, data)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    (problem,) = caught.value.problems
    message, column = CSV_ERRORS[row]
    assert message in problem.message
    csv_path = str((tmp_path / "counts.csv").resolve())
    assert (problem.position.file, problem.position.line, problem.position.column) == (csv_path, 4, column)
    out = tmp_path / "out"
    assert run_cli("run", path, "--out", out) == 2
    assert f"{csv_path}:4:{column}: demand.observed: {message}" in capsys.readouterr().err
    assert not out.exists()


def test_every_problem_of_the_counts_file_is_reported_at_once(tmp_path):
    rows = [f"{date(0)},in_person,5", f"{date(1)},postal,5", f"{date(0)},in_person,6", f"{date(2)},onlin,5"]
    data = observed_scenario(tmp_path, rows, header="date,channel,dossiers")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write(tmp_path, data))
    messages = [(p.position.line, p.message) for p in caught.value.problems]
    assert [line for line, _ in messages] == [4, 5, 6]
    assert "unknown channel 'postal'" in messages[0][1]
    assert "the same date, channel as line 3" in messages[1][1]
    assert "unknown channel 'onlin'" in messages[2][1] and "did you mean 'online'?" in messages[2][1]


def test_unknown_communes_and_columns_are_located(tmp_path):
    data = observed_scenario(tmp_path, [f"{date(0)},5,Commune 01"], header="date,dossiers,commune")
    with pytest.raises(ScenarioError, match=r"counts.csv:3:14: demand.observed: unknown commune 'Commune 01'.*"
                                            r"did you mean 'Commune 001'"):
        load_scenario(write(tmp_path, data))
    data = observed_scenario(tmp_path, [f"{date(0)},5,x"], header="date,dossiers,district")
    with pytest.raises(ScenarioError, match=r"counts.csv:2:15: demand.observed: unknown column 'district'"):
        load_scenario(write(tmp_path, data))
    data = observed_scenario(tmp_path, ["5"], header="dossiers")
    with pytest.raises(ScenarioError, match=r"counts.csv:2:1: demand.observed: the header lacks the column\(s\) date"):
        load_scenario(write(tmp_path, data))


def test_a_count_on_a_day_its_channel_is_closed_is_located(tmp_path):
    """Office hours: in-person dossiers cannot arrive on a Sunday."""
    scenario = {**small(), "calendar": {"weekday_hours": [["08:00", "17:00"]]}}
    scenario["demand"]["channels"]["in_person"]["during_opening_hours"] = True
    (tmp_path / "counts.csv").write_text(f"date,channel,dossiers\n{date(5)},in_person,0\n{date(6)},in_person,12\n",
                                         encoding="utf-8")
    scenario["demand"]["observed"] = "counts.csv"
    with pytest.raises(ScenarioError, match=r"counts.csv:3:\d+: demand.observed: 12 in_person dossiers on 2025-07-13, a day "
                                            r"the channel takes no arrivals"):
        load_scenario(write(tmp_path, scenario))


def test_missing_counts_file(tmp_path):
    data = small(observed="nowhere.csv")
    with pytest.raises(ScenarioError, match=r"scenario.yaml:\d+:\d+: demand.observed: observed counts file not found"):
        load_scenario(write(tmp_path, data))


SCHEMA_ERRORS = {
    "both": ({"total": {"dossiers": 100, "from": "2025-07-07", "to": "2025-07-10"}},
             "demand", "give demand.dossiers_per_working_day or demand.total, not both"),
    "neither": ({"dossiers_per_working_day": None}, "demand",
                "demand.total (over dates) or demand.observed (daily counts)"),
    "order": ({"periods": [{"from": "2025-07-20", "dossiers_per_working_day": 5},
                           {"from": "2025-07-10", "dossiers_per_working_day": 6}]},
              "demand.periods.1.from", "periods must be in date order"),
    "unknown channel": ({"periods": [{"from": "2025-07-20", "channel_shares": {"postal": 0.1}}]},
                        "demand.periods.0.channel_shares", "unknown channel(s) ['postal']"),
    "shares": ({"periods": [{"from": "2025-07-20", "channel_shares": {"in_person": 0.5, "online": 0.6}}]},
               "demand.periods.0", "sum to 1.1, more than 1"),
    "shares short": ({"periods": [{"from": "2025-07-20", "channel_shares": {"in_person": 0.5, "online": 0.4}}]},
                     "demand.periods.0.channel_shares", "sum to 0.9, not 1"),
    "rest for nobody": ({"channels": {"in_person": {"share": 1.0, "intake": None},
                                      "online": {"share": 0.0, "intake": None}},
                         "periods": [{"from": "2025-07-20", "channel_shares": {"in_person": 0.7}}]},
                        "demand.periods.0.channel_shares", "had no share before"),
    "empty period": ({"periods": [{"from": "2025-07-20"}]}, "demand.periods.0", "sets dossiers_per_working_day"),
    "interpolate": ({"interpolate": "cubic"}, "demand.interpolate", "'step' or 'linear'"),
    "mode": ({"observed_mode": "exact"}, "demand.observed_mode", "'poisson' or 'replay'"),
    "total before start": ({"dossiers_per_working_day": None,
                            "total": {"dossiers": 100, "from": "2025-07-01", "to": "2025-07-10"}},
                           "demand.total.from", "before horizon.start_date"),
    "total backwards": ({"dossiers_per_working_day": None,
                         "total": {"dossiers": 100, "from": "2025-07-10", "to": "2025-07-08"}},
                        "demand.total", "is before `from`"),
    "total covered": ({"dossiers_per_working_day": None, "total": {"dossiers": 100, "from": "2025-07-10", "to": "2025-07-12"},
                       "periods": [{"from": "2025-07-08", "dossiers_per_working_day": 50}]},
                      "demand.total", "no daily volume left to derive"),
    "total too small": ({"dossiers_per_working_day": None, "total": {"dossiers": 100, "from": "2025-07-07", "to": "2025-07-12"},
                         "periods": [{"from": "2025-07-10", "dossiers_per_working_day": 500}]},
                        "demand.total", "is no more than the 1,500 dossiers"),
}


@pytest.mark.parametrize("case", sorted(SCHEMA_ERRORS))
def test_demand_by_date_mistakes_are_located(case, tmp_path):
    demand, key, message = SCHEMA_ERRORS[case]
    path = write(tmp_path, small(**demand))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    found = [(p.key_path, p.message, p.position) for p in caught.value.problems]
    assert any(k == key and message in m and pos.file == str(path) and pos.line for k, m, pos in found), found


def test_observed_counts_alone_must_cover_the_horizon(tmp_path):
    data = observed_scenario(tmp_path, [f"{date(0)},5", f"{date(3)},5"], dossiers_per_working_day=None)
    with pytest.raises(ScenarioError, match=r"demand.observed: covers 2025-07-07 to 2025-07-10 but the horizon runs "
                                            r"from 2025-07-07 to 2025-08-05"):
        load_scenario(write(tmp_path, data))
    plan = Region(load_scenario(write(tmp_path, data, "short.yaml"), ["horizon.days=4"])).plan
    assert plan.arithmetic()["source"] == "demand.observed" and plan.arithmetic()["expected_dossiers"] == pytest.approx(10)


def test_the_daily_multipliers_of_a_single_rate_are_exactly_one(tmp_path):
    """Why single-rate scenarios draw the same arrivals: no multiplier at all, and a period
    that restates the rate gives multipliers of exactly 1.0."""
    assert Region(load_scenario(write(tmp_path, small()))).plan.multiplier is None
    restated = small(periods=[{"from": date(3), "dossiers_per_working_day": 1000, "channel_shares": {"in_person": 0.8, "online": 0.2}}])
    multiplier = Region(load_scenario(write(tmp_path, restated, "r.yaml"))).plan.multiplier
    assert np.all(multiplier == 1.0)


def test_the_calibration_cache_knows_an_edited_counts_file(tmp_path):
    from sim.calibration.evaluations import scenario_key

    data = observed_scenario(tmp_path, [f"{date(0)},5"])
    path = write(tmp_path, data)
    before = scenario_key(load_scenario(path))
    (tmp_path / "counts.csv").write_text(f"date,dossiers\n{date(0)},6\n", encoding="utf-8")
    assert scenario_key(load_scenario(path)) != before
