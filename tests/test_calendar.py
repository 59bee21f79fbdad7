"""Tests for sim.engine.calendar.WorkingCalendar: concrete 2025 cases + properties."""
import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sim.engine.calendar import WorkingCalendar

D = dt.date
START = D(2025, 7, 1)                          # a Tuesday
HOLIDAYS = [D(2025, 9, 1), D(2025, 9, 2)]      # National Day 2025
WEEKDAYS = {wd: [(480, 720), (780, 1020)] for wd in range(5)}
STD = WorkingCalendar(START, WEEKDAYS, HOLIDAYS)
SAT = WorkingCalendar(START, {**WEEKDAYS, 5: [(480, 720)]}, HOLIDAYS)
ALWAYS = WorkingCalendar(START, {}, always_open=True)
# Open across midnight Sunday -> Monday, odd hours, many holidays.
NIGHT = WorkingCalendar(START, {6: [(1320, 1440)], 0: [(0, 120), (600, 661.5)]},
                        [START + dt.timedelta(days=k) for k in range(5, 60, 7)])
CALENDARS = [STD, SAT, NIGHT]


def at(day: int, hh: int, mm: int = 0) -> float:
    """Instant of hh:mm on day number ``day`` (day 0 = Tue 1 July 2025)."""
    return day * 1440.0 + hh * 60 + mm


def day_no(date: dt.date) -> int:
    return (date - START).days


FRI, SAT_DAY, MON = 3, 4, 6                     # 4, 5 and 7 July 2025


def is_closing_edge(cal: WorkingCalendar, r: float) -> bool:
    k = math.floor(r / 1440)
    return any(e == r for day in (k - 1, k) for _, e in cal.day_intervals(day))


# --------------------------------------------------------------- unit tests
def test_start_date_and_date_of():
    assert START.weekday() == 1
    assert STD.date_of(0) == START
    assert STD.date_of(1439.999) == START
    assert STD.date_of(1440) == D(2025, 7, 2)
    assert STD.date_of(at(day_no(D(2025, 8, 31)), 10)) == D(2025, 8, 31)


def test_service_spans_lunch_break_and_weekend():
    assert STD.add_working_minutes(at(0, 11, 50), 30) == at(0, 13, 20)
    assert STD.add_working_minutes(at(FRI, 16, 50), 30) == at(MON, 8, 20)


def test_service_started_on_closed_saturday():
    assert STD.add_working_minutes(at(SAT_DAY, 10), 30) == at(MON, 8, 30)
    started_closed = at(0, 20)
    assert (STD.add_working_minutes(started_closed, 45)
            == STD.add_working_minutes(STD.next_opening(started_closed), 45))


def test_saturday_opening_changes_results():
    assert SAT.add_working_minutes(at(SAT_DAY, 10), 30) == at(SAT_DAY, 10, 30)
    assert SAT.add_working_minutes(at(FRI, 16, 50), 30) == at(SAT_DAY, 8, 20)
    assert SAT.add_working_minutes(at(SAT_DAY, 11, 50), 30) == at(MON, 8, 20)
    assert STD.add_working_days(at(FRI, 18), 0) == at(MON, 17)
    assert SAT.add_working_days(at(FRI, 18), 0) == at(SAT_DAY, 12)
    assert STD.working_day_count(0, 6) == 4      # Tue 1 .. Sun 6 July
    assert SAT.working_day_count(0, 6) == 5


def test_closing_edge_convention():
    assert STD.add_working_minutes(at(0, 11), 60) == at(0, 12)        # not 13:00
    assert STD.add_working_minutes(at(FRI, 16), 60) == at(FRI, 17)    # not Monday
    assert STD.instant(240) == at(0, 12)
    assert STD.instant(480) == at(0, 17)
    assert STD.instant(480 + 1e-12) == at(0, 17)                      # float noise snaps
    assert STD.instant(481) == at(1, 8, 1)
    assert STD.instant(0) == 0.0


def test_zero_and_tiny_services_never_go_back_in_time():
    assert STD.add_working_minutes(at(0, 20), 0) == at(0, 20)
    assert STD.add_working_minutes(at(0, 12, 30), 0) == at(0, 12, 30)
    for m in (1e-300, 1e-12, 5e-10):                   # below float resolution / EPS
        assert STD.add_working_minutes(at(0, 20), m) >= at(1, 8)


def test_working_minutes_and_is_open():
    assert STD.working_minutes(at(0, 8)) == 0
    assert STD.working_minutes(at(0, 12, 30)) == 240
    assert STD.working_minutes(at(0, 17)) == 480
    assert STD.working_minutes(at(1, 0)) == 480
    assert STD.working_minutes(at(MON, 0)) == 4 * 480
    assert STD.working_minutes(-5) == 0 and not STD.is_open(-5)
    assert STD.is_open(at(0, 8)) and STD.is_open(at(0, 11, 59))
    assert not STD.is_open(at(0, 12)) and not STD.is_open(at(0, 17))
    assert not STD.is_open(at(SAT_DAY, 9)) and SAT.is_open(at(SAT_DAY, 9))


def test_next_opening():
    assert STD.next_opening(at(0, 8)) == at(0, 8)
    assert STD.next_opening(at(0, 12)) == at(0, 13)       # half-open intervals
    assert STD.next_opening(at(0, 12, 30)) == at(0, 13)
    assert STD.next_opening(at(FRI, 17)) == at(MON, 8)
    assert STD.next_opening(-100) == at(0, 8)


def test_deadlines_same_day_and_after_hours():
    assert STD.add_working_days(at(0, 10), 0) == at(0, 17)
    assert STD.add_working_days(at(0, 16, 59), 0) == at(0, 17)
    assert STD.add_working_days(at(0, 17), 0) == at(1, 17)
    assert STD.add_working_days(at(0, 18), 0) == at(1, 17)
    assert STD.add_working_days(at(0, 10), 1) == at(1, 17)
    assert STD.add_working_days(at(0, 10), 3) == at(FRI, 17)
    assert STD.add_working_days(at(0, 10), 4) == at(MON, 17)


def test_deadlines_skip_national_day_holidays():
    sun = day_no(D(2025, 8, 31))
    wed, thu = day_no(D(2025, 9, 3)), day_no(D(2025, 9, 4))
    assert not STD.is_working_day(sun + 1) and not STD.is_working_day(sun + 2)
    assert STD.add_working_days(at(sun, 10), 0) == at(wed, 17)
    assert STD.add_working_days(at(sun, 10), 1) == at(thu, 17)
    assert STD.add_working_days(at(sun - 2, 10), 1) == at(wed, 17)   # Fri 29 Aug
    assert STD.add_working_minutes(at(sun - 2, 16, 30), 60) == at(wed, 8, 30)


def test_deadlines_match_numpy_busday_offset():
    hol = np.array(HOLIDAYS, dtype="datetime64[D]")
    for k in range(0, 120, 3):
        date = np.datetime64(START + dt.timedelta(days=k), "D")
        for d in range(0, 12, 2):
            for hh, roll_from in ((10, date), (18, date + 1)):
                want = np.busday_offset(roll_from, d, roll="forward", holidays=hol)
                got = STD.add_working_days(at(k, hh), d)
                assert got == at(int((want - np.datetime64(START)).astype(int)), 17)


def test_working_day_count_matches_numpy_busday_count():
    hol = np.array(HOLIDAYS, dtype="datetime64[D]")
    s = np.datetime64(START, "D")
    assert STD.working_day_count(0, 92) == 23 + 21 + 20   # Jul, Aug, Sep 2025
    for a, b in [(0, 1), (3, 10), (50, 70), (0, 900), (100, 2500)]:   # beyond precompute
        assert STD.working_day_count(a, b) == np.busday_count(s + a, s + b, holidays=hol)
    assert STD.working_day_count(10, 5) == 0


def test_minutes_per_working_day_and_days_between():
    assert STD.minutes_per_working_day == SAT.minutes_per_working_day == 480
    assert ALWAYS.minutes_per_working_day == 1440
    long_friday = WorkingCalendar(START, {**WEEKDAYS, 4: [(420, 1020)]})   # mode, not max
    assert long_friday.minutes_per_working_day == 480
    assert WorkingCalendar(START, {6: [(0, 1440)]}).minutes_per_working_day == 1440
    assert STD.working_days_between(at(FRI, 8), at(MON, 8)) == 1.0
    assert SAT.working_days_between(at(FRI, 8), at(MON, 8)) == 1.5


def test_far_future_queries_extend_lazily():
    cal = WorkingCalendar(START, WEEKDAYS, HOLIDAYS)
    t = at(1998, 11, 50)                          # a Friday, ~5.5 years out
    assert cal.date_of(t).weekday() == 4
    assert cal.add_working_minutes(t, 30) == at(1998, 13, 20)
    assert cal.add_working_days(at(1998, 10), 1) == at(2001, 17)
    w = cal.working_minutes(at(3000, 0))
    assert cal.instant(w) <= at(3000, 0) and cal.working_minutes(cal.instant(w)) == w
    fresh = WorkingCalendar(START, WEEKDAYS, HOLIDAYS)
    assert fresh.instant(w) == cal.instant(w)     # extension driven by w alone


def test_always_open_identities():
    for t in [0.0, 1.5, 600.0, 1440.0, 98765.4321]:
        assert ALWAYS.is_open(t) and ALWAYS.next_opening(t) == t
        assert ALWAYS.working_minutes(t) == t and ALWAYS.instant(t) == t
        assert ALWAYS.add_working_minutes(t, 77.25) == t + 77.25
        assert ALWAYS.add_working_days(t, 3) == t + 3 * 1440
        assert ALWAYS.add_working_days(t, 0) == (math.floor(t / 1440) + 1) * 1440
    assert ALWAYS.day_intervals(2) == [(2880.0, 4320.0)]
    assert ALWAYS.working_day_count(0, 10) == 10 and ALWAYS.is_working_day(5)
    assert ALWAYS.working_days_between(0, 2160) == 1.5


def test_from_hhmm_equals_numeric():
    cal = WorkingCalendar.from_hhmm(
        START, {wd: [("08:00", "12:00"), ("13:00", "17:00")] for wd in range(5)}, HOLIDAYS)
    for t in [0, at(0, 11, 50), at(FRI, 16, 50), at(61, 10)]:
        assert cal.add_working_minutes(t, 30) == STD.add_working_minutes(t, 30)
        assert cal.add_working_days(t, 2) == STD.add_working_days(t, 2)
    assert WorkingCalendar.from_hhmm(START, {6: [("22:00", "24:00")]}).day_intervals(5) == \
        [(5 * 1440 + 1320, 6 * 1440)]


@pytest.mark.parametrize("hours", [
    {0: [(720, 480)]}, {0: [(480, 480)]}, {0: [(-10, 480)]}, {0: [(480, 1500)]},
    {0: [(780, 1020), (480, 720)]},        # unsorted
    {0: [(480, 800), (780, 1020)]},        # overlapping
    {7: [(480, 720)]}, {0: [(480,)]},      # no such weekday, malformed
    {}, {0: [], 3: []},                    # never open
])
def test_invalid_hours_rejected(hours):
    with pytest.raises(ValueError):
        WorkingCalendar(START, hours)


@pytest.mark.parametrize("bad", ["8:0x", "25:00", "24:30", "08:60", "0800", None])
def test_invalid_hhmm_rejected(bad):
    with pytest.raises(ValueError):
        WorkingCalendar.from_hhmm(START, {0: [(bad, "17:00")]})


@pytest.mark.parametrize("call", [
    lambda: STD.add_working_minutes(0, -1), lambda: STD.add_working_days(0, -1),
    lambda: STD.instant(-1), lambda: STD.instant(math.nan),
    lambda: STD.working_minutes(math.inf)])
def test_bad_arguments_rejected(call):
    with pytest.raises(ValueError):
        call()


def test_touching_intervals_merged():
    cal = WorkingCalendar(START, {1: [(480, 720), (720, 1020)]})
    assert cal.day_intervals(0) == [(480.0, 1020.0)]
    assert cal.add_working_minutes(at(0, 11), 60) == at(0, 12)


# --------------------------------------------------------------- properties
@st.composite
def random_calendars(draw):
    week = {}
    for wd in range(7):
        pts = sorted(draw(st.lists(st.integers(0, 1440), unique=True, max_size=6)))
        week[wd] = list(zip(pts[0::2], pts[1::2]))
    assume(any(week.values()))
    start = draw(st.dates(D(2024, 1, 1), D(2027, 12, 31)))
    hol = draw(st.lists(st.integers(-5, 80), max_size=12))
    return WorkingCalendar(start, week, [start + dt.timedelta(days=k) for k in hol])


cals = st.one_of(st.sampled_from(CALENDARS), random_calendars())
cals_all = st.one_of(cals, st.just(ALWAYS))
HORIZON = 60 * 1440.0
times = st.one_of(st.integers(0, 60 * 96).map(lambda q: q * 15.0),   # hits edges
                  st.floats(0, HORIZON, allow_nan=False))
durations = st.one_of(st.integers(0, 20 * 96).map(lambda q: q * 15.0),
                      st.floats(0, 20 * 1440.0, allow_nan=False))
PROP = settings(max_examples=150, deadline=None)


@PROP
@given(cals_all, times, durations, durations)
def test_add_working_minutes_composes(cal, t, a, b):
    two_steps = cal.add_working_minutes(cal.add_working_minutes(t, a), b)
    assert two_steps == pytest.approx(cal.add_working_minutes(t, a + b), abs=1e-6)


@PROP
@given(cals_all, times, durations)
def test_add_working_minutes_lands_on_open_time_or_closing_edge(cal, t, m):
    assume(m > 0)
    r = cal.add_working_minutes(t, m)
    assert r >= t and (r > t or m < 1e-6)
    assert cal.is_open(r) or is_closing_edge(cal, r)
    target = cal.working_minutes(t) + m
    assert cal.working_minutes(r) == pytest.approx(target, abs=1e-6)
    if m > 1e-6:
        assert cal.working_minutes(r - 1e-3) < target           # earliest such instant


@PROP
@given(cals_all, times, st.floats(0, 30 * 1440.0, allow_nan=False))
def test_instant_inverts_working_minutes(cal, t, w):
    assert cal.instant(cal.working_minutes(t)) <= t + 1e-6
    assert cal.working_minutes(cal.instant(w)) == pytest.approx(w, abs=1e-6)


@PROP
@given(cals_all, times, times)
def test_working_minutes_monotone_and_next_opening(cal, t0, t1):
    lo, hi = sorted((t0, t1))
    assert cal.working_minutes(lo) <= cal.working_minutes(hi)
    assert cal.working_minutes(hi) - cal.working_minutes(lo) <= hi - lo + 1e-6
    n = cal.next_opening(t0)
    assert n >= t0 and cal.is_open(n)
    assert cal.working_minutes(n) == pytest.approx(cal.working_minutes(t0), abs=1e-6)
    if n > t0:
        middle = (t0 + n) / 2  # of two neighbouring floats (t0 a hair before an opening) it rounds onto n
        assert not cal.is_open(t0) and (middle == n or not cal.is_open(middle))


@PROP
@given(cals, times, st.integers(0, 15))
def test_deadlines_increase_and_are_closing_edges(cal, t, d):
    dl, dl_next = cal.add_working_days(t, d), cal.add_working_days(t, d + 1)
    assert t < dl < dl_next
    assert is_closing_edge(cal, dl)
    day = math.floor(t / 1440)
    ivs = cal.day_intervals(day)
    first = day if ivs and t < ivs[-1][1] else day + 1     # working day of t is >= this
    target = math.ceil(dl / 1440) - 1                       # the deadline's day
    assert cal.is_working_day(target) and cal.day_intervals(target)[-1][1] == dl
    # [first, target] holds the working day of t plus exactly d more working days
    assert cal.working_day_count(first, target + 1) == d + 1


@PROP
@given(times, st.integers(0, 15))
def test_always_open_deadlines(t, d):
    assert ALWAYS.add_working_days(t, d + 1) == t + (d + 1) * 1440
    assert t < ALWAYS.add_working_days(t, 0) <= ALWAYS.add_working_days(t, 1)


@PROP
@given(cals_all, st.integers(0, 100), st.lists(st.floats(0, 1, exclude_max=True), max_size=8))
def test_day_intervals_consistent(cal, k, fractions):
    ivs = cal.day_intervals(k)
    assert cal.is_working_day(k) == bool(ivs)
    assert all(k * 1440 <= s < e <= (k + 1) * 1440 for s, e in ivs)
    assert all(e1 < s2 for (_, e1), (s2, _) in zip(ivs, ivs[1:]))
    open_minutes = sum(e - s for s, e in ivs)
    assert cal.working_minutes((k + 1) * 1440) - cal.working_minutes(k * 1440) == \
        pytest.approx(open_minutes, abs=1e-6)
    for f in fractions:
        t = min(k * 1440 + f * 1440, math.nextafter((k + 1) * 1440, 0))
        assert cal.is_open(t) == any(s <= t < e for s, e in ivs)
        assert cal.date_of(t) == cal.start_date + dt.timedelta(days=k)
    for s, e in ivs:
        assert cal.is_open(s) and cal.next_opening(s) == s
    assert cal.working_day_count(0, k + 1) == sum(cal.is_working_day(j) for j in range(k + 1))


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(CALENDARS + [ALWAYS]),
       st.lists(st.tuples(st.one_of(times, st.floats(-100, 200 * 1440.0, allow_nan=False)), st.integers(0, 15)),
                min_size=1, max_size=40))
def test_vectorised_deadlines_equal_one_at_a_time(cal, pairs):
    """add_working_days_many (a block of arrivals) gives exactly the scalar deadlines."""
    t = np.array([p[0] for p in pairs])
    d = np.array([p[1] for p in pairs])
    assert cal.add_working_days_many(t, d).tolist() == [cal.add_working_days(a, b) for a, b in pairs]


def test_vectorised_deadlines_refuse_what_the_scalar_refuses():
    with pytest.raises(ValueError):
        STD.add_working_days_many(np.array([10.0]), np.array([-1]))
    with pytest.raises(ValueError):
        STD.add_working_days_many(np.array([math.nan]), np.array([1]))
    assert STD.add_working_days_many(np.zeros(0), np.zeros(0, dtype=int)).tolist() == []


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(CALENDARS + [ALWAYS]),
       st.lists(st.tuples(st.one_of(times, st.floats(-100, 200 * 1440.0, allow_nan=False)), durations),
                min_size=1, max_size=40))
def test_vectorised_working_time_equals_one_at_a_time(cal, pairs):
    """working_minutes_many / working_days_between_many (a batch of completed dossiers)."""
    t0 = np.array([a for a, _ in pairs])
    t1 = t0 + np.array([m for _, m in pairs])
    assert cal.working_minutes_many(t1).tolist() == [cal.working_minutes(b) for b in t1.tolist()]
    assert cal.working_days_between_many(t0, t1).tolist() == [cal.working_days_between(a, b)
                                                               for a, b in zip(t0.tolist(), t1.tolist())]


@PROP
@given(cals_all, st.lists(times, min_size=1, max_size=20), st.lists(st.integers(0, 25), min_size=20, max_size=20))
def test_the_appointment_is_the_first_opening_of_the_deadline_day(cal, instants, days):
    """deadline_day_opening(_many): the same instant one by one and for an array (whatever
    shortcut the array takes), never after the deadline, on the deadline's own day."""
    deadlines = cal.add_working_days_many(np.array(instants), np.array(days[: len(instants)]))
    many = cal.deadline_day_opening_many(deadlines)
    for deadline, opening in zip(deadlines.tolist(), many.tolist()):
        assert opening == cal.deadline_day_opening(deadline)
        assert opening <= deadline and math.ceil(deadline / 1440.0) - 1 == math.floor(opening / 1440.0)
        if not cal.always_open:
            assert cal.is_open(opening)


def test_next_opening_a_hair_before_it():
    """A float just before an opening (what hypothesis found: 86399.99999999999 before a day
    that opens at midnight) is closed, and its next opening is that opening."""
    import math

    for cal in (STD, NIGHT):
        opening = cal.next_opening(3 * 1440.0 + 1)
        t0 = math.nextafter(opening, 0.0)
        assert not cal.is_open(t0) and cal.next_opening(t0) == opening
