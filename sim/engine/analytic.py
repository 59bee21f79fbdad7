"""Closed-form queueing results used as an analytic companion to the simulation.

The discrete-event model is the primary tool; this module gives quick,
independent numbers to sanity-check it (and to size staff pools) using
standard queueing theory.  Everything is pure Python + :mod:`math`.

Units
-----
The functions are unit-agnostic: use any time unit consistently.  In
commune-sim the convention is *rates per minute* and *times in minutes*.
``arrival_rate`` is λ, ``mean_service`` is E[S] = 1/μ, ``servers`` is c,
and the offered load is ``a = λ·E[S]`` (Erlangs); utilisation is ``ρ = a/c``.

Formulas
--------
Erlang B (M/M/c/c blocking probability), by the numerically stable recursion
    B(0) = 1,   B(k) = a·B(k-1) / (k + a·B(k-1)),
which never forms a^c or c! and is accurate for thousands of servers.

Erlang C (probability an arrival waits in M/M/c), derived from B:
    C(c, a) = c·B / (c - a·(1 - B))          for a < c,  else 1.

M/M/c waiting time (FCFS).  The wait W satisfies
    P(W > t) = C · exp(-(cμ - λ)·t),
so  E[W] = C / (cμ - λ),  the service level is  P(W ≤ t) = 1 - C·e^{-(cμ-λ)t},
and the q-quantile is 0 when q ≤ 1 - C, otherwise  ln(C/(1-q)) / (cμ - λ).

Allen–Cunneen (G/G/c approximation):
    E[W] ≈ E[W_{M/M/c}] · (ca² + cs²) / 2,
where ca² and cs² are the squared coefficients of variation of the
inter-arrival and service times.  It is exact for M/M/c (ca² = cs² = 1) and
for M/G/1 (c = 1, ca² = 1, where it reduces to Pollaczek–Khinchine); for
c > 1 it is an approximation that is usually good at moderate-to-high load.

Pollaczek–Khinchine (M/G/1, exact):
    E[W] = ρ·E[S]·(1 + cs²) / (2·(1 - ρ)).

Jackson networks: for Poisson arrivals through M/M/c stations in series
(no feedback, exponential service), each station behaves as an independent
M/M/c queue with the same arrival rate λ (Burke's theorem), so the mean
sojourn is  Σ_i (E[W_i] + E[S_i]).

Applicability and conventions
-----------------------------
* All results are steady-state, long-run averages for FCFS, infinite-buffer,
  no-abandonment queues with time-homogeneous rates.  Commune offices have
  opening hours, time-varying arrivals and finite working days, so these
  numbers are a benchmark, not a replacement for the simulation.
* When ρ ≥ 1 no steady state exists: waits are ``math.inf``, the
  probability of waiting is ``1.0`` and service levels are ``0.0``.  Nothing
  raises for saturation.
* Invalid arguments raise :class:`ValueError`: ``servers`` must be an integer
  ≥ 1 (integral floats such as ``3.0`` are accepted), rates and mean service
  times must be finite and > 0, SCVs ≥ 0.
* :func:`min_servers` uses the M/M/c service-level formula even when
  ``ca2``/``cs2`` differ from 1; for general service it is an approximation
  (the mean-wait target does use Allen–Cunneen).

References
----------
* A. K. Erlang (1917); e.g. Kleinrock, *Queueing Systems* Vol. 1 (1975), §3.5–3.6;
  Gross, Shortle, Thompson & Harris, *Fundamentals of Queueing Theory*, 4th ed.
  (2008), §2.3 (M/M/c, Erlang B/C) and §5.1 (M/G/1, Pollaczek–Khinchine).
* A. O. Allen, *Probability, Statistics, and Queueing Theory* (2nd ed., 1990),
  Allen–Cunneen approximation for G/G/c; see also W. Whitt, "Approximations
  for the GI/G/m queue", Prod. & Oper. Mgmt. 2(2), 1993.
* J. R. Jackson, "Networks of waiting lines", Operations Research 5(4), 1957;
  P. J. Burke, "The output of a queuing system", Operations Research 4(6), 1956.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Iterator, Sequence

__all__ = [
    "offered_load",
    "utilisation",
    "erlang_b",
    "erlang_c",
    "mmc_mean_wait",
    "mmc_service_level",
    "mmc_wait_quantile",
    "allen_cunneen_mean_wait",
    "pk_mean_wait",
    "tandem_mean_sojourn",
    "min_servers",
    "PoolPrediction",
    "predict_pool",
]


# --------------------------------------------------------------------------- #
# argument validation
# --------------------------------------------------------------------------- #
def _real(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    x = float(value)
    if math.isnan(x):
        raise ValueError(f"{name} must not be NaN")
    return x


def _positive(value, name: str) -> float:
    x = _real(value, name)
    if not (0.0 < x < math.inf):
        raise ValueError(f"{name} must be finite and > 0, got {value!r}")
    return x


def _non_negative(value, name: str) -> float:
    x = _real(value, name)
    if not (0.0 <= x < math.inf):
        raise ValueError(f"{name} must be finite and >= 0, got {value!r}")
    return x


def _servers(value, name: str = "servers") -> int:
    x = _real(value, name)
    if not (math.isfinite(x) and x == math.floor(x)):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    c = int(x)
    if c < 1:
        raise ValueError(f"{name} must be >= 1, got {value!r}")
    return c


def _probability(value, name: str) -> float:
    x = _real(value, name)
    if not (0.0 <= x <= 1.0):
        raise ValueError(f"{name} must be in [0, 1], got {value!r}")
    return x


# --------------------------------------------------------------------------- #
# load
# --------------------------------------------------------------------------- #
def offered_load(arrival_rate, mean_service) -> float:
    """Offered load a = λ·E[S] in Erlangs (mean number of busy servers)."""
    return _positive(arrival_rate, "arrival_rate") * _positive(mean_service, "mean_service")


def utilisation(arrival_rate, mean_service, servers) -> float:
    """Server utilisation ρ = a / c (may be ≥ 1: the queue is then unstable)."""
    return offered_load(arrival_rate, mean_service) / _servers(servers)


# --------------------------------------------------------------------------- #
# Erlang B / C
# --------------------------------------------------------------------------- #
def _erlang_b_sequence(a: float) -> Iterator[tuple[int, float]]:
    """Yield (k, B(k, a)) for k = 1, 2, ... using the stable recursion."""
    b = 1.0
    k = 0
    while True:
        k += 1
        b = a * b / (k + a * b)
        yield k, b


def _b_to_c(c: int, a: float, b: float) -> float:
    if a >= c:
        return 1.0
    value = c * b / (c - a * (1.0 - b))
    return min(1.0, max(0.0, value))


def erlang_b(servers, offered_load) -> float:
    """Erlang B: blocking probability of an M/M/c/c loss system.

    ``offered_load`` may be 0 (giving 0); it must be finite and non-negative.
    """
    c = _servers(servers)
    a = _non_negative(offered_load, "offered_load")
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(servers, offered_load) -> float:
    """Erlang C: probability that an arrival has to wait in M/M/c.

    Returns 1.0 when a ≥ c (no steady state; every arrival eventually waits).
    """
    c = _servers(servers)
    a = _non_negative(offered_load, "offered_load")
    if a >= c:
        return 1.0
    return _b_to_c(c, a, erlang_b(c, a))


# --------------------------------------------------------------------------- #
# M/M/c waiting time
# --------------------------------------------------------------------------- #
def _mmc_parts(arrival_rate, mean_service, servers) -> tuple[int, float, float, float]:
    """Return (c, a, C, gap) where gap = (c - a)/E[S] = cμ - λ (≤ 0 if unstable)."""
    es = _positive(mean_service, "mean_service")
    a = offered_load(arrival_rate, es)
    c = _servers(servers)
    return c, a, erlang_c(c, a), (c - a) / es


def mmc_mean_wait(arrival_rate, mean_service, servers) -> float:
    """Mean wait in queue for M/M/c: Wq = C / (cμ - λ); ``inf`` if ρ ≥ 1."""
    c, a, pw, gap = _mmc_parts(arrival_rate, mean_service, servers)
    if a >= c:
        return math.inf
    return pw / gap


def mmc_service_level(arrival_rate, mean_service, servers, wait_target) -> float:
    """P(W ≤ t) = 1 - C·exp(-(cμ - λ)·t) for M/M/c FCFS; 0.0 if ρ ≥ 1."""
    t = _real(wait_target, "wait_target")
    if t < 0:
        raise ValueError(f"wait_target must be >= 0, got {wait_target!r}")
    c, a, pw, gap = _mmc_parts(arrival_rate, mean_service, servers)
    if a >= c:
        return 0.0
    return 1.0 - pw * math.exp(-gap * t)


def mmc_wait_quantile(arrival_rate, mean_service, servers, q) -> float:
    """q-quantile of the M/M/c wait: 0 if q ≤ 1 - C, else ln(C/(1-q)) / (cμ - λ).

    ``q`` must be in [0, 1]; q = 1 gives ``inf``.  If ρ ≥ 1 the result is
    ``inf`` for every q > 0.
    """
    q = _probability(q, "q")
    c, a, pw, gap = _mmc_parts(arrival_rate, mean_service, servers)
    if q <= 1.0 - pw:
        return 0.0
    if a >= c or q >= 1.0:
        return math.inf
    return math.log(pw / (1.0 - q)) / gap


# --------------------------------------------------------------------------- #
# approximations for general arrivals/service
# --------------------------------------------------------------------------- #
def allen_cunneen_mean_wait(arrival_rate, mean_service, servers, ca2=1.0, cs2=1.0) -> float:
    """Allen–Cunneen G/G/c mean wait: Wq(M/M/c)·(ca² + cs²)/2; ``inf`` if ρ ≥ 1."""
    ca2 = _non_negative(ca2, "ca2")
    cs2 = _non_negative(cs2, "cs2")
    wq = mmc_mean_wait(arrival_rate, mean_service, servers)
    if math.isinf(wq):
        return math.inf
    return wq * (ca2 + cs2) / 2.0


def pk_mean_wait(arrival_rate, mean_service, cs2) -> float:
    """Pollaczek–Khinchine M/G/1 mean wait: ρ·E[S]·(1 + cs²)/(2(1 - ρ)); ``inf`` if ρ ≥ 1."""
    es = _positive(mean_service, "mean_service")
    rho = offered_load(arrival_rate, es)
    cs2 = _non_negative(cs2, "cs2")
    if rho >= 1.0:
        return math.inf
    return rho * es * (1.0 + cs2) / (2.0 * (1.0 - rho))


def tandem_mean_sojourn(arrival_rate, stages: Sequence[tuple[float, int]]) -> float:
    """Mean end-to-end time through M/M/c stations in series (Jackson network).

    ``stages`` is a non-empty sequence of ``(mean_service, servers)``; every
    stage sees the same Poisson arrival rate.  Returns Σ (Wq_i + E[S_i]),
    ``inf`` if any stage has ρ ≥ 1.
    """
    lam = _positive(arrival_rate, "arrival_rate")
    stages = list(stages)
    if not stages:
        raise ValueError("stages must contain at least one (mean_service, servers) pair")
    total = 0.0
    for i, stage in enumerate(stages):
        try:
            es, c = stage
        except (TypeError, ValueError):
            raise ValueError(f"stage {i} must be a (mean_service, servers) pair, got {stage!r}") from None
        total += mmc_mean_wait(lam, es, c) + _positive(es, "mean_service")
    return total


# --------------------------------------------------------------------------- #
# staffing
# --------------------------------------------------------------------------- #
def min_servers(
    arrival_rate,
    mean_service,
    *,
    target_mean_wait=None,
    target_service_level=None,
    ca2=1.0,
    cs2=1.0,
    max_servers=100000,
) -> int:
    """Fewest servers c with ρ < 1 that meet every given target.

    * ``target_mean_wait``: Allen–Cunneen mean wait (with ``ca2``, ``cs2``) ≤ target.
    * ``target_service_level=(wait_target, share)``: P(W ≤ wait_target) ≥ share,
      evaluated with the M/M/c formula (ignoring ``ca2``/``cs2``; for general
      service this is an approximation).

    At least one target is required.  Both criteria improve monotonically with
    c, so the first c found is the minimum.  Raises ValueError if no
    c ≤ ``max_servers`` qualifies.
    """
    es = _positive(mean_service, "mean_service")
    lam = _positive(arrival_rate, "arrival_rate")
    a = lam * es
    ca2 = _non_negative(ca2, "ca2")
    cs2 = _non_negative(cs2, "cs2")
    c_max = _servers(max_servers, "max_servers")
    if target_mean_wait is None and target_service_level is None:
        raise ValueError("give target_mean_wait and/or target_service_level")
    wq_target = None if target_mean_wait is None else _non_negative(target_mean_wait, "target_mean_wait")
    sl = None
    if target_service_level is not None:
        try:
            t, share = target_service_level
        except (TypeError, ValueError):
            raise ValueError("target_service_level must be a (wait_target, share) pair") from None
        sl = (_non_negative(t, "wait_target"), _probability(share, "share"))

    # B(c) is updated incrementally (O(c_max) overall); the expressions below
    # mirror mmc_mean_wait / allen_cunneen_mean_wait / mmc_service_level exactly.
    for c, b in _erlang_b_sequence(a):
        if c > c_max:
            break
        if a >= c:
            continue
        pw = _b_to_c(c, a, b)
        gap = (c - a) / es
        ok = True
        if wq_target is not None and (pw / gap) * (ca2 + cs2) / 2.0 > wq_target:
            ok = False
        if ok and sl is not None and 1.0 - pw * math.exp(-gap * sl[0]) < sl[1]:
            ok = False
        if ok:
            return c
    raise ValueError(
        f"no server count <= max_servers={c_max} meets the target(s) at offered load {a:g} Erlangs"
    )


# --------------------------------------------------------------------------- #
# convenience for summaries
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class PoolPrediction:
    """Steady-state prediction for one staff pool (times in the caller's unit)."""

    offered_load_erlangs: float
    servers: float
    utilisation: float
    probability_of_waiting: float
    mean_wait_minutes: float  # Allen–Cunneen
    mm_c_mean_wait_minutes: float  # plain M/M/c


def predict_pool(arrival_rate, mean_service, servers, cs2=1.0, ca2=1.0) -> PoolPrediction:
    """Bundle the main predictions for a pool of ``servers`` staff.

    ``servers`` may be a non-integer (e.g. mean staff on duty over time).  The
    reported ``servers`` and ``utilisation`` (a / servers) use that float, but
    Erlang C and the waits use ``floor(servers)`` whole servers, which is
    conservative.  If ``floor(servers) < 1`` (or a ≥ floor(servers)) the pool
    is treated as saturated: probability of waiting 1.0 and infinite waits.
    Thus a reported utilisation slightly below 1 can still come with infinite
    waits when the fractional part of ``servers`` is what keeps it below 1.
    """
    lam = _positive(arrival_rate, "arrival_rate")
    es = _positive(mean_service, "mean_service")
    s = _non_negative(servers, "servers")
    ca2 = _non_negative(ca2, "ca2")
    cs2 = _non_negative(cs2, "cs2")
    a = lam * es
    rho = a / s if s > 0 else math.inf
    c = math.floor(s)
    if c < 1 or a >= c:
        return PoolPrediction(a, s, rho, 1.0, math.inf, math.inf)
    wq = mmc_mean_wait(lam, es, c)
    return PoolPrediction(
        offered_load_erlangs=a,
        servers=s,
        utilisation=rho,
        probability_of_waiting=erlang_c(c, a),
        mean_wait_minutes=wq * (ca2 + cs2) / 2.0,
        mm_c_mean_wait_minutes=wq,
    )
