"""Sharing a fixed number of positions among communes, given each commune's figures per level.

The objective, in order:

1. the most communes meeting every target;
2. then the smallest worst p90 wait at the pool (the worst commune as small as possible);
3. then the next-worst as small as possible, and so on (lexicographic minimax, "leximin");
   where waits tie (e.g. no one waits), the higher expected utilisation counts as worse, then
   the commune with fewer staff, then the lower commune index. So positions left over once
   nobody waits go where staff are busiest.

A commune's value at level s is the tuple (p90 wait, expected utilisation, -s, -index): strictly
decreasing in s once the p90 wait is made non-increasing (each level takes the best wait of
the levels up to it: with common random numbers and first-come first-served queues one more
staff member never delays a dossier, so this only removes noise). The solution is built
worst-first: the smallest τ such that every commune can be brought to a value ≤ τ, with
enough communes meeting their targets, within the budget, is found by bisection over the
values; the one commune whose value is τ must sit at that level in every optimal allocation,
so it is fixed there, and the rest is solved again with what is left. The greedy "give the
next position to the worst commune" is the special case without the count of communes
meeting; this exact version also decides which communes to bring to their targets.
"""
from __future__ import annotations


def max_meeting(first_meeting: list[float], budget: int, minimum: int, n: int) -> int:
    """How many communes can meet their targets: the cheapest first (unit value each)."""
    extra = sorted(f - minimum for f in first_meeting if f != float("inf"))
    spare, count = budget - minimum * n, 0
    for e in extra:
        if e > spare:
            break
        spare -= e
        count += 1
    return count


def _level_at_most(values: list[tuple], tau: tuple) -> int | None:
    """First offset j with values[j] <= tau (values strictly decreasing), or None."""
    lo, hi = 0, len(values)
    while lo < hi:
        mid = (lo + hi) // 2
        if values[mid] <= tau:
            hi = mid
        else:
            lo = mid + 1
    return lo if lo < len(values) else None


def allocate(values: list[list[tuple]], first_meeting: list[float], budget: int, minimum: int) -> list[int]:
    """Staff per commune: ``values[c][j]`` is commune c's value at level minimum + j (strictly
    decreasing in j); ``first_meeting[c]`` the lowest level from which it meets its targets
    (inf: none). Levels sum to ``budget``; see the module docstring for the objective."""
    n = len(values)
    need = max_meeting(first_meeting, budget, minimum, n)
    candidates = sorted((v, c, j) for c in range(n) for j, v in enumerate(values[c]))
    keys = [v for v, _, _ in candidates]
    free, level, remaining = set(range(n)), [0] * n, budget
    while free:
        def feasible(tau):
            levels = {}
            for c in free:
                j = _level_at_most(values[c], tau)
                if j is None:
                    return None
                levels[c] = minimum + j
            extras = sorted(max(0.0, first_meeting[c] - levels[c]) for c in free if first_meeting[c] != float("inf"))
            if len(extras) < need:
                return None
            return levels if sum(levels.values()) + sum(extras[:need]) <= remaining else None

        lo, hi = 0, len(keys) - 1
        if feasible(keys[hi]) is None:
            raise ValueError("no allocation within the budget: the levels given do not reach it")
        while lo < hi:
            mid = (lo + hi) // 2
            if feasible(keys[mid]) is not None:
                hi = mid
            else:
                lo = mid + 1
        levels = feasible(keys[lo])
        worst = max(free, key=lambda c: values[c][levels[c] - minimum])
        level[worst] = levels[worst]
        remaining -= levels[worst]
        need = max(0, need - (levels[worst] >= first_meeting[worst]))
        free.discard(worst)
    return level


def level_values(p90: list[float], utilisation: list[float], index: int, minimum: int) -> list[tuple]:
    """The strictly decreasing value tuples of one commune at levels minimum, minimum + 1, ...
    (p90 made non-increasing; -level keeps a commune with no work strictly decreasing too)."""
    out, best = [], float("inf")
    for j, (wait, util) in enumerate(zip(p90, utilisation)):
        best = min(best, wait if wait == wait else 0.0)  # NaN: nobody came, nobody waited
        out.append((best, util, -(minimum + j), -index))
    return out


def first_meeting_level(meets: list[bool], minimum: int) -> float:
    """The lowest level from which every level meets (inf when the top level does not)."""
    first = float("inf")
    for j in range(len(meets) - 1, -1, -1):
        if not meets[j]:
            break
        first = minimum + j
    return first

