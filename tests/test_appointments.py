"""Appointment dates, waits on other agencies and deadline mixes (issue 11 item 2).

Each feature on a small scenario whose outcome is worked out by hand (deterministic times:
exact instants; random shares: binomial tolerances of 4 standard deviations); the schema's
valid and invalid forms with located errors; the conservation identity and the in-process
split under every feature (hypothesis); Little's law on a stationary 24/7 case whose mean
time in system is known in closed form.
"""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from conftest import ARRIVAL, COL, DAY, DEADLINE, FIELD, FINISH, ON_TIME, det, make, nan_equal, read_json, run_cli, simulate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.engine.analytic import mmc_mean_wait
from sim.scenario.loading import ScenarioError
from sim.scenario.schema import Scenario
from sim.study.api import load_scenario
from sim.study.runner import run_replications

SIGMAS = 4.0
WORK_DONE, DEADLINE_DAYS = COL["work_done_minute"], COL["deadline_working_days"]
OPEN, CLOSE = 480.0, 1020.0  # 08:00 and 17:00


def counter(service: float = 5.0) -> dict:
    return {"in_person": {"share": 1.0, "intake": {"pool": "counter", "service_minutes": det(service)}}}


def field(**kw) -> dict:
    out = {"share": 1.0, "deadline_working_days": 5, "sign_off": False,
           "back_office": {"pool": "back_office", "service_minutes": det(30)}}
    out.update(kw)
    return out


def within_binomial(hits: int, n: int, p: float) -> bool:
    return abs(hits - n * p) <= SIGMAS * math.sqrt(n * p * (1 - p)) + 1e-9


def done(row) -> bool:
    return not math.isnan(row[FINISH])


# ------------------------------------------------------------------ appointments
def test_a_result_held_for_its_appointment_is_handed_back_on_the_deadline_day():
    """Office hours, deadline 5 working days, 35 minutes of work: every result is ready the
    day it is filed and handed back at 08:00 of the fifth working day after."""
    scenario = make(rate=40, days=14, channels=counter(), fields={"any": field(appointment="at_appointment")},
                    staff={"counter": 50, "back_office": 50})
    sim, result = simulate(scenario)
    log = result["dossier_log"]
    finished = [row for row in log if done(row)]
    assert len(finished) > 100
    for row in finished:
        deadline_day = math.floor(row[DEADLINE] / DAY)
        assert row[DEADLINE] == deadline_day * DAY + CLOSE
        assert row[FINISH] == deadline_day * DAY + OPEN  # the appointment: the opening of the deadline day
        assert row[WORK_DONE] == pytest.approx(sim.calendar.add_working_minutes(row[ARRIVAL], 35), abs=1e-6)
        assert row[WORK_DONE] < row[FINISH] and row[ON_TIME] is True
    field_figures = result["by_field"]["any"]
    assert field_figures["on_due_date_share"] == 1.0 and field_figures["early_share"] == 0.0
    assert field_figures["late_share"] == 0.0 and field_figures["on_time_share"] == 1.0
    # the dossiers of the last five working days are in process and not late; all but those
    # filed in the last minutes of the last day (work not done) are held for the appointment
    region = result["region"]
    in_process = sum(1 for row in log if not done(row))
    held = sum(1 for row in log if not done(row) and not math.isnan(row[WORK_DONE]))
    assert region["dossiers_held_for_appointment"] == held > 100 and in_process - held < 10
    assert region["dossiers_in_process"] == region["dossiers_in_process_within_deadline"] == in_process
    assert region["dossiers_overdue_in_process"] == 0
    assert result["pools"]["back_office"]["dossiers_served"] == result["region"]["dossiers_arrived"]


def test_on_completion_results_are_early_and_the_classification_follows_the_deadline_day():
    """The same dossiers handed back on completion: filed before 16:25 they are done the same
    day, four working days before the deadline day (early); a same-day deadline met is on the
    due date; work finishing after the deadline is late."""
    fields = {"five_days": field(share=0.5),
              "same_day": field(share=0.5, deadline_working_days=0, back_office={"pool": "back_office",
                                                                                 "service_minutes": det(200)})}
    scenario = make(rate=40, days=10, channels=counter(), fields=fields, staff={"counter": 50, "back_office": 50})
    _, result = simulate(scenario)
    five, same = result["by_field"]["five_days"], result["by_field"]["same_day"]
    assert five["early_share"] == 1.0 and five["on_due_date_share"] == 0.0
    # 205 minutes of work: filed by 13:55 it is done by 17:00 the same day (on the due date),
    # filed later it finishes the next morning (late)
    rows = [row for row in result["dossier_log"] if done(row) and row[FIELD] == 1]
    on_due = [row for row in rows if row[FINISH] <= row[DEADLINE]]
    late = [row for row in rows if row[FINISH] > row[DEADLINE]]
    assert on_due and late
    assert same["on_due_date_share"] == pytest.approx(len(on_due) / len(rows))
    assert same["late_share"] == pytest.approx(len(late) / len(rows)) == pytest.approx(1 - same["on_time_share"])
    assert same["early_share"] == 0.0
    region = result["region"]
    assert region["early_share"] + region["on_due_date_share"] + region["late_share"] == pytest.approx(1.0)


def test_a_mix_holds_its_share_of_results():
    share = 0.6
    scenario = make(rate=200, days=10, calendar={"always_open": True}, channels=counter(1),
                    fields={"any": field(appointment={"at_appointment": share}, deadline_working_days=2,
                                         back_office=None)},
                    staff={"counter": 100})
    _, result = simulate(scenario)
    rows = [row for row in result["dossier_log"] if row[ARRIVAL] < 7 * DAY]
    held = sum(1 for row in rows if row[FINISH] > row[WORK_DONE])
    assert within_binomial(held, len(rows), share), (held, len(rows))


def test_appointments_change_no_arrival_and_no_work():
    """Common random numbers: holding results draws on its own stream; the dossiers, their
    work and the staff's waits are those of the scenario handing back on completion."""
    base = dict(rate=60, days=8, channels=counter(), staff={"counter": 2, "back_office": 3})
    _, plain = simulate(make(fields={"any": field()}, **base))
    _, held = simulate(make(fields={"any": field(appointment={"at_appointment": 0.5})}, **base))
    a = sorted((r[ARRIVAL], r[COL["first_wait_working_minutes"]]) for r in plain["dossier_log"])
    b = sorted((r[ARRIVAL], r[COL["first_wait_working_minutes"]]) for r in held["dossier_log"])
    assert a == b and len(a) > 300
    assert nan_equal(plain["pools"], held["pools"])
    assert held["region"]["dossiers_held_for_appointment"] > 0


# --------------------------------------------------------------- waits on others
def test_a_wait_on_others_follows_back_office_and_uses_no_staff():
    """24/7, 5 + 30 minutes of work, then exactly 2 working days with other agencies."""
    scenario = make(rate=50, days=10, calendar={"always_open": True}, channels=counter(),
                    fields={"any": field(wait_on_others_working_days=det(2))}, staff={"counter": 100, "back_office": 100})
    _, result = simulate(scenario)
    finished = [row for row in result["dossier_log"] if done(row)]
    assert len(finished) > 200
    for row in finished:
        assert row[FINISH] == pytest.approx(row[ARRIVAL] + 35 + 2 * DAY, abs=1e-6)
    pool = result["pools"]["back_office"]
    assert pool["mean_service_minutes"] == pytest.approx(30)  # the wait is not staff time


def test_a_wait_as_a_fraction_of_each_dossiers_deadline():
    """Half of a 4- or 8-working-day deadline (a mix drawn per dossier): 2 or 4 days."""
    mix = [{"share": 0.25, "days": 4}, {"share": 0.75, "days": 8}]
    scenario = make(rate=100, days=20, calendar={"always_open": True}, channels=counter(),
                    fields={"any": field(deadline_working_days=mix,
                                         wait_on_others_working_days={"fraction_of_deadline": det(0.5)})},
                    staff={"counter": 100, "back_office": 100})
    _, result = simulate(scenario)
    rows = [row for row in result["dossier_log"] if done(row)]
    for row in rows:
        assert row[DEADLINE_DAYS] in (4, 8)
        assert row[DEADLINE] == pytest.approx(row[ARRIVAL] + row[DEADLINE_DAYS] * DAY)  # 24/7: rolling
        assert row[FINISH] == pytest.approx(row[ARRIVAL] + 35 + 0.5 * row[DEADLINE_DAYS] * DAY, abs=1e-6)
    all_rows = result["dossier_log"]
    four = sum(1 for row in all_rows if row[DEADLINE_DAYS] == 4)
    assert within_binomial(four, len(all_rows), 0.25), (four, len(all_rows))


def test_a_beta_fraction_has_its_mean():
    """Beta(mean 0.3, cv 0.5) of a 10-day deadline: 3 days on average, sd 1.5, never over 10."""
    scenario = make(rate=400, days=14, calendar={"always_open": True}, channels=counter(1),
                    fields={"any": field(deadline_working_days=10, back_office=None,
                                         wait_on_others_working_days={"fraction_of_deadline":
                                                                      {"kind": "beta", "mean": 0.3, "cv": 0.5}})},
                    staff={"counter": 100})
    _, result = simulate(scenario)
    waits = np.array([(row[FINISH] - row[ARRIVAL] - 1) / DAY for row in result["dossier_log"] if done(row)])
    assert waits.max() <= 10 and waits.min() >= 0
    # the dossiers of the first 2 days all finish within the 14 (no wait exceeds 10 days), so
    # their waits are an unbiased sample (later ones are cut short by the end of the run)
    first = np.array([(row[FINISH] - row[ARRIVAL] - 1) / DAY for row in result["dossier_log"] if row[ARRIVAL] < 2 * DAY])
    assert not np.isnan(first).any() and len(first) > 500
    assert abs(first.mean() - 3.0) <= SIGMAS * 1.5 / math.sqrt(len(first))


# ------------------------------------------------------------- existing scenarios
def test_explicit_defaults_change_nothing():
    """A single deadline written as a mix of one, and on_completion written out, draw nothing more."""
    overrides = ["horizon.days=3", "demand.fields.land.deadline_working_days=[{share: 1, days: 15}]",
                 "demand.fields.land.appointment=on_completion"]
    plain = run_replications(load_scenario(None, ["horizon.days=3", "replications=1"])).results[0]
    written = run_replications(load_scenario(None, [*overrides, "replications=1"])).results[0]
    for r in (plain, written):
        r.pop("wall_seconds")
    assert nan_equal(plain, written)


# ---------------------------------------------------------------------- schema
def test_valid_forms_load():
    good = ["demand.fields.land.appointment=at_appointment", "demand.fields.land.appointment={at_appointment: 0.6}",
            "demand.fields.land.deadline_working_days=[{share: 0.3, days: 10}, {share: 0.3, days: 12}, {share: 0.4, days: 20}]",
            "demand.fields.land.wait_on_others_working_days={kind: lognormal, mean: 4, cv: 1}",
            "demand.fields.land.wait_on_others_working_days={fraction_of_deadline: {kind: beta, mean: 0.4, cv: 0.5}}",
            "demand.fields.land.wait_on_others_working_days={fraction_of_deadline: {kind: uniform, low: 0.2, high: 0.9}}"]
    for override in good:
        load_scenario(None, [override])


BAD = {
    "demand.fields.land.appointment=at_apointment": "demand.fields.land.appointment",
    "demand.fields.land.appointment={at_appointment: 1.5}": "demand.fields.land.appointment.at_appointment",
    "demand.fields.land.deadline_working_days=[{share: 0.5, days: 10}, {share: 0.4, days: 12}]":
        "demand.fields.land.deadline_working_days",
    "demand.fields.land.deadline_working_days=[{share: 1, days: -2}]": "demand.fields.land.deadline_working_days.0.days",
    "demand.fields.land.deadline_working_days=[]": "demand.fields.land.deadline_working_days",
    "demand.fields.land.wait_on_others_working_days={fraction_of_deadline: {kind: lognormal, mean: 0.4, cv: 1}}":
        "demand.fields.land.wait_on_others_working_days.fraction_of_deadline",
    "demand.fields.land.wait_on_others_working_days={fraction_of_deadline: {kind: beta, mean: 0.9, cv: 0.8}}":
        "demand.fields.land.wait_on_others_working_days.fraction_of_deadline",
    "demand.fields.land.wait_on_others_working_days={fraction: 0.5}": "demand.fields.land.wait_on_others_working_days",
}


@pytest.mark.parametrize("override", sorted(BAD))
def test_invalid_forms_are_located_errors(override, tmp_path, capsys):
    with pytest.raises(ScenarioError) as caught:
        load_scenario(None, [override])
    paths = [p.key_path for p in caught.value.problems]
    assert any(p.startswith(BAD[override]) for p in paths), paths
    out = tmp_path / "out"
    assert run_cli("run", "hanoi/2025-07-first-13-days", "--set", override, "--out", out) == 2
    err = capsys.readouterr().err
    assert f"--set: {BAD[override]}" in err and not out.exists()


def test_a_fraction_that_can_exceed_one_names_the_allowed_kinds():
    with pytest.raises(ScenarioError, match="beta, or a uniform, deterministic or empirical"):
        load_scenario(None, ["demand.fields.land.wait_on_others_working_days={fraction_of_deadline: {kind: uniform, low: 0, high: 1.5}}"])


def test_an_unknown_appointment_rule_is_located_in_the_file(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("extends: hanoi/2025-07-first-13-days\nname: mine\ndemand:\n  fields:\n    land:\n"
                    "      appointment: on_appointment\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    (problem,) = caught.value.problems
    assert (problem.position.file, problem.position.line) == (str(path), 6)
    assert problem.key_path == "demand.fields.land.appointment" and problem.got == "on_appointment"


# ----------------------------------------------------- conservation (hypothesis)
PROPERTY = settings(max_examples=25, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@st.composite
def scenarios_with_appointments(draw):
    start = draw(st.dates(dt.date(2025, 1, 1), dt.date(2026, 12, 31)))
    days = draw(st.integers(3, 8))
    always = draw(st.booleans())
    fields = {}
    for k in range(draw(st.integers(1, 3))):
        deadline = draw(st.sampled_from([0, 1, 3, [{"share": 0.5, "days": 1}, {"share": 0.5, "days": 4}]]))
        f = {"share": 1.0, "deadline_working_days": deadline, "sign_off": draw(st.booleans()),
             "back_office": draw(st.sampled_from([None, {"pool": "back_office",
                                                         "service_minutes": {"kind": "exponential", "mean": 20}}])),
             "appointment": draw(st.sampled_from(["on_completion", "at_appointment", {"at_appointment": 0.5}])),
             "supplementation_share": draw(st.sampled_from([0.0, 0.2]))}
        wait = draw(st.sampled_from([None, {"kind": "exponential", "mean": 1.0},
                                     {"fraction_of_deadline": {"kind": "beta", "mean": 0.5, "cv": 0.5}}]))
        if wait is not None:
            f["wait_on_others_working_days"] = wait
        if draw(st.booleans()):
            f["lead_time_working_days"] = {"kind": "exponential", "mean": 0.5}
        fields[f"f{k}"] = f
    for f in fields.values():
        f["share"] = 1.0 / len(fields)
    extra = {"supplementation": {"citizen_delay_working_days": {"kind": "exponential", "mean": 1.0}},
             "sign_off": {"pool": "leader", "service_minutes": det(2),
                          "batch_times": draw(st.sampled_from([[], ["10:00", "16:00"]]))}}
    servers = draw(st.integers(1, 3))
    return make(rate=draw(st.floats(20, 150)) * servers, days=days, start=start,
                calendar={"always_open": True} if always else None, channels=counter(draw(st.floats(2, 10))),
                fields=fields, staff={"counter": servers, "back_office": draw(st.integers(1, 3)), "leader": 1},
                communes={"count": draw(st.integers(1, 2))}, seed=draw(st.integers(0, 2**31)),
                warmup=draw(st.sampled_from([0, 1])), **extra)


@PROPERTY
@given(scenarios_with_appointments())
def test_conservation_and_the_in_process_split_hold(scenario):
    sim, result = simulate(scenario)
    log = result["dossier_log"]
    for name, figures in [("region", result["region"]), *result["by_field"].items(), *result["by_channel"].items()]:
        assert figures["dossiers_arrived"] == figures["dossiers_completed"] + figures["dossiers_in_process"], name
        assert figures["dossiers_in_process"] == (figures["dossiers_overdue_in_process"]
                                                  + figures["dossiers_in_process_within_deadline"]), name
        assert 0 <= figures["dossiers_held_for_appointment"] <= figures["dossiers_in_process_within_deadline"], name
        if figures["dossiers_completed"]:
            shares = figures["early_share"] + figures["on_due_date_share"] + figures["late_share"]
            assert shares == pytest.approx(1.0) and figures["late_share"] == pytest.approx(1 - figures["on_time_share"])
            assert min(figures["early_share"], figures["on_due_date_share"], figures["late_share"]) >= 0
    region = result["region"]
    assert region["dossiers_arrived"] == len(log)
    assert region["dossiers_in_process"] == sum(1 for row in log if not done(row)) == len(sim.recorder.live)
    for row in log:
        if done(row):
            assert row[ARRIVAL] <= row[WORK_DONE] <= row[FINISH] + 1e-9
            assert row[ON_TIME] is (row[FINISH] <= row[DEADLINE] + 1e-6)


# ------------------------------------------------------------- Little's law
def test_littles_law_with_appointments():
    """24/7, M/M/3 intake at utilisation 0.8 (12-minute service), deadline 2 working days
    (rolling: 2 x 1440 minutes), half of the results held for the appointment: released at
    00:00 of the deadline day, so a held dossier filed a fraction u into its day spends 2 - u
    days in the system, 1.5 on average (its queue wait and service end long before); the
    other half leave after queue + service: E[W] = 0.5 x 1.5 days + 0.5 x (Wq + 12 minutes),
    Wq by Erlang C. Little's law: the time-average number in process L = lambda x E[W].

    The simulated L of each replication (area under the in-process count over time, after a
    3-day warm-up) is compared with lambda x E[W] through a 99% Student-t interval over the
    replications; and, replication by replication, with lambda x the mean time in system
    measured on the dossiers filed early enough to have all left (paired difference, 99%)."""
    rate, service, servers = 288 / DAY, 12.0, 3
    scenario = Scenario.model_validate({
        "name": "Little", "seed": 3, "replications": 12,
        "horizon": {"start_date": "2025-07-07", "days": 60, "warmup_days": 3},
        "calendar": {"always_open": True},
        "demand": {"dossiers_per_working_day": rate * DAY,
                   "channels": {"in_person": {"share": 1.0, "intake": {"pool": "counter", "service_minutes":
                                                                        {"kind": "exponential", "mean": service}}}},
                   "fields": {"any": {"share": 1.0, "deadline_working_days": 2, "back_office": None,
                                      "sign_off": False, "appointment": {"at_appointment": 0.5}}}},
        "communes": {"count": 1}, "staff": {"per_commune": {"counter": servers}},
        "outputs": {"dossier_log": True}})
    theory = rate * (0.5 * 1.5 * DAY + 0.5 * (mmc_mean_wait(rate, service, servers) + service))
    results = run_replications(scenario).results
    in_process = np.array([r["littles_law"]["mean_in_system"] for r in results])
    assert in_process.mean() == pytest.approx(theory, rel=0.05)  # the right order before the fine test
    assert abs(in_process.mean() - theory) <= half_width_99(in_process), (in_process.mean(), theory)
    # narrow enough to mean something: it excludes the L of releasing held results at the
    # deadline instant itself (2 days after filing) instead of the opening of the deadline day
    at_the_deadline_instant = rate * (0.5 * 2 * DAY + 0.5 * (mmc_mean_wait(rate, service, servers) + service))
    assert abs(in_process.mean() - at_the_deadline_instant) > 3 * half_width_99(in_process)
    warm, last = 3 * DAY, 57 * DAY  # filed before day 57: left by day 59 < 60
    measured = []
    for r in results:
        times = [row[FINISH] - row[ARRIVAL] for row in r["dossier_log"] if warm <= row[ARRIVAL] < last]
        assert not np.isnan(times).any()
        measured.append(r["littles_law"]["arrival_rate_per_minute"] * float(np.mean(times)))
    difference = in_process - np.array(measured)
    assert abs(difference.mean()) <= half_width_99(difference), (difference.mean(), half_width_99(difference))


def half_width_99(values: np.ndarray) -> float:
    from scipy import stats

    return float(stats.t.ppf(0.995, len(values) - 1) * np.std(values, ddof=1) / math.sqrt(len(values)))


# ------------------------------------------------------------------- outputs
def test_new_figures_reach_the_output_folder(tmp_path):
    out = tmp_path / "out"
    assert run_cli("run", "hanoi/2025-07-first-13-days", "--set", "horizon.days=3", "--replications", "1",
                   "--set", "demand.fields.land.appointment=at_appointment", "--out", out, "--quiet") == 0
    summary = read_json(out / "summary.json")
    for name in ("early_share", "on_due_date_share", "late_share", "dossiers_in_process_within_deadline",
                 "dossiers_held_for_appointment"):
        assert name in summary and name in summary["by_field"]["land"], name
    assert summary["by_field"]["land"]["dossiers_held_for_appointment"] > 0
