"""Budget mode: exactly N staff of a pool shared among the communes, at least ``--min-per-commune``
each, for the most communes meeting their targets, then the smallest worst p90 wait (the
objective and its tie-breaks: :mod:`.allocate`).

Each commune's figures at each level of the pool come from simulation, measured only where
the decision depends on them. A round: estimate every level not yet simulated (between two
simulated levels by interpolation, beyond them by the Erlang C / Allen–Cunneen curve scaled to
the nearest simulated level; meeting the targets taken from the nearest simulated level), solve
the allocation on these figures, and simulate the levels the solution rests on — each commune's
chosen level and the one below it, and, for a commune that does not meet its targets one level
below its own, the level from which it meets them and the one below — wherever they are still
estimates. Under the home router one simulation measures one
level of every commune at once. When every level the solution rests on has been simulated,
the allocation is the optimum for the simulated figures (with common random numbers), and it
is then simulated as a whole to report it ("verified by simulation").

With several pools, they are shared one after the other in the order of ``--pools``, each with
the others at their current numbers (the scenario's, or the ones already shared). With a router
that couples communes, a commune's figures at a level also depend on its neighbours' levels,
so the tables are approximations: the allocation is then a heuristic, and the figures reported
for it are those of the final simulation.
"""
from __future__ import annotations

import bisect
import math

from .allocate import allocate, first_meeting_level, level_values
from .evaluate import Evaluator
from .minimum import Search, floors

MAX_ROUNDS = 25


def budget_staff(evaluator: Evaluator, pools: list[str], budgets: dict[str, int], targets, loads,
                 minimum: int) -> Search:
    base = evaluator.base_staff
    search = Search(pools, targets, loads, floors(pools, targets, loads, 0),
                    {p: list(base[p]) for p in pools})
    for pool in pools:
        search.staff[pool] = _share_pool(evaluator, search, pool, budgets[pool], minimum)
    return search


def _share_pool(evaluator: Evaluator, search: Search, pool: str, budget: int, minimum: int) -> list[int]:
    n = len(evaluator.communes)
    top = budget - (n - 1) * minimum  # the most one commune can get
    loads = search.loads[pool]
    wait_target = search.targets.wait_p90_minutes
    curves = [analytic_p90(load, top) for load in loads]
    measured: list[dict[int, tuple[float, bool, bool]]] = [{} for _ in range(n)]  # level -> (p90, pool ok, rest ok)
    start = [min(top, max(minimum, load.analytic_staff(wait_target, minimum))) for load in loads]
    wanted = [{s for s in (a - 1, a, a + 1) if minimum <= s <= top} for a in start]
    levels = start
    for _ in range(MAX_ROUNDS):
        _measure(evaluator, search, pool, measured, wanted)
        values, first = [], []
        for c in range(n):
            p90, meets = _table(measured[c], curves[c], minimum, top, search, pool, c)
            util = [loads[c].utilisation(s) for s in range(minimum, top + 1)]
            values.append(level_values(p90, util, c, minimum))
            first.append(first_meeting_level(meets, minimum))
        levels = allocate(values, first, budget, minimum)
        search.budget_notes[pool] = {"budget": budget, "top": top,
                                     "needed": int(sum(f for f in first if f != math.inf) + minimum * first.count(math.inf)),
                                     "unreachable": [c for c in range(n) if first[c] == math.inf]}
        wanted = [{s for s in _critical(levels[c], first[c]) if minimum <= s <= top and s not in measured[c]}
                  for c in range(n)]
        if not any(wanted):
            break
    return levels


def _critical(level: int, first: float) -> tuple:
    """The levels a commune's place in the solution rests on: its own and the one below (the
    worst-first order), and, if it does not meet its targets there, the level from which it
    would and the one below (which communes are brought to their targets). A commune that meets
    them one level below its own needs no more: its meeting does not depend on where exactly
    its threshold lies."""
    if first == math.inf or first < level:
        return (level - 1, level)
    return (level - 1, level, int(first) - 1, int(first))


def _measure(evaluator: Evaluator, search: Search, pool: str, measured: list[dict], wanted: list[set]) -> None:
    """Simulate the wanted levels: the k-th simulation puts every commune at its k-th wanted level."""
    queues = [sorted(w - set(m)) for w, m in zip(wanted, measured)]
    while any(queues):
        staff = {p: list(v) for p, v in search.staff.items()}
        placed = []
        for c, queue in enumerate(queues):
            if queue:
                staff[pool][c] = queue.pop(0)
                placed.append(c)
            elif measured[c]:
                staff[pool][c] = min(measured[c])  # anywhere already known: nothing learnt
        e = evaluator.evaluate(staff)
        for c in placed:
            level = staff[pool][c]
            rest = all(search.pool_ok(e, p, c) for p in search.pools if p != pool)
            rest = rest and search.on_time_met(e, c)
            measured[c][level] = (float(e.pool_wait(pool)[c]), search.pool_ok(e, pool, c, level), rest)


def _table(known: dict, curve: list[float], minimum: int, top: int, search: Search, pool: str, c: int):
    """p90 wait and 'meets every target' at every level, simulated where known, else estimated."""
    levels = sorted(known)
    wait_target = search.targets.wait_p90_minutes
    p90, meets = [], []
    for s in range(minimum, top + 1):
        if s in known:
            wait, ok, rest = known[s]
            p90.append(wait)
            meets.append(ok and rest)
            continue
        at = bisect.bisect_left(levels, s)
        below = levels[at - 1] if at > 0 else None
        above = levels[at] if at < len(levels) else None
        wait = _estimate(s, below, above, known, curve)
        nearest = below if above is None or (below is not None and s - below <= above - s) else above
        rest = known[nearest][2]
        if below is not None and known[below][2]:
            rest = True
        if above is not None and not known[above][2]:
            rest = False
        ok = s >= search.floor[pool][c] and (wait_target is None or not wait > wait_target)
        p90.append(wait)
        meets.append(ok and rest)
    return p90, meets


def _estimate(s: int, below, above, known: dict, curve: list[float]) -> float:
    wait = lambda k: known[k][0] if known[k][0] == known[k][0] else 0.0  # noqa: E731 (NaN: nobody came)
    if below is not None and above is not None:
        w0, w1 = wait(below), wait(above)
        return w0 + (w1 - w0) * (s - below) / (above - below)
    if above is not None:  # below every simulated level
        w, a_s, a_k = wait(above), curve[s], curve[above]
        if 0 < a_k < math.inf and a_s < math.inf:
            return max(w, w * a_s / a_k)
        return w * 2.0 ** (above - s) + (above - s)
    w, a_s, a_k = wait(below), curve[s], curve[below]
    if w == 0:
        return 0.0
    if 0 < a_k < math.inf:
        return min(w, w * a_s / a_k)
    return w * 0.5 ** (s - below)


def analytic_p90(load, top: int) -> list[float]:
    """The Allen–Cunneen-scaled M/M/c p90 wait at levels 0..top (index = level), by the Erlang B
    recursion: B(k) = a·B(k-1) / (k + a·B(k-1)), C = k·B / (k - a(1 - B)),
    p90 = ln(C / 0.1) / (kμ - λ) when C > 0.1, else 0."""
    out = [math.inf]
    a = load.erlangs
    if a <= 0:
        return [0.0] * (top + 1)
    b, scale = 1.0, (1 + load.cs2) / 2
    for k in range(1, top + 1):
        b = a * b / (k + a * b)
        if a >= k:
            out.append(math.inf)
            continue
        c = k * b / (k - a * (1 - b))
        out.append(0.0 if c <= 0.1 else math.log(c / 0.1) / ((k - a) / load.mean_minutes) * scale)
        if out[-1] == 0.0:
            out.extend([0.0] * (top - k))
            break
    return out
