"""Output analysis for experiments: from replications to statements an analyst can defend.

A sweep produces, for every variant and replication, a flat set of figures (this module's
:func:`run_figures` turns one replication's result into them). Everything here works on the
tidy table built from those figures — one row per (variant, replication, figure, value):

* :func:`summary_table`: for every variant and figure, the mean over replications and its
  95% Student-t half-width; and the *paired* difference to the baseline variant with its own
  half-width. Variants share random numbers replication by replication (common random
  numbers), so the difference is estimated from the per-replication differences on the
  replications both variants have — far tighter than the two intervals side by side.
* :func:`half_widths_missing`: which variants have not yet met a target half-width (the
  sweep adds replications to those until they do, or a maximum is reached).
* :func:`mser`: the MSER-5 warm-up rule (White, 1997) on a series — the truncation point
  that minimises the standard error of the mean of what is left, searched in the first half.
* :func:`ecdf_from_histograms`: an empirical distribution function from the log-bucketed
  wait histograms the engine keeps (bucket edges are exact to within 1/64 of an octave).
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..engine.stats import mean_and_half_width

DEFAULT_ON_TIME_TARGET = 0.95
DEFAULT_WAIT_TARGET_MINUTES = 30.0


@dataclass(frozen=True)
class Targets:
    """What a commune must meet: 90% of its dossiers wait at most ``wait_minutes`` working
    minutes before first service, and at least ``on_time_share`` are resolved on time."""

    wait_minutes: float = DEFAULT_WAIT_TARGET_MINUTES
    on_time_share: float = DEFAULT_ON_TIME_TARGET

    def misses(self, p90_wait_minutes, on_time_share) -> tuple[bool, bool]:
        """(misses the wait target, misses the on-time target); an unknown value misses nothing."""
        return (_finite(p90_wait_minutes) and p90_wait_minutes > self.wait_minutes,
                _finite(on_time_share) and on_time_share < self.on_time_share)


def targets_for(resolved: dict | None, wait_minutes: float | None = None,
                on_time_share: float | None = None) -> Targets:
    """The targets to report against: the command line's, else the scenario's ``outputs.targets``
    (when the scenario has them), else 30 working minutes p90 and 0.95 on time."""
    given = ((resolved or {}).get("outputs") or {}).get("targets") or {}
    wait = wait_minutes if wait_minutes is not None else _first(given, "p90_wait_minutes", "wait_p90_minutes",
                                                                "wait_minutes")
    share = on_time_share if on_time_share is not None else _first(given, "on_time_share", "on_time")
    return Targets(DEFAULT_WAIT_TARGET_MINUTES if wait is None else float(wait),
                   DEFAULT_ON_TIME_TARGET if share is None else float(share))


def effective_targets(scenario, wait_p90_minutes: float | None = None,
                      on_time_share: float | None = None) -> tuple[float, float]:
    """(wait target in working minutes, on-time target) for a scenario model: :func:`targets_for`."""
    t = targets_for(scenario.model_dump(mode="json") if scenario is not None else None, wait_p90_minutes, on_time_share)
    return t.wait_minutes, t.on_time_share


def commune_targets(results: list[dict], wait_target_minutes: float, on_time_target: float) -> dict:
    """Beside the region's averages, every commune against the targets (summary.json):

    * ``communes_above_wait_target`` and ``communes_below_on_time_target``: counted in each
      replication, mean and 95% half-width over replications (as in sweeps);
    * ``worst_commune``: the commune with the longest p90 wait and the one with the lowest
      on-time share, by their means over replications, with their 95% half-widths.
    """
    counts = missing_counts([r.get("communes") or [] for r in results], Targets(wait_target_minutes, on_time_target))
    out: dict = {"targets": {"wait_p90_minutes": wait_target_minutes, "on_time_share": on_time_target}}
    for key, values in counts.items():
        out[key], out[key + "_ci95_half_width"] = mean_and_half_width(values)
    out["worst_commune"] = worst_communes(results)
    return out


def worst_communes(results: list[dict]) -> dict:
    """The worst commune by p90 wait (highest) and by on-time share (lowest), means over replications."""
    if not results or not results[0].get("communes"):
        return {}
    names = [c["commune"] for c in results[0]["communes"]]
    out = {}
    for key, pick in (("p90_wait_minutes", max), ("on_time_share", min)):
        stats = [mean_and_half_width([r["communes"][i].get(key) for r in results]) for i in range(len(names))]
        finite = [i for i, (m, _) in enumerate(stats) if _finite(m)]
        if finite:
            i = pick(finite, key=lambda i: stats[i][0])
            out[key] = {"commune": names[i], "value": stats[i][0], "ci95_half_width": stats[i][1]}
    return out


def _first(mapping: dict, *keys):
    return next((mapping[k] for k in keys if isinstance(mapping.get(k), (int, float))), None)


def communes_missing(rows: Iterable[dict], targets: Targets) -> list[dict]:
    """The communes (rows of communes.csv: means over replications) that miss a target, each
    with ``misses_wait`` and ``misses_on_time``, from the longest 90% wait."""
    out = []
    for row in rows:
        wait, late = targets.misses(row.get("p90_wait_minutes"), row.get("on_time_share"))
        if wait or late:
            out.append({**row, "misses_wait": wait, "misses_on_time": late})
    return sorted(out, key=lambda r: (-_or(r.get("p90_wait_minutes"), -math.inf), _or(r.get("on_time_share"), 2)))


def _or(x, default):
    return x if _finite(x) else default


def missing_counts(per_replication: Iterable[Iterable[dict]], targets: Targets) -> dict[str, list[float]]:
    """Per replication (each an iterable of commune rows), how many communes miss each target."""
    above, below = [], []
    for communes in per_replication:
        flags = [targets.misses(c.get("p90_wait_minutes"), c.get("on_time_share")) for c in communes]
        above.append(float(sum(w for w, _ in flags)))
        below.append(float(sum(s for _, s in flags)))
    return {"communes_above_wait_target": above, "communes_below_on_time_target": below}


def verdict(better: str | None, difference, half_width, negligible: float = 0.0) -> str:
    """"better", "worse", "no_clear_difference" (the paired 95% interval holds zero, or there is
    none), "negligible" (a real difference smaller than ``negligible``, e.g. one that prints as
    zero) or "not_ranked" (a figure that is neither better high nor low)."""
    if better is None:
        return "not_ranked"
    if not (_finite(difference) and _finite(half_width)) or abs(difference) <= half_width:
        return "no_clear_difference"
    if abs(difference) < negligible:
        return "negligible"
    return "better" if (difference < 0) == (better == "lower") else "worse"


# --------------------------------------------------------------- figures of one run
def run_figures(result: dict, on_time_target: float = DEFAULT_ON_TIME_TARGET,
                wait_target_minutes: float = DEFAULT_WAIT_TARGET_MINUTES) -> dict[str, float]:
    """The flat figures of one replication's result, by dotted name.

    Region figures keep their plain names (``mean_wait_minutes``); breakdowns are prefixed
    (``pools.counter.utilisation``, ``by_field.land.on_time_share``,
    ``by_channel.online.mean_wait_minutes``, ``littles_law.mean_in_system``). Per-commune
    figures are summed up as: how many communes have an on-time share below
    ``on_time_target`` (``communes_below_on_time_target``), how many have a p90 wait above
    ``wait_target_minutes`` (``communes_above_wait_target``), and the worst commune's
    utilisation of each pool and p90 wait (``communes_max.*``).
    """
    out: dict[str, float] = {}
    for key, value in result["region"].items():
        _put(out, key, value)
    for section in ("by_channel", "by_field", "pools"):
        for name, figures in result.get(section, {}).items():
            for key, value in figures.items():
                _put(out, f"{section}.{name}.{key}", value)
    for key, value in result.get("littles_law", {}).items():
        _put(out, f"littles_law.{key}", value)
    communes = result.get("communes") or []
    if communes:
        shares = [c.get("on_time_share") for c in communes]
        out["communes_below_on_time_target"] = float(sum(1 for s in shares if _finite(s) and s < on_time_target))
        p90 = [c.get("p90_wait_minutes") for c in communes]
        out["communes_above_wait_target"] = float(sum(1 for w in p90 if _finite(w) and w > wait_target_minutes))
        for key in sorted({k for c in communes for k in c if k.startswith("utilisation_")} | {"p90_wait_minutes"}):
            values = [c.get(key) for c in communes if _finite(c.get(key))]
            out[f"communes_max.{key}"] = max(values) if values else math.nan
    return out


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _put(out: dict, key: str, value) -> None:
    if isinstance(value, bool):
        return
    if isinstance(value, (int, float)):
        out[key] = float(value)
    elif value is None:
        out[key] = math.nan


# --------------------------------------------------------------- intervals
def summary_table(table, baseline: str | None = None):
    """Mean, 95% half-width and paired difference to ``baseline`` per (variant, figure).

    ``table`` is the tidy results table (columns variant, replication, figure, value and the
    parameter columns). The baseline defaults to the first variant. Returns a DataFrame with
    columns variant, figure, replications, mean, ci95_half_width, difference_to_baseline,
    difference_ci95_half_width, paired_replications.
    """
    import pandas as pd

    if table.empty:
        return pd.DataFrame(columns=["variant", "figure", "replications", "mean", "ci95_half_width",
                                     "difference_to_baseline", "difference_ci95_half_width", "paired_replications"])
    variants = list(dict.fromkeys(table["variant"]))
    baseline = baseline or variants[0]
    wide = table.pivot_table(index=["variant", "figure"], columns="replication", values="value", aggfunc="first",
                             dropna=False)
    rows = []
    for variant in variants:
        for figure in dict.fromkeys(table.loc[table["variant"] == variant, "figure"]):
            values = wide.loc[(variant, figure)]
            mean, hw = mean_and_half_width(values.dropna().tolist())
            base = wide.loc[(baseline, figure)] if (baseline, figure) in wide.index else None
            d_mean = d_hw = math.nan
            paired = 0
            if base is not None:
                diffs = (values - base).dropna()
                paired = len(diffs)
                d_mean, d_hw = mean_and_half_width(diffs.tolist())
            rows.append({"variant": variant, "figure": figure, "replications": int(values.notna().sum()),
                         "mean": mean, "ci95_half_width": hw, "difference_to_baseline": d_mean,
                         "difference_ci95_half_width": d_hw, "paired_replications": paired})
    return pd.DataFrame(rows)


def half_widths_missing(values_by_variant: dict[str, Sequence[float]], target: float) -> list[str]:
    """Variants whose 95% half-width is above ``target`` (or undefined: fewer than 2 values)."""
    missing = []
    for variant, values in values_by_variant.items():
        _, hw = mean_and_half_width(list(values))
        if not (math.isfinite(hw) and hw <= target):
            missing.append(variant)
    return missing


# --------------------------------------------------------------- warm-up
def mser(series: Sequence[float], batch: int = 5) -> dict:
    """MSER-``batch`` truncation of a series (MSER-5 by default).

    The series is cut into batch means of ``batch`` consecutive values (a partial last batch
    is dropped); for each candidate truncation d (in batches, d in the first half) the
    statistic is sum((Y_i - mean_d)^2 for i > d) / (n - d)^2, the squared standard error of
    the mean of what is kept; the truncation is the d that minimises it. Returns the batch
    count, the truncation in series points (d x batch), and the statistic at every d.
    """
    values = [float(v) for v in series]
    n = len(values) // batch
    if n < 2:
        return {"batches": n, "truncation_batches": 0, "truncation_points": 0, "statistic": []}
    means = [sum(values[i * batch:(i + 1) * batch]) / batch for i in range(n)]
    statistic = []
    for d in range(n // 2 + 1):
        kept = means[d:]
        m = sum(kept) / len(kept)
        statistic.append(sum((y - m) ** 2 for y in kept) / len(kept) ** 2)
    best = min(range(len(statistic)), key=lambda d: (statistic[d], d))
    return {"batches": n, "truncation_batches": best, "truncation_points": best * batch, "statistic": statistic}


# --------------------------------------------------------------- distributions
def ecdf_from_histograms(histograms: Iterable[dict]) -> list[tuple[float, float]]:
    """Pool the wait histograms of several replications into ECDF points (x, share <= x).

    The first point is (0, share of zero waits); then one point at the upper edge of every
    non-empty bucket (the share at most that value is exact there).
    """
    zeros = 0
    counts: dict[tuple[float, float], int] = {}
    for h in histograms:
        zeros += h["zeros"]
        for lower, upper, count in h["buckets"]:
            counts[(lower, upper)] = counts.get((lower, upper), 0) + count
    total = zeros + sum(counts.values())
    if total == 0:
        return []
    points = [(0.0, zeros / total)]
    cumulative = zeros
    for (lower, upper), count in sorted(counts.items()):
        cumulative += count
        points.append((upper, cumulative / total))
    return points


def quantile_from_ecdf(points: Sequence[tuple[float, float]], q: float) -> float:
    """The smallest x of the ECDF points with share >= q."""
    for x, share in points:
        if share >= q - 1e-12:
            return x
    return points[-1][0] if points else math.nan
