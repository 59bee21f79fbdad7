"""Minimum mode: for every commune and pool, the fewest staff with which the commune meets
every target.

The search, in the order it runs (each step one or a few simulations of the whole region,
every commune at its own candidate level: communes are independent under the home router):

1. **Floor and start.** No commune gets fewer than ``--min-per-commune`` staff, nor fewer than
   its expected utilisation target allows. The search starts from the analytic answer
   (Erlang C / Allen–Cunneen from the commune's offered load, :mod:`.load`).
2. **Wait at each pool.** For every (commune, pool) a bracket: the highest level seen to miss
   the p90 wait target, the lowest seen to meet it. A level that misses is followed by one 1,
   2, 4 … higher; one that meets (with nothing known below) by one 1, 2, 4 … lower; once both
   ends are known, bisection. Done when the two ends are one apart.
3. **On-time share.** A commune still below the on-time target is first simulated with
   unlimited staff in the listed pools: if even then it misses, no staff level can meet it
   (deadlines shorter than the work, sign-off batches, province delays, supplementation) and
   it is reported as not met, with that ceiling. The others get one more staff member at a
   time, in the pool where one more buys the highest on-time share (ties: the order of
   ``--pools``), until they meet it.
4. **Verified.** The recommendation is simulated: a commune that misses gets one more where it
   misses. Then, pool by pool, every commune is simulated with one fewer: where it still meets
   every target, the lower level is kept. Repeated until nothing changes, so no commune can
   give up a staff member of a listed pool and still meet its targets (under these random
   numbers). With a router that couples communes (clusters, a central pool, district centres)
   the one-fewer check is made commune by commune, and a level is lowered only if every
   commune of the region still meets its targets: slower, still correct.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .evaluate import Evaluation, Evaluator
from .targets import Targets

UNLIMITED = 10_000  # staff: no dossier ever waits for a pool this large
MAX_ROUNDS = 60


@dataclass
class Search:
    """The state of a staffing search; what the outputs report."""

    pools: list[str]
    targets: Targets
    loads: dict  # pool -> list[PoolLoad]
    floor: dict[str, list[int]]
    staff: dict[str, list[int]]
    unmet: dict[int, tuple[str, dict]] = field(default_factory=dict)  # commune -> why (catalogue key, fields)
    on_time_exempt: set = field(default_factory=set)  # communes whose on-time target is out of reach
    ceiling: dict[int, tuple[float, float]] = field(default_factory=dict)  # on-time with unlimited staff
    budget_notes: dict[str, dict] = field(default_factory=dict)  # budget mode: pool -> budget, needed, unreachable

    def pool_ok(self, e: Evaluation, pool: str, c: int, level: int | None = None) -> bool:
        level = e.staff[pool][c] if level is None else level
        if level == 0 and self.loads[pool][c].erlangs > 0:
            return False  # nobody served: no wait recorded, but every dossier waits for ever
        key = f"share_over_wait_target_{pool}"
        hw = e.half_width(key)[c] if self.targets.confident and key in e.values else 0.0
        return level >= self.floor[pool][c] and self.targets.pool_wait_ok(e.pool_over(pool)[c], hw)

    def on_time_met(self, e: Evaluation, c: int) -> bool:
        hw = e.half_width("on_time_share")[c] if self.targets.confident else 0.0
        return self.targets.on_time_ok(e.mean("on_time_share")[c], hw)

    def commune_ok(self, e: Evaluation, c: int) -> bool:
        if not all(self.pool_ok(e, p, c) for p in self.pools):
            return False
        return c in self.on_time_exempt or self.on_time_met(e, c)


def floors(pools, targets: Targets, loads, minimum: int) -> dict[str, list[int]]:
    return {p: [targets.utilisation_floor(load.erlangs, minimum) for load in loads[p]] for p in pools}


def minimum_staff(evaluator: Evaluator, pools: list[str], targets: Targets, loads: dict, minimum: int) -> Search:
    floor = floors(pools, targets, loads, minimum)
    start = {p: [max(floor[p][c], loads[p][c].analytic_staff(targets.wait_p90_minutes, floor[p][c]))
                 for c in range(len(floor[p]))] for p in pools}
    search = Search(pools, targets, loads, floor, start)
    if targets.wait_p90_minutes is not None:
        _wait_brackets(evaluator, search)
    if targets.on_time_share is not None:
        _on_time(evaluator, search)
    _verify(evaluator, search)
    return search


def _wait_brackets(evaluator: Evaluator, search: Search) -> None:
    n = len(evaluator.communes)
    lo = {p: [f - 1 for f in search.floor[p]] for p in search.pools}  # highest level seen to miss
    hi = {p: [None] * n for p in search.pools}  # lowest level seen to meet
    step = {p: [1] * n for p in search.pools}  # 1, 2, 4 ... while moving one way
    cap = {p: [max(64, 8 * s) for s in search.staff[p]] for p in search.pools}
    for _ in range(MAX_ROUNDS):
        open_ = [(p, c) for p in search.pools for c in range(n)
                 if c not in search.unmet and (hi[p][c] is None or hi[p][c] - lo[p][c] > 1)]
        if not open_:
            break
        e = evaluator.evaluate(search.staff)
        for p, c in open_:
            level, floor = search.staff[p][c], search.floor[p][c]
            if search.pool_ok(e, p, c):
                hi[p][c] = level
                if lo[p][c] < floor:  # nothing seen to miss yet: step down
                    search.staff[p][c] = max(floor, level - step[p][c])
                    step[p][c] *= 2
                    continue
            else:
                lo[p][c] = level
                if hi[p][c] is None:  # nothing seen to meet yet: step up
                    search.staff[p][c] = level + step[p][c]
                    step[p][c] *= 2
                    if search.staff[p][c] > cap[p][c]:
                        search.unmet[c] = ("reason_wait_cap", {"cap": cap[p][c], "pool": p,
                                                               "target": search.targets.wait_p90_minutes})
                    continue
            step[p][c] = 1
            search.staff[p][c] = hi[p][c] if hi[p][c] - lo[p][c] <= 1 else (lo[p][c] + hi[p][c]) // 2
    for p in search.pools:  # settle on the lowest level seen to meet
        for c in range(n):
            if hi[p][c] is not None:
                search.staff[p][c] = hi[p][c]


def _on_time(evaluator: Evaluator, search: Search) -> None:
    target = search.targets.on_time_share
    e = evaluator.evaluate(search.staff)
    failing = [c for c in range(len(evaluator.communes)) if c not in search.unmet
               and not search.on_time_met(e, c)]
    if not failing:
        return
    unlimited = {p: [UNLIMITED if c in failing else s for c, s in enumerate(search.staff[p])] for p in search.pools}
    top = evaluator.evaluate(unlimited)
    for c in failing:
        share = top.interval("on_time_share", c)
        search.ceiling[c] = share
        if not search.on_time_met(top, c):
            search.on_time_exempt.add(c)
            search.unmet[c] = ("reason_on_time_ceiling", {"pools": list(search.pools), "share": share[0],
                                                          "hw": share[1], "target": target})
    _add_for_on_time(evaluator, search, [c for c in failing if c not in search.on_time_exempt])


def _add_for_on_time(evaluator: Evaluator, search: Search, failing: list[int]) -> None:
    """One more staff member at a time where it buys the highest on-time share."""
    for _ in range(MAX_ROUNDS):
        if not failing:
            return
        trials = {}
        for p in search.pools:
            trial = {q: list(v) for q, v in search.staff.items()}
            for c in failing:
                trial[p][c] += 1
            trials[p] = evaluator.evaluate(trial).mean("on_time_share")
        for c in failing:
            best = max(search.pools, key=lambda p: (trials[p][c], -search.pools.index(p)))
            search.staff[best][c] += 1
        e = evaluator.evaluate(search.staff)
        failing = [c for c in failing if not search.on_time_met(e, c)]
    for c in failing:
        search.unmet[c] = ("reason_rounds", {})


def _verify(evaluator: Evaluator, search: Search) -> None:
    independent = evaluator.region.independent_communes
    for _ in range(MAX_ROUNDS):
        changed = _repair(evaluator, search)
        for p in search.pools:
            changed |= _one_fewer(evaluator, search, p) if independent else _one_fewer_coupled(evaluator, search, p)
        if not changed:
            return


def _hopeless(search: Search, c: int) -> bool:
    """No staff level meets this commune's pool targets (an unreachable on-time target alone
    leaves the pool targets to meet)."""
    return c in search.unmet and c not in search.on_time_exempt


def _repair(evaluator: Evaluator, search: Search) -> bool:
    """Simulate the recommendation; one more staff member where a commune misses."""
    e = evaluator.evaluate(search.staff)
    changed = False
    for c in range(len(evaluator.communes)):
        if _hopeless(search, c) or search.commune_ok(e, c):
            continue
        missing = [p for p in search.pools if not search.pool_ok(e, p, c)]
        if missing:
            for p in missing:
                search.staff[p][c] += 1
        else:
            _add_for_on_time(evaluator, search, [c])
        changed = True
    return changed


def _one_fewer(evaluator: Evaluator, search: Search, pool: str) -> bool:
    trial = {p: list(v) for p, v in search.staff.items()}
    lower = [c for c in range(len(evaluator.communes)) if trial[pool][c] > search.floor[pool][c]]
    if not lower:
        return False
    for c in lower:
        trial[pool][c] -= 1
    e = evaluator.evaluate(trial)
    changed = False
    for c in lower:
        if not _hopeless(search, c) and search.commune_ok(e, c):
            search.staff[pool][c] -= 1
            changed = True
    return changed


def _one_fewer_coupled(evaluator: Evaluator, search: Search, pool: str) -> bool:
    changed = False
    for c in range(len(evaluator.communes)):
        if search.staff[pool][c] <= search.floor[pool][c]:
            continue
        trial = {p: list(v) for p, v in search.staff.items()}
        trial[pool][c] -= 1
        e = evaluator.evaluate(trial)
        if all(search.commune_ok(e, d) for d in range(len(evaluator.communes)) if not _hopeless(search, d)):
            search.staff[pool][c] -= 1
            changed = True
    return changed
