"""Behaviour of the model's features, one test per feature.

Every test builds a small scenario (or loads the Hà Nội default), runs one replication with
the dossier log, and checks values derived by hand from the set-up: opening hours and
profiles written out again here, deterministic service times so that finish instants are
exact, Poisson or binomial tolerances (4 standard deviations) where the outcome is random.
"""
from __future__ import annotations

import datetime as dt
import gc
import math

import pytest

from conftest import ARRIVAL, CHANNEL, DAY, DEADLINE, FIELD, FINISH, HOME, ON_TIME, RETURNS, WAIT, det, make, simulate

from sim.engine.model import Dossier, Simulation
from sim.scenario.region import Region
from sim.scenario.schema import Scenario
from sim.study.api import load_scenario

MONDAY = dt.date(2025, 7, 7)  # conftest.scenario_dict starts on this Monday by default
OFFICE = {"weekday_hours": [["08:00", "12:00"], ["13:00", "17:00"]]}
WEEK_HOURS = [(480.0, 720.0), (780.0, 1020.0)]  # the same hours, in minutes after midnight
SIGMAS = 4.0


def counter_channel(service: dict, **kw) -> dict:
    return {"in_person": {"share": 1.0, "intake": {"pool": "counter", "service_minutes": service}, **kw}}


def one_field(**kw) -> dict:
    field = {"share": 1.0, "deadline_working_days": 5, "back_office": None, "sign_off": False}
    field.update(kw)
    return {"any": field}


def done(row) -> bool:
    return not math.isnan(row[FINISH])


def date_of(t: float, start: dt.date = MONDAY) -> dt.date:
    return start + dt.timedelta(days=math.floor(t / DAY))


def clock(t: float) -> float:
    return t - math.floor(t / DAY) * DAY


def within_poisson(observed: float, expected: float) -> bool:
    if expected == 0:
        return observed == 0
    return abs(observed - expected) <= SIGMAS * math.sqrt(expected)


def next_weekday(day: int, n: int, start: dt.date = MONDAY) -> int:
    """Day number of the n-th Monday–Friday day after day ``day`` (n = 0: ``day`` itself)."""
    while (start + dt.timedelta(days=day)).weekday() >= 5:
        day += 1
    while n > 0:
        day += 1
        if (start + dt.timedelta(days=day)).weekday() < 5:
            n -= 1
    return day


# ------------------------------------------------------------------ arrivals
HOLIDAY = dt.date(2025, 7, 16)  # a Wednesday, closed
SAT_HOURS = [(480.0, 690.0)]    # Saturday 08:00-11:30
IN_PERSON_DOW = [1.3, 1.0, 1.0, 1.0, 0.7, 0.6, 1.0]  # Sunday has a factor but the office is closed
IN_PERSON_HOURS = [1.0] * 24
IN_PERSON_HOURS[8], IN_PERSON_HOURS[9], IN_PERSON_HOURS[11] = 1.5, 1.2, 0.5
IN_PERSON_HOURS[13], IN_PERSON_HOURS[16] = 0.0, 0.8  # nobody comes 13:00-14:00
ONLINE_DOW = [1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.25]
ONLINE_HOURS = [0.2] * 6 + [0.5, 1.0, 1.5, 1.5, 1.5, 1.2, 0.8, 1.2, 1.4, 1.4, 1.2, 1.0, 0.8, 0.8, 0.6, 0.4, 0.3, 0.2]
ONLINE_HOLIDAY = 0.4


def _open_hours(date: dt.date):
    if date == HOLIDAY:
        return []
    return WEEK_HOURS if date.weekday() < 5 else SAT_HOURS if date.weekday() == 5 else []


def _expected_by_hour(base: float, share: float, factor: float, hours: list, intervals) -> list[float]:
    """Expected arrivals of one channel in each clock hour of one day."""
    weights = []
    for h in range(24):
        overlap = sum(max(0.0, min(c, 60.0 * h + 60) - max(o, 60.0 * h)) for o, c in intervals)
        weights.append(hours[h] * overlap)
    total = sum(weights)
    return [base * share * factor * w / total if total else 0.0 for w in weights]


def test_arrivals_follow_opening_hours_and_profiles():
    rate, days, shares = 400.0, 28, (0.6, 0.4)
    scenario = make(
        rate=rate, days=days,
        calendar={**OFFICE, "saturday_hours": [["08:00", "11:30"]], "holidays": [HOLIDAY.isoformat()]},
        channels={
            "in_person": {"share": shares[0], "intake": None, "day_of_week": IN_PERSON_DOW, "hour_of_day": IN_PERSON_HOURS},
            "online": {"share": shares[1], "during_opening_hours": False, "intake": None, "day_of_week": ONLINE_DOW,
                       "hour_of_day": ONLINE_HOURS, "holiday_factor": ONLINE_HOLIDAY},
        },
        fields=one_field(), staff={"counter": 1})
    sim, result = simulate(scenario)
    log = result["dossier_log"]

    expected = {(ch, key, v): 0.0 for ch in (0, 1) for key in ("weekday", "hour") for v in range(24)}
    for day in range(days):
        date = MONDAY + dt.timedelta(days=day)
        wd, intervals = date.weekday(), _open_hours(date)
        in_person = _expected_by_hour(rate, shares[0], IN_PERSON_DOW[wd] if intervals else 0.0, IN_PERSON_HOURS, intervals)
        online_factor = ONLINE_HOLIDAY if date == HOLIDAY else ONLINE_DOW[wd]
        online = _expected_by_hour(rate, shares[1], online_factor, ONLINE_HOURS, [(0.0, DAY)])
        for ch, per_hour in ((0, in_person), (1, online)):
            expected[ch, "weekday", wd] += sum(per_hour)
            for h in range(24):
                expected[ch, "hour", h] += per_hour[h]
    observed = dict.fromkeys(expected, 0)
    for row in log:
        t, ch = row[ARRIVAL], row[CHANNEL]
        observed[ch, "weekday", date_of(t).weekday()] += 1
        observed[ch, "hour", int(clock(t) // 60)] += 1

    in_person = [row[ARRIVAL] for row in log if row[CHANNEL] == 0]
    online = [row[ARRIVAL] for row in log if row[CHANNEL] == 1]
    # in person: only while open, by the engine's calendar and by the hours written out above
    assert in_person and all(sim.calendar.is_open(t) for t in in_person)
    assert all(any(o <= clock(t) < c for o, c in _open_hours(date_of(t))) for t in in_person)
    # online: also at night, on Sundays and on the holiday
    assert sum(1 for t in online if not sim.calendar.is_open(t)) > 0.4 * len(online)
    assert any(date_of(t).weekday() == 6 for t in online)
    assert any(date_of(t) == HOLIDAY for t in online)
    assert observed[0, "hour", 13] == 0 and expected[0, "hour", 13] == 0
    for key, exp in expected.items():
        assert within_poisson(observed[key], exp), (key, observed[key], exp)
    for ch in (0, 1):
        total = sum(v for (c, kind, _), v in expected.items() if c == ch and kind == "hour")
        assert within_poisson(sum(1 for row in log if row[CHANNEL] == ch), total)


# ------------------------------------------------------- Hà Nội default volume
HANOI_REPLICATIONS = 3


@pytest.fixture(scope="module")
def hanoi():
    scenario = load_scenario(None)
    arrived, online, kept = [], [], None
    for r in range(HANOI_REPLICATIONS):
        sim = Simulation(Region(scenario), r)
        result = sim.run()
        arrived.append(result["region"]["dossiers_arrived"])
        online.append(result["by_channel"]["online"]["dossiers_arrived"])
        kept = (sim, result)  # the last one, for the memory test
    return scenario, arrived, online, kept


def expected_hanoi_arrivals(scenario: Scenario) -> dict[str, float]:
    """dossiers_per_working_day × Σ over days of share × day factor, per channel (closed days: 0 in person)."""
    cal, demand = scenario.calendar, scenario.demand
    out = dict.fromkeys(demand.channels, 0.0)
    for day in range(scenario.horizon.days):
        date = scenario.horizon.start_date + dt.timedelta(days=day)
        hours = [cal.weekday_hours] * 5 + [cal.saturday_hours, cal.sunday_hours]
        is_open = bool(hours[date.weekday()]) and date not in cal.holidays
        for name, channel in demand.channels.items():
            factor = channel.holiday_factor if date in cal.holidays else channel.day_of_week[date.weekday()]
            if channel.during_opening_hours and not is_open:
                factor = 0.0
            out[name] += demand.dossiers_per_working_day * channel.share * factor
    return out


def test_hanoi_default_total_arrivals_and_online_share(hanoi):
    scenario, arrived, online, _ = hanoi
    expected = expected_hanoi_arrivals(scenario)
    total = sum(expected.values())
    # "over 66,000 dossiers received 1–13 July 2025": the scenario's derivation solves for 66,000
    assert abs(total - 66_000) < 66_000 * 0.001, total
    # the region total is Poisson(total) in each replication: the mean of n has sd sqrt(total / n)
    mean = sum(arrived) / len(arrived)
    assert abs(mean - total) <= SIGMAS * math.sqrt(total / len(arrived)), (mean, total)
    share, expected_share = sum(online) / sum(arrived), expected["online"] / total
    assert abs(expected_share - 0.14) < 0.005  # the reported 14% online
    assert abs(share - expected_share) <= SIGMAS * math.sqrt(expected_share * (1 - expected_share) / sum(arrived))


def test_recorder_holds_only_dossiers_in_process(hanoi):
    _, _, _, (sim, result) = hanoi
    region = result["region"]
    assert region["dossiers_in_process"] > 0
    assert len(sim.recorder.live) == region["dossiers_in_process"] == region["dossiers_in_process_tracked"]
    assert sim.recorder.log is None and result["dossier_log"] is None
    # nothing else keeps a finished dossier alive: the live Dossier objects of this run are the live set
    gc.collect()
    communes = {id(c) for c in sim.communes}
    alive = [o for o in gc.get_objects() if type(o) is Dossier and id(o.home) in communes]
    assert len(alive) == len(sim.recorder.live)
    assert {id(d) for d in alive} == {id(d) for d in sim.recorder.live}


# ------------------------------------------------------------ working calendar
def test_service_unfinished_at_closing_resumes_at_next_opening():
    """250-minute services begun between 16:00 and 17:00: 17:00 stops the clock, 08:00 restarts it."""
    service, days = 250.0, 8
    hours = [0.0] * 24
    hours[16] = 1.0
    scenario = make(rate=30, days=days, channels=counter_channel(det(service), day_of_week=[1, 0, 0, 0, 1, 0, 0], hour_of_day=hours),
                    fields=one_field(), staff={"counter": 200})
    _, result = simulate(scenario)
    log = result["dossier_log"]
    before_lunch = after_lunch = over_weekend = 0
    for row in log:
        a, day = row[ARRIVAL], math.floor(row[ARRIVAL] / DAY)
        assert 960 <= clock(a) < 1020 and day in (0, 4, 7)
        assert row[WAIT] == 0
        if day == 7:  # Monday of the second week: resumes on day 8, after the run
            assert not done(row)
            continue
        left = service - (1020 - clock(a))          # minutes still to do at 17:00
        resume = next_weekday(day, 1)               # Tuesday, or Monday after a Friday
        expected = resume * DAY + (480 + left if left <= 240 else 780 + left - 240)
        assert row[FINISH] == pytest.approx(expected, abs=1e-6), (a, row[FINISH], expected)
        before_lunch += left <= 240
        after_lunch += left > 240
        over_weekend += day == 4
    assert before_lunch >= 5 and after_lunch >= 2 and over_weekend >= 5


# ---------------------------------------------------------------- deadlines
def test_statutory_deadline_decides_on_time():
    fields = {
        "same_day": {"share": 0.5, "deadline_working_days": 0, "sign_off": False,
                     "back_office": {"pool": "back_office", "service_minutes": det(600)}},
        "long": {"share": 0.5, "deadline_working_days": 20, "sign_off": False,
                 "back_office": {"pool": "back_office", "service_minutes": det(600)}},
    }
    scenario = make(rate=60, days=10, channels=counter_channel(det(5)), fields=fields,
                    staff={"counter": 100, "back_office": 500})
    _, result = simulate(scenario)
    checked = {0: 0, 1: 0}
    for row in result["dossier_log"]:
        day = math.floor(row[ARRIVAL] / DAY)
        if row[FIELD] == 0:  # deadline: 17:00 of the day of receipt; 605 working minutes cannot make it
            assert row[DEADLINE] == day * DAY + 1020
        else:                # deadline: 17:00 of the 20th working day after
            assert row[DEADLINE] == next_weekday(day, 20) * DAY + 1020
        if done(row):
            assert row[ON_TIME] is (row[FIELD] == 1)
            assert (row[FINISH] > row[DEADLINE]) is (row[FIELD] == 0)
            checked[row[FIELD]] += 1
    assert min(checked.values()) >= 50
    assert result["by_field"]["same_day"]["on_time_share"] == 0.0
    assert result["by_field"]["long"]["on_time_share"] == 1.0


# ---------------------------------------------------------- supplementation
def test_supplementation_returns_are_geometric():
    p, days = 0.4, 10
    scenario = make(rate=300, days=days, calendar={"always_open": True}, channels=counter_channel(det(1)),
                    fields=one_field(supplementation_share=p, deadline_working_days=1), staff={"counter": 100},
                    supplementation={"citizen_delay_working_days": det(0.01)})
    _, result = simulate(scenario)
    log = result["dossier_log"]
    assert result["region"]["dossiers_arrived"] == len(log)  # a return is not a new arrival
    early = [row for row in log if row[ARRIVAL] < (days - 1) * DAY]
    assert all(done(row) for row in early)  # a return takes 15.4 minutes; a day is plenty
    n = len(early)
    returns = [row[RETURNS] for row in early]
    mean = sum(returns) / n
    sd = math.sqrt(p) / (1 - p)  # number of returns ~ geometric: P(k) = p^k (1 - p)
    assert abs(mean - p / (1 - p)) <= SIGMAS * sd / math.sqrt(n), mean
    none = sum(1 for r in returns if r == 0) / n
    assert abs(none - (1 - p)) <= SIGMAS * math.sqrt(p * (1 - p) / n)
    assert max(returns) >= 3


def test_supplementation_restarts_the_deadline_clock():
    """24/7, 10-minute intake, citizen back after exactly 3 days, deadline 1 day from the last filing."""
    intake, delay_days = 10.0, 3
    scenario = make(rate=50, days=20, calendar={"always_open": True}, channels=counter_channel(det(intake)),
                    fields=one_field(supplementation_share=0.5, deadline_working_days=1), staff={"counter": 1000},
                    supplementation={"citizen_delay_working_days": det(delay_days)})
    _, result = simulate(scenario)
    returned = 0
    for row in result["dossier_log"]:
        if not done(row):
            continue
        a, k = row[ARRIVAL], row[RETURNS]
        last_filing = a + k * (intake + delay_days * DAY)
        assert row[FINISH] == pytest.approx(last_filing + intake, abs=1e-6)
        assert row[DEADLINE] == pytest.approx(last_filing + DAY, abs=1e-6)
        assert row[ON_TIME] is True
        if k >= 1:
            assert row[FINISH] > a + DAY  # late against the first deadline, on time against the restarted one
            returned += 1
    assert returned >= 50


# ------------------------------------------------------------------ province
def test_province_forwarding_adds_the_delay_and_skips_sign_off():
    intake, sign, delay_days = 10.0, 7.0, 5
    scenario = make(rate=100, days=21, channels=counter_channel(det(intake)),
                    fields=one_field(province_share=0.5, sign_off=True, deadline_working_days=10),
                    staff={"counter": 100, "leader": 100},
                    sign_off={"pool": "leader", "service_minutes": det(sign)},
                    province={"delay_working_days": det(delay_days)})
    sim, result = simulate(scenario)
    cal = sim.calendar
    forwarded = signed = 0
    early = forwarded_early = 0
    for row in result["dossier_log"]:
        if not done(row):
            continue
        working = cal.working_minutes(row[FINISH]) - cal.working_minutes(row[ARRIVAL])
        if abs(working - (intake + delay_days * 480)) < 1e-6:
            forwarded += 1
            is_forwarded = True
        else:
            assert working == pytest.approx(intake + sign, abs=1e-6), working
            signed += 1
            is_forwarded = False
        if row[ARRIVAL] < 10 * DAY:  # all of these have finished either way
            early += 1
            forwarded_early += is_forwarded
    in_signing = sum(c.pools["leader"].busy for c in sim.communes)
    assert result["pools"]["leader"]["dossiers_served"] == signed + in_signing
    assert forwarded >= 100 and signed >= 100
    assert abs(forwarded_early - 0.5 * early) <= SIGMAS * math.sqrt(early * 0.25)


# ----------------------------------------------------------------- sign-off
def _ready(a: float, minutes: float) -> float:
    """End of an intake of ``minutes`` begun at ``a`` (open), by the hours written out above."""
    day, c = math.floor(a / DAY), clock(a)
    if c + minutes <= 720 or (780 <= c and c + minutes <= 1020):
        return a + minutes
    if c < 720:
        return day * DAY + 780 + (c + minutes - 720)
    return next_weekday(day, 1) * DAY + 480 + (c + minutes - 1020)


@pytest.mark.parametrize("sign_minutes", [0.0, 3.0])
def test_sign_off_in_batches(sign_minutes):
    batches, days, intake = (600.0, 960.0), 10, 5.0
    scenario = make(rate=80, days=days, channels=counter_channel(det(intake)),
                    fields=one_field(sign_off=True), staff={"counter": 100, "leader": 100},
                    sign_off={"pool": "leader", "service_minutes": det(sign_minutes), "batch_times": ["10:00", "16:00"]})
    sim, result = simulate(scenario)
    batch_instants = [d * DAY + b for d in range(days + 3) if (MONDAY + dt.timedelta(days=d)).weekday() < 5 for b in batches]
    finished = 0
    for row in result["dossier_log"]:
        ready = _ready(row[ARRIVAL], intake)
        batch = min(b for b in batch_instants if b > ready)
        if batch + sign_minutes < sim.end_time:
            assert row[FINISH] == pytest.approx(batch + sign_minutes, abs=1e-6), (row[ARRIVAL], row[FINISH], batch)
            assert clock(row[FINISH]) - sign_minutes == pytest.approx(600) or clock(row[FINISH]) - sign_minutes == pytest.approx(960)
            finished += 1
        else:
            assert not done(row)
    assert finished >= 200


# ------------------------------------------------------------ staff schedule
def _schedule_scenario(shifts: list, days: int = 7, rate: float = 100, service: float = 5, base: int = 100):
    return make(rate=rate, days=days, channels=counter_channel(det(service)), fields=one_field(),
                staff={"per_commune": {"counter": base}, "schedule": {"counter": shifts}})


def test_staff_schedule_no_staff_before_ten_every_day():
    scenario = _schedule_scenario([{"weekdays": [0, 1, 2, 3, 4, 5, 6], "start": "08:00", "end": "10:00", "staff": 0}])
    _, result = simulate(scenario)
    early = 0
    for row in result["dossier_log"]:
        c = clock(row[ARRIVAL])
        expected = 600 - c if c < 600 else 0.0  # served when the staff arrive at 10:00
        assert row[WAIT] == pytest.approx(expected, abs=1e-6), (row[ARRIVAL], row[WAIT])
        early += c < 600
    assert early >= 50


def test_staff_schedule_by_weekday():
    """No counter staff on Monday mornings: Monday-morning dossiers wait until 12:00, others do not wait."""
    scenario = _schedule_scenario([{"weekdays": [0], "start": "08:00", "end": "12:00", "staff": 0}], days=14)
    _, result = simulate(scenario)
    monday_mornings = 0
    for row in result["dossier_log"]:
        c, monday = clock(row[ARRIVAL]), date_of(row[ARRIVAL]).weekday() == 0
        expected = 720 - c if monday and c < 720 else 0.0
        assert row[WAIT] == pytest.approx(expected, abs=1e-6), (date_of(row[ARRIVAL]), c, row[WAIT])
        monday_mornings += monday and c < 720
    assert monday_mornings >= 50


def test_staff_schedule_extra_staff_raise_throughput():
    """One counter clerk, two more every afternoon: up to three serve at once and more dossiers finish."""
    busy_afternoons = [{"weekdays": [0, 1, 2, 3, 4, 5, 6], "start": "13:00", "end": "17:00", "delta": 2}]
    plain = _schedule_scenario([], rate=40, service=30, base=1, days=10)
    helped = _schedule_scenario(busy_afternoons, rate=40, service=30, base=1, days=10)
    _, plain_result = simulate(plain)
    _, helped_result = simulate(helped)
    assert plain_result["pools"]["counter"]["max_busy_staff"] == 1
    assert helped_result["pools"]["counter"]["max_busy_staff"] == 3
    # 10 days (8 working) × 480 minutes / 30 = 128 services with one clerk; 40 × 8 = 320 arrive
    assert plain_result["region"]["dossiers_completed"] <= 128
    assert helped_result["region"]["dossiers_completed"] > plain_result["region"]["dossiers_completed"] + 100
    assert helped_result["pools"]["counter"]["mean_staff"] == pytest.approx(1 + 2 * 240 / 480)


# ------------------------------------------------------------ staff allocation
def _allocation_scenario(tmp_path, populations, allocation: dict, per_commune=None) -> Simulation:
    table = tmp_path / "communes.csv"
    table.write_text("name,type,population\n" + "".join(f"C{i},xã,{p}\n" for i, p in enumerate(populations)), encoding="utf-8")
    fields = one_field(back_office={"pool": "back_office", "service_minutes": det(30)})
    scenario = make(rate=100, days=2, channels=counter_channel(det(5)), fields=fields, communes={"table": str(table)},
                    staff={"per_commune": per_commune or {"counter": 3, "back_office": 5}, "allocation": allocation})
    return Simulation(Region(scenario), 0)


def _staff(sim: Simulation, pool: str) -> list[int]:
    return [c.pools[pool].base_staff for c in sim.communes]


@pytest.mark.parametrize("populations, allocation, expected", [
    # spare 23 - 3×2 = 17 shared 10% / 20% / 70%: 1.7, 3.4, 11.9 -> 1, 3, 11, the 2 left to C2 (.9) and C0 (.7)
    ([1000, 2000, 7000], {"policy": "proportional", "pools": ["back_office"], "totals": {"back_office": 23}, "minimum": 2}, [4, 5, 14]),
    # spare 11: 1.1, 2.2, 7.7 -> 1, 2, 7, one left to C2
    ([1000, 2000, 7000], {"policy": "proportional", "pools": ["back_office"], "totals": {"back_office": 23}, "minimum": 4}, [5, 6, 12]),
    # the minimum binds: 12 × 1% would round to 0; spare 3: 0.03, 0.6, 2.37 -> 0, 0, 2, one left to C1
    ([100, 2000, 7900], {"policy": "proportional", "pools": ["back_office"], "totals": {"back_office": 12}, "minimum": 3}, [3, 4, 5]),
    # equal: spare 17 / 3 = 5.67 -> 5 each, the 2 left to the first communes
    ([1000, 2000, 7000], {"policy": "equal", "pools": ["back_office"], "totals": {"back_office": 23}, "minimum": 2}, [8, 8, 7]),
    # no total: staff.per_commune × communes = 15
    ([1000, 2000, 7000], {"policy": "equal", "pools": ["back_office"], "minimum": 1}, [5, 5, 5]),
    ([1000, 2000, 7000], {"policy": "as_given", "pools": ["back_office"]}, [5, 5, 5]),
])
def test_staff_allocation_policies(tmp_path, populations, allocation, expected):
    sim = _allocation_scenario(tmp_path, populations, allocation)
    staff = _staff(sim, "back_office")
    assert staff == expected
    assert sum(staff) == allocation.get("totals", {}).get("back_office", 5 * len(populations))
    assert min(staff) >= allocation.get("minimum", 1)
    if allocation["policy"] == "equal":
        assert max(staff) - min(staff) <= 1
    assert _staff(sim, "counter") == [3, 3, 3]  # not allocated: as given


# ------------------------------------------------------ common random numbers
def test_changing_staff_does_not_change_arrivals():
    def scenario(counter, back_office, leader):
        fields = {
            "quick": {"share": 0.7, "deadline_working_days": 0, "back_office": None, "supplementation_share": 0.1},
            "slow": {"share": 0.3, "deadline_working_days": 3, "supplementation_share": 0.2, "province_share": 0.2,
                     "back_office": {"pool": "back_office", "service_minutes": {"kind": "lognormal", "mean": 60, "cv": 1.0}}},
        }
        channels = {
            "in_person": {"share": 0.8, "intake": {"pool": "counter", "service_minutes": {"kind": "lognormal", "mean": 8, "cv": 0.6}}},
            "online": {"share": 0.2, "during_opening_hours": False,
                       "intake": {"pool": "counter", "service_minutes": {"kind": "exponential", "mean": 6}}},
        }
        return make(rate=150, days=10, channels=channels, fields=fields, communes={"count": 2},
                    staff={"counter": counter, "back_office": back_office, "leader": leader},
                    sign_off={"pool": "leader", "service_minutes": {"kind": "gamma", "mean": 2, "cv": 0.5}, "batch_times": ["10:30"]},
                    supplementation={"citizen_delay_working_days": {"kind": "exponential", "mean": 1}},
                    province={"delay_working_days": det(2)})

    _, few = simulate(scenario(1, 1, 1))
    _, many = simulate(scenario(4, 3, 2))

    def arrivals(result):
        return sorted((row[HOME], row[ARRIVAL], row[CHANNEL], row[FIELD]) for row in result["dossier_log"])

    assert len(arrivals(few)) > 500
    assert arrivals(few) == arrivals(many)
    # ...while the staffing does change what happens to them
    assert few["region"]["mean_wait_minutes"] > many["region"]["mean_wait_minutes"]


# ------------------------------------------------------------- daily backlog
def test_backlog_is_read_at_the_end_of_every_day():
    scenario = make(rate=200, days=3, calendar={"always_open": True}, channels=counter_channel(det(10)),
                    fields=one_field(), staff={"counter": 1})
    _, result = simulate(scenario)
    assert len(result["backlog_by_day"]) == 3
    assert result["backlog_by_day"][-1] == result["region"]["dossiers_in_process"]


def test_backlog_follows_the_dossier_log():
    """The backlog at the end of each day (counted from the day each dossier arrived and left,
    a batch at a time) is what the dossier log says: filed before that midnight and not yet
    handed back by then. No warm-up, so the log holds every dossier; a dossier returned for
    supplementation stays in the backlog (it has not left)."""
    scenario = load_scenario("hanoi/2025-07-first-13-days", ["horizon.days=6"])
    _, result = simulate(scenario)
    log = result["dossier_log"]
    assert any(row[RETURNS] > 0 for row in log)
    for day, level in enumerate(result["backlog_by_day"]):
        end = (day + 1) * DAY
        assert level == sum(1 for r in log if r[ARRIVAL] < end and not (done(r) and r[FINISH] < end)), day


def test_counts_to_date_follow_the_dossier_log():
    """by_day: counted dossiers arrived, completed and completed on time up to the end of each
    day, per region, channel and field, exactly as the dossier log has them (warm-up left out)."""
    scenario = load_scenario("hanoi/2025-07-first-13-days", ["horizon.days=5", "horizon.warmup_days=1"])
    sim, result = simulate(scenario)
    opening = sim.statutory.deadline_day_opening  # early: handed back before the deadline day
    log = result["dossier_log"]
    channels, fields = list(result["by_channel"]), list(result["by_field"])
    assert log and all(row[ARRIVAL] >= DAY for row in log)  # the log holds counted dossiers only

    def expected(rows, day):
        end = (day + 1) * DAY
        arrived = sum(1 for r in rows if r[ARRIVAL] < end)
        finished = [r for r in rows if done(r) and r[FINISH] < end]
        on_time = sum(1 for r in finished if r[ON_TIME])
        early = sum(1 for r in finished if r[FINISH] < opening(r[DEADLINE]))
        return {"dossiers_arrived": arrived, "dossiers_completed": len(finished),
                "dossiers_in_process": arrived - len(finished),
                "on_time_share": on_time / len(finished) if finished else None,
                "early_share": early / len(finished) if finished else None}

    groups = [("region", result["by_day"]["region"], log)]
    groups += [(c, result["by_day"]["by_channel"][c], [r for r in log if r[CHANNEL] == i]) for i, c in enumerate(channels)]
    groups += [(f, result["by_day"]["by_field"][f], [r for r in log if r[FIELD] == i]) for i, f in enumerate(fields)]
    for name, series, rows in groups:
        for day in range(5):
            want = expected(rows, day)
            got = {k: v[day] for k, v in series.items()}
            for share in ("on_time_share", "early_share"):
                if want[share] is None:
                    assert math.isnan(got.pop(share)), name
                    want.pop(share)
                else:
                    assert got.pop(share) == pytest.approx(want.pop(share), rel=1e-12), (name, day)
            assert got == want, (name, day)
    # the last day holds the run's totals
    for figure in ("dossiers_arrived", "dossiers_completed", "dossiers_in_process", "on_time_share", "early_share"):
        assert result["by_day"]["region"][figure][-1] == result["region"][figure]
    assert result["by_day"]["region"]["dossiers_arrived"][0] == 0  # the warm-up day counts nothing


def test_receipt_cutoff_moves_receipt_to_the_next_working_day():
    """Certified copies: same day, or the next working day if filed after 15:00 — but a
    dossier filed after closing or on a weekend is not moved twice."""
    import numpy as np

    from sim.study.api import load_scenario

    scenario = load_scenario("hanoi/2025-07-first-13-days", ["horizon.days=7"])
    sim = Simulation(Region(scenario), 0)
    plan, cal = sim.plan, sim.statutory
    cert = plan.field_names.index("certification")
    civil = plan.field_names.index("civil_status")
    day = 1440.0  # 1 July 2025 is a Tuesday; day 4 is Saturday
    times = np.array([14 * 60, 15 * 60, 16.5 * 60, 18 * 60, 4 * day + 15.5 * 60, 16.5 * 60])
    fields = np.array([cert, cert, cert, cert, cert, civil])
    shift = plan.after_cutoff(times, fields)
    assert shift.tolist() == [0, 1, 1, 0, 0, 0]
    deadlines = [cal.add_working_days(t, 0 + s) for t, s in zip(times, shift)]
    assert deadlines[:4] == [17 * 60, day + 17 * 60, day + 17 * 60, day + 17 * 60]
    result = sim.run()
    assert result["by_field"]["certification"]["on_time_share"] > 0.99
