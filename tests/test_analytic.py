"""Tests for sim.engine.analytic: textbook values, independent cross-checks, properties."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sim.engine import analytic as an
from sim.engine.analytic import (
    PoolPrediction,
    allen_cunneen_mean_wait,
    erlang_b,
    erlang_c,
    min_servers,
    mmc_mean_wait,
    mmc_service_level,
    mmc_wait_quantile,
    offered_load,
    pk_mean_wait,
    predict_pool,
    tandem_mean_sojourn,
    utilisation,
)


# --------------------------------------------------------------------------- #
# independent reference formulas (direct sums, no recursion)
# --------------------------------------------------------------------------- #
def erlang_c_factorial(c: int, a: float) -> float:
    """Textbook Erlang C: (a^c/c! · c/(c-a)) / (Σ_{k<c} a^k/k! + a^c/c! · c/(c-a))."""
    a = Fraction(a)
    tail = a**c / math.factorial(c) * Fraction(c) / (c - a)
    head = sum(a**k / math.factorial(k) for k in range(c))
    return float(tail / (head + tail))


def erlang_b_factorial(c: int, a: float) -> float:
    a = Fraction(a)
    terms = [a**k / math.factorial(k) for k in range(c + 1)]
    return float(terms[-1] / sum(terms))


def erlang_c_logspace(c: int, a: float) -> float:
    """Erlang C via log-sum-exp of Poisson terms (independent of the B recursion)."""
    logs = [k * math.log(a) - math.lgamma(k + 1) for k in range(c)]
    log_tail = c * math.log(a) - math.lgamma(c + 1) + math.log(c / (c - a))
    m = max(max(logs), log_tail)
    head = sum(math.exp(x - m) for x in logs)
    tail = math.exp(log_tail - m)
    return tail / (head + tail)


# --------------------------------------------------------------------------- #
# textbook values
# --------------------------------------------------------------------------- #
def test_mm1_textbook():
    # λ = 0.8, μ = 1: P(wait) = ρ = 0.8, Wq = ρ/(μ-λ) = 4
    assert erlang_c(1, offered_load(0.8, 1.0)) == pytest.approx(0.8, rel=1e-12)
    assert mmc_mean_wait(0.8, 1.0, 1) == pytest.approx(4.0, rel=1e-12)
    assert utilisation(0.8, 1.0, 1) == pytest.approx(0.8)


def test_mm2_unit_load():
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3, rel=1e-12)


def test_erlang_b_c5_a3():
    assert erlang_b(5, 3.0) == pytest.approx(0.1101, abs=5e-5)
    assert erlang_b(5, 3.0) == pytest.approx(erlang_b_factorial(5, 3.0), rel=1e-12)


def test_erlang_c_c10_a8_published():
    # Published tables give C(10, 8) ≈ 0.409 (e.g. Gross et al. / call-centre tables)
    value = erlang_c(10, 8.0)
    assert value == pytest.approx(0.409, abs=1e-3)
    assert value == pytest.approx(erlang_c_factorial(10, 8.0), rel=1e-12)


def test_offered_load_and_utilisation():
    assert offered_load(2.0, 3.0) == pytest.approx(6.0)
    assert utilisation(2.0, 3.0, 8) == pytest.approx(0.75)


# --------------------------------------------------------------------------- #
# Erlang C properties
# --------------------------------------------------------------------------- #
@given(c=st.integers(1, 30), frac=st.floats(0.01, 0.99))
def test_erlang_c_matches_factorial_sum(c, frac):
    a = frac * c
    assert erlang_c(c, a) == pytest.approx(erlang_c_factorial(c, a), rel=1e-9)
    assert erlang_b(c, a) == pytest.approx(erlang_b_factorial(c, a), rel=1e-9)


@given(c=st.integers(1, 200), a=st.floats(0.0, 300.0))
def test_erlang_c_at_least_erlang_b(c, a):
    b, cc = erlang_b(c, a), erlang_c(c, a)
    assert 0.0 <= b <= cc <= 1.0


@given(c=st.integers(1, 200), a=st.floats(0.01, 250.0))
def test_erlang_c_monotone(c, a):
    # decreasing in c
    assert erlang_c(c + 1, a) <= erlang_c(c, a) + 1e-15
    # increasing in a
    assert erlang_c(c, a) <= erlang_c(c, a * 1.05) + 1e-15


def test_erlang_c_strictly_decreasing_example():
    values = [erlang_c(c, 4.5) for c in range(5, 15)]
    assert all(x > y for x, y in zip(values, values[1:]))


def test_erlang_c_saturated_is_one():
    assert erlang_c(3, 3.0) == 1.0
    assert erlang_c(3, 7.5) == 1.0


def test_stability_large_c():
    value = erlang_c(1000, 950.0)
    assert math.isfinite(value) and 0.0 <= value <= 1.0
    assert value == pytest.approx(erlang_c_logspace(1000, 950.0), rel=1e-9)
    wq = mmc_mean_wait(95.0, 10.0, 1000)
    assert math.isfinite(wq) and wq > 0
    b = erlang_b(5000, 4900.0)
    assert math.isfinite(b) and 0.0 < b < 1.0


# --------------------------------------------------------------------------- #
# M/G/1, Allen–Cunneen
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("lam,es", [(0.8, 1.0), (0.1, 5.0), (0.02, 30.0)])
def test_md1_is_half_mm1(lam, es):
    assert pk_mean_wait(lam, es, 0.0) == pytest.approx(mmc_mean_wait(lam, es, 1) / 2, rel=1e-12)
    assert pk_mean_wait(lam, es, 1.0) == pytest.approx(mmc_mean_wait(lam, es, 1), rel=1e-12)


@given(rho=st.floats(0.01, 0.99), es=st.floats(0.1, 100.0), cs2=st.floats(0.0, 10.0))
def test_allen_cunneen_c1_equals_pk(rho, es, cs2):
    lam = rho / es
    assert allen_cunneen_mean_wait(lam, es, 1, 1.0, cs2) == pytest.approx(
        pk_mean_wait(lam, es, cs2), rel=1e-9
    )


def test_allen_cunneen_scaling():
    base = mmc_mean_wait(1.0, 3.5, 4)
    assert allen_cunneen_mean_wait(1.0, 3.5, 4) == pytest.approx(base)
    assert allen_cunneen_mean_wait(1.0, 3.5, 4, ca2=0.5, cs2=0.0) == pytest.approx(base * 0.25)


# --------------------------------------------------------------------------- #
# service level / quantile
# --------------------------------------------------------------------------- #
def test_service_level_at_zero_is_one_minus_c():
    lam, es, c = 2.0, 3.0, 8
    assert mmc_service_level(lam, es, c, 0.0) == pytest.approx(1 - erlang_c(c, 6.0), rel=1e-12)
    assert mmc_service_level(lam, es, c, math.inf) == 1.0


def test_service_level_mm1_closed_form():
    # M/M/1: P(W <= t) = 1 - ρ e^{-(μ-λ)t}
    assert mmc_service_level(0.8, 1.0, 1, 2.0) == pytest.approx(1 - 0.8 * math.exp(-0.4))


@given(
    c=st.integers(1, 60),
    frac=st.floats(0.05, 0.98),
    es=st.floats(0.5, 60.0),
    q=st.floats(0.0, 0.999),
)
def test_quantile_and_service_level_are_inverse(c, frac, es, q):
    lam = frac * c / es
    pw = erlang_c(c, lam * es)
    t = mmc_wait_quantile(lam, es, c, q)
    assert t >= 0.0
    if q <= 1 - pw:
        assert t == 0.0
        assert mmc_service_level(lam, es, c, 0.0) >= q - 1e-12
    else:
        assert mmc_service_level(lam, es, c, t) == pytest.approx(q, abs=1e-9)
        assert mmc_wait_quantile(lam, es, c, mmc_service_level(lam, es, c, t)) == pytest.approx(
            t, rel=1e-6, abs=1e-9
        )


def test_quantile_edges():
    assert mmc_wait_quantile(0.8, 1.0, 1, 1.0) == math.inf
    assert mmc_wait_quantile(0.8, 1.0, 1, 0.0) == 0.0
    assert mmc_wait_quantile(0.8, 1.0, 1, 0.2) == 0.0  # 1 - C = 0.2
    # M/M/1 median: ln(0.8/0.5)/(0.2)
    assert mmc_wait_quantile(0.8, 1.0, 1, 0.5) == pytest.approx(math.log(1.6) / 0.2)


# --------------------------------------------------------------------------- #
# tandem (Jackson)
# --------------------------------------------------------------------------- #
def test_tandem_of_mm1_is_sum_of_sojourns():
    lam = 0.5
    services = [1.0, 1.5, 0.25]
    expected = sum(1 / (1 / es - lam) for es in services)
    assert tandem_mean_sojourn(lam, [(es, 1) for es in services]) == pytest.approx(expected, rel=1e-12)


def test_tandem_multi_server_and_saturation():
    lam = 1.0
    stages = [(3.0, 4), (0.5, 1)]
    expected = mmc_mean_wait(lam, 3.0, 4) + 3.0 + mmc_mean_wait(lam, 0.5, 1) + 0.5
    assert tandem_mean_sojourn(lam, stages) == pytest.approx(expected)
    assert tandem_mean_sojourn(lam, [(3.0, 4), (2.0, 2)]) == math.inf
    with pytest.raises(ValueError):
        tandem_mean_sojourn(lam, [])
    with pytest.raises(ValueError):
        tandem_mean_sojourn(lam, [(1.0,)])


# --------------------------------------------------------------------------- #
# min_servers
# --------------------------------------------------------------------------- #
def _meets(lam, es, c, wq_target, sl, ca2, cs2):
    if c < 1 or lam * es >= c:
        return False
    if wq_target is not None and allen_cunneen_mean_wait(lam, es, c, ca2, cs2) > wq_target:
        return False
    if sl is not None and mmc_service_level(lam, es, c, sl[0]) < sl[1]:
        return False
    return True


@settings(max_examples=150, deadline=None)
@given(
    lam=st.floats(0.01, 20.0),
    es=st.floats(0.1, 60.0),
    wq_target=st.one_of(st.none(), st.floats(0.0, 30.0)),
    sl=st.one_of(st.none(), st.tuples(st.floats(0.0, 30.0), st.floats(0.0, 0.99))),
    ca2=st.floats(0.0, 3.0),
    cs2=st.floats(0.0, 3.0),
)
def test_min_servers_is_minimal(lam, es, wq_target, sl, ca2, cs2):
    assume(wq_target is not None or sl is not None)
    assume(lam * es < 900)
    c = min_servers(lam, es, target_mean_wait=wq_target, target_service_level=sl, ca2=ca2, cs2=cs2)
    assert c > lam * es
    assert _meets(lam, es, c, wq_target, sl, ca2, cs2)
    assert not _meets(lam, es, c - 1, wq_target, sl, ca2, cs2)


def test_min_servers_examples():
    # M/M/1 at λ=0.8, μ=1 has Wq=4: a 4-minute target needs only one server
    assert min_servers(0.8, 1.0, target_mean_wait=4.0 + 1e-9) == 1
    assert min_servers(0.8, 1.0, target_mean_wait=3.9) == 2
    # c=10, a=8: C≈0.409, Wq = C·E[S]/(c-a)
    wq10 = mmc_mean_wait(0.8, 10.0, 10)
    assert min_servers(0.8, 10.0, target_mean_wait=wq10) == 10
    assert min_servers(0.8, 10.0, target_mean_wait=wq10 * 0.999) == 11
    # classic call-centre style: 80% answered within 20 s (1/3 min)
    c = min_servers(2.0, 3.0, target_service_level=(1 / 3, 0.8))
    assert mmc_service_level(2.0, 3.0, c, 1 / 3) >= 0.8 > mmc_service_level(2.0, 3.0, c - 1, 1 / 3)


def test_min_servers_saturated_inputs():
    # integer load: c = a is unstable, so at least a + 1 servers even for a lax target
    assert min_servers(7.0, 1.0, target_mean_wait=1e9) == 8
    assert min_servers(7.0, 1.0, target_service_level=(0.0, 0.0)) == 8
    # load beyond max_servers cannot be served
    with pytest.raises(ValueError):
        min_servers(50.0, 1.0, target_mean_wait=10.0, max_servers=50)
    # a very large load still works and is fast (incremental recursion)
    c = min_servers(100.0, 50.0, target_mean_wait=0.1)
    assert 5000 < c < 5200


def test_min_servers_argument_errors():
    with pytest.raises(ValueError):
        min_servers(1.0, 1.0)  # no target
    with pytest.raises(ValueError):
        min_servers(0.0, 1.0, target_mean_wait=1.0)
    with pytest.raises(ValueError):
        min_servers(1.0, -1.0, target_mean_wait=1.0)
    with pytest.raises(ValueError):
        min_servers(1.0, 1.0, target_mean_wait=-1.0)
    with pytest.raises(ValueError):
        min_servers(1.0, 1.0, target_service_level=(1.0, 1.5))
    with pytest.raises(ValueError):
        min_servers(1.0, 1.0, target_service_level=0.8)
    with pytest.raises(ValueError):
        min_servers(1.0, 1.0, target_mean_wait=1.0, max_servers=0)


# --------------------------------------------------------------------------- #
# saturation and validation
# --------------------------------------------------------------------------- #
def test_saturated_waits_are_infinite():
    assert mmc_mean_wait(1.0, 1.0, 1) == math.inf
    assert mmc_mean_wait(5.0, 1.0, 3) == math.inf
    assert allen_cunneen_mean_wait(5.0, 1.0, 3, 0.5, 0.5) == math.inf
    assert pk_mean_wait(1.0, 1.0, 0.0) == math.inf
    assert pk_mean_wait(2.0, 1.0, 0.0) == math.inf
    assert erlang_c(3, 5.0) == 1.0
    assert mmc_service_level(5.0, 1.0, 3, 10.0) == 0.0
    assert mmc_wait_quantile(5.0, 1.0, 3, 0.5) == math.inf
    assert utilisation(5.0, 1.0, 3) == pytest.approx(5 / 3)


@pytest.mark.parametrize(
    "call",
    [
        lambda: erlang_c(0, 1.0),
        lambda: erlang_c(2.5, 1.0),
        lambda: erlang_c(True, 0.5),
        lambda: erlang_b(-1, 1.0),
        lambda: erlang_b(3, -0.1),
        lambda: erlang_c(3, float("nan")),
        lambda: offered_load(0.0, 1.0),
        lambda: offered_load(1.0, 0.0),
        lambda: offered_load(-1.0, 1.0),
        lambda: offered_load(float("inf"), 1.0),
        lambda: utilisation(1.0, 1.0, 0),
        lambda: mmc_mean_wait(1.0, 1.0, 1.5),
        lambda: mmc_service_level(0.5, 1.0, 1, -1.0),
        lambda: mmc_wait_quantile(0.5, 1.0, 1, 1.5),
        lambda: allen_cunneen_mean_wait(0.5, 1.0, 1, ca2=-1.0),
        lambda: pk_mean_wait(0.5, 1.0, -0.5),
        lambda: pk_mean_wait(0.0, 1.0, 1.0),
        lambda: predict_pool(0.5, 1.0, -1.0),
        lambda: erlang_c("3", 1.0),
    ],
)
def test_argument_errors(call):
    with pytest.raises(ValueError):
        call()


def test_integral_float_servers_accepted():
    assert erlang_c(3.0, 2.0) == erlang_c(3, 2.0)


# --------------------------------------------------------------------------- #
# predict_pool
# --------------------------------------------------------------------------- #
def test_predict_pool_integer_servers():
    p = predict_pool(0.8, 10.0, 10, cs2=0.5)
    assert isinstance(p, PoolPrediction)
    assert p.offered_load_erlangs == pytest.approx(8.0)
    assert p.servers == 10
    assert p.utilisation == pytest.approx(0.8)
    assert p.probability_of_waiting == pytest.approx(erlang_c(10, 8.0))
    assert p.mm_c_mean_wait_minutes == pytest.approx(mmc_mean_wait(0.8, 10.0, 10))
    assert p.mean_wait_minutes == pytest.approx(allen_cunneen_mean_wait(0.8, 10.0, 10, 1.0, 0.5))
    with pytest.raises(Exception):
        p.servers = 3  # frozen


def test_predict_pool_fractional_servers_uses_floor():
    p = predict_pool(0.1, 5.0, 2.7)
    assert p.servers == pytest.approx(2.7)
    assert p.utilisation == pytest.approx(0.5 / 2.7)
    assert p.probability_of_waiting == pytest.approx(erlang_c(2, 0.5))
    assert p.mm_c_mean_wait_minutes == pytest.approx(mmc_mean_wait(0.1, 5.0, 2))


def test_predict_pool_saturated():
    p = predict_pool(0.1, 5.0, 0.6)  # floor < 1
    assert p.probability_of_waiting == 1.0
    assert p.mean_wait_minutes == math.inf and p.mm_c_mean_wait_minutes == math.inf
    assert p.utilisation == pytest.approx(0.5 / 0.6)
    p0 = predict_pool(0.1, 5.0, 0.0)
    assert p0.utilisation == math.inf and p0.mean_wait_minutes == math.inf
    # reported utilisation < 1 but floor(servers)=2 < a=2.2: saturated
    p2 = predict_pool(0.22, 10.0, 2.5)
    assert p2.utilisation < 1 and p2.mean_wait_minutes == math.inf


def test_module_exports():
    for name in an.__all__:
        assert hasattr(an, name)
