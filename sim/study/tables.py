"""The tables printed on the terminal by ``run``, ``compare`` and ``sweep``, in English or Vietnamese.

Every label and unit comes from the catalogue (:mod:`sim.study.catalogue`); which figures a
table shows is the catalogue's ``KEY_FIGURES`` (``run``, ``compare``, the report) or
``SUMMARY_FIGURES`` (``sweep``, one column each). Every row names its unit; the
simulation and the queueing formula stand in separate, labelled columns; ``run`` ends with
the communes that miss the targets.
"""
from __future__ import annotations

import math
import sys

from ..engine.stats import mean_and_half_width
from . import catalogue as cat
from .analysis import Targets, communes_missing, missing_counts, verdict, worst_communes

KEY_FIGURES, SUMMARY_FIGURES = cat.KEY_FIGURES, cat.SUMMARY_FIGURES
WORST_SHOWN = 10


def _finite(x) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x)


def _cell(text: str, width: int, right: bool = True) -> str:
    text = str(text)
    if len(text) > width:
        text = text[: width - 1] + "…"
    return f"{text:>{width}}" if right else f"{text:<{width}}"


def _hw(name: str, hw, lang: str) -> str:
    return cat.value(name, hw, lang) if hw is not None else "—"


# ------------------------------------------------------------------ run
def print_run(summary: dict, scenario, results: list[dict], lang: str = cat.DEFAULT_LANGUAGE,
              targets: Targets | None = None, folder: str = "", out=None) -> None:
    """Key figures with units and intervals; the pools beside the formula; the worst communes."""
    out = out or sys.stdout
    targets = targets or Targets()
    resolved = scenario.model_dump(mode="json")
    n = summary.get("replications", 0)
    communes = results[0]["communes"] if results else []
    print(cat.text("run_heading", lang, name=scenario.name, replications=n, seed=scenario.seed), file=out)
    print(cat.text("where_heading", lang, place_period=cat.place_and_period(resolved, lang), communes=len(communes)),
          file=out)
    if summary.get("period"):  # the dates, days and working days themselves, whatever the name says
        print(cat.period_detail(summary["period"], lang), file=out)
    print(f"{_cell(cat.text('figure', lang), 50, False)} {_cell(cat.text('unit', lang), 16, False)} "
          f"{_cell(cat.text('mean', lang), 12)} {_cell(cat.text('ci95', lang), 10)}", file=out)
    for name in KEY_FIGURES:
        if name not in summary:
            continue
        print(f"{_cell(cat.label(name, lang, with_unit=False), 50, False)} {_cell(cat.unit(name, lang), 16, False)} "
              f"{_cell(cat.value(name, summary[name], lang), 12)} "
              f"{_cell(_hw(name, summary.get(name + '_ci95_half_width'), lang), 10)}", file=out)
    _print_pools(summary.get("pools", {}), lang, out)
    _print_worst(results, targets, lang, folder, out)


def _print_pools(pools: dict, lang: str, out) -> None:
    if not pools:
        return
    wait = cat.text("mean_wait_at_pool", lang)
    print(file=out)
    print(f"{_cell(cat.text('pool', lang), 22, False)} {_cell(cat.text('short_utilisation', lang), 12)} "
          f"{_cell(cat.text('ci95', lang), 8)} | {wait}", file=out)
    print(f"{'':<22} {_cell('%', 12)} {'':>8} | {_cell(cat.text('simulated', lang), 10)} {_cell(cat.text('ci95', lang), 8)} "
          f"{_cell(cat.text('formula', lang), 36)}", file=out)
    for name, pool in pools.items():
        if not isinstance(pool, dict):
            continue
        print(f"{_cell(cat.part(name, lang), 22, False)} {_cell(cat.value('utilisation', pool.get('utilisation'), lang), 12)} "
              f"{_cell(_hw('utilisation', pool.get('utilisation_ci95_half_width'), lang), 8)} | "
              f"{_cell(cat.value('mean_wait_minutes', pool.get('mean_wait_minutes'), lang), 10)} "
              f"{_cell(_hw('mean_wait_minutes', pool.get('mean_wait_minutes_ci95_half_width'), lang), 8)} "
              f"{_cell(cat.value('mean_wait_minutes', pool.get('analytic_mean_wait_minutes'), lang), 36)}", file=out)
    print(cat.text("pools_note", lang), file=out)


def commune_means(results: list[dict]) -> list[dict]:
    """Per commune, the mean over replications (and half-widths of the key figures)."""
    from .runner import commune_rows

    return commune_rows(results) if results else []


def _print_worst(results: list[dict], targets: Targets, lang: str, folder: str, out) -> None:
    rows = commune_means(results)
    if not rows:
        return
    missing = communes_missing(rows, targets)
    print(file=out)
    print(cat.text("targets_line", lang, wait=cat.number(targets.wait_minutes, "{:g}", lang),
                   on_time=cat.value("on_time_share", targets.on_time_share, lang)), file=out)
    print_worst_communes(worst_communes(results), lang, out)
    if not missing:
        print(cat.text("all_communes_meet", lang), file=out)
        return
    counts = missing_counts([r["communes"] for r in results], targets)
    print(cat.text("communes_missing", lang, n=len(missing), total=len(rows)), file=out)
    for key, values in counts.items():
        mean, hw = mean_and_half_width(values)
        print(f"  {cat.label(key, lang, with_unit=False)}: {cat.interval(key, mean, hw, lang, 0, len(rows))}", file=out)
    print(f"{_cell(cat.text('commune', lang), 28, False)} {_cell(cat.label('population', lang, False), 10)} "
          f"{_cell(cat.text('short_p90_wait', lang), 16)} {_cell(cat.text('short_on_time', lang), 10)} "
          f"{_cell(cat.text('short_utilisation', lang), 12)}  {cat.text('misses', lang)}", file=out)
    print(f"{'':<28} {_cell(cat.unit('population', lang), 10)} {_cell(cat.unit('p90_wait_minutes', lang), 16)} "
          f"{_cell('%', 10)} {_cell(cat.text('utilisation_highest', lang), 12)}", file=out)
    for row in missing[:WORST_SHOWN]:
        busiest = max((v for k, v in row.items() if k.startswith("utilisation_") and _finite(v)), default=None)
        misses = [cat.text(k, lang) for k, flag in (("miss_wait", row["misses_wait"]),
                                                    ("miss_on_time", row["misses_on_time"])) if flag]
        print(f"{_cell(row['commune'], 28, False)} {_cell(cat.value('population', row.get('population'), lang), 10)} "
              f"{_cell(cat.value('p90_wait_minutes', row.get('p90_wait_minutes'), lang), 16)} "
              f"{_cell(cat.value('on_time_share', row.get('on_time_share'), lang), 10)} "
              f"{_cell(cat.value('utilisation', busiest, lang), 12)}  {', '.join(misses)}", file=out)
    if len(missing) > WORST_SHOWN:
        print(cat.text("more_communes", lang, n=len(missing) - WORST_SHOWN, folder=folder), file=out)


def print_worst_communes(worst: dict, lang: str, out=None, prefix: str = "") -> None:
    """The commune with the longest 90% wait and the one with the lowest on-time share, by name."""
    out = out or sys.stdout
    for key, line in (("p90_wait_minutes", "worst_commune_wait"), ("on_time_share", "worst_commune_on_time")):
        if key in worst:
            print(prefix + cat.text(line, lang, name=worst[key]["commune"],
                                    value=cat.value(key, worst[key]["value"], lang)), file=out)


# ------------------------------------------------------------------ compare
def print_comparison(rows: list[dict], names: list[str], lang: str = cat.DEFAULT_LANGUAGE, out=None) -> None:
    """Per figure (its label and unit on a line of its own), each scenario's mean and interval, the
    paired difference to the first and whether it is better, worse or not clearly different."""
    out = out or sys.stdout
    shared, short = cat.short_names(names, 36)
    if shared:
        print(shared, file=out)
    print(f"  {_cell(cat.text('scenario', lang), 36, False)} {_cell(cat.text('mean', lang), 12)} "
          f"{_cell(cat.text('ci95', lang), 9)} {_cell(cat.text('short_difference', lang), 16)} "
          f"{_cell(cat.text('ci95', lang), 9)}", file=out)
    current, k = None, 0
    for row in rows:  # figure by figure, the scenarios in order
        name = row["figure"]
        k = 0 if name != current else k + 1
        current, is_first = name, k == 0
        if is_first:
            print(f"{cat.label(name, lang, with_unit=False)} ({cat.unit(name, lang)})", file=out)
        diff = "" if is_first else cat.value(name, row["difference_to_first"], lang, signed=True)
        dhw = "" if is_first else _hw(name, row["difference_ci95_half_width"], lang)
        judged = "" if is_first else cat.text(verdict(cat.figure(name).better, row["difference_to_first"],
                                                      row["difference_ci95_half_width"], cat.resolution(name)), lang)
        print(f"  {_cell(short[k] if k < len(short) else row['scenario'], 36, False)} "
              f"{_cell(cat.value(name, row['mean'], lang), 12)} {_cell(_hw(name, row['ci95_half_width'], lang), 9)} "
              f"{_cell(diff, 16)} {_cell(dhw, 9)}  {judged}".rstrip(), file=out)


# ------------------------------------------------------------------ sweep
def print_sweep(summary, experiment, lang: str = cat.DEFAULT_LANGUAGE, out=None) -> None:
    """One line per variant: the :data:`SUMMARY_FIGURES` with their intervals."""
    out = out or sys.stdout
    print(cat.text("sweep_heading", lang, name=experiment.spec.name, seed=experiment.root_seed), file=out)
    header = " ".join(_cell(cat.label(f, lang, with_unit=False), 24) for f in SUMMARY_FIGURES)
    units = " ".join(_cell(cat.unit(f, lang), 24) for f in SUMMARY_FIGURES)
    print(f"{_cell(cat.text('variant', lang), 40, False)} {'n':>3} {header}", file=out)
    print(f"{'':<40} {'':>3} {units}", file=out)
    by_key = {(row.variant, row.figure): row for row in summary.itertuples()}
    for v in experiment.variants:
        cells, n = [], 0
        for figure in SUMMARY_FIGURES:
            row = by_key.get((v.id, figure))
            if row is None:
                cells.append(_cell("—", 24))
                continue
            n = row.replications
            hw = "" if not _finite(row.ci95_half_width) else " ± " + cat.value(figure, row.ci95_half_width, lang)
            cells.append(_cell(cat.value(figure, row.mean, lang) + hw, 24))
        label = f"{v.id} {cat.variant_label(v.parameters, lang, words=experiment.spec.words_in(lang))}"
        print(f"{_cell(label, 40, False)} {n:>3} " + " ".join(cells), file=out)
