"""Sensitivity: how the key figures move when each assumption moves by ±20%.

The assumptions are the ones a targets file lists for a scenario (``assumptions:``: key paths
scaled together, e.g. every field's back-office minutes); fitted parameters may be listed too
(``fitted: true``) to show their leverage. Each assumption is scaled by 1 − f and 1 + f
(f = 0.2) with everything else as calibrated, on the same replications (common random
numbers), so the change of a figure is a paired difference: its 95% interval comes from the
per-replication differences and is far narrower than the two runs' own intervals. Integer
parameters (staff counts, deadlines) are rounded; the factor actually applied is reported.

Runs go through the calibration cache (:class:`sim.calibration.evaluations.Evaluator`), so an interrupted
analysis resumes where it stopped. ``tools/calibration_sensitivity.py`` runs it for the library.
"""
from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np

from ..engine.stats import mean_and_half_width
from ..study import catalogue as cat
from ..study.files import write_text
from ..study.drawing import finish_panels, title_with_place
from .expressions import Expression
from .targets import Mapping, get_path, load_targets, section_for

CACHE_FILE = "sensitivity-evaluations.jsonl"


def sensitivity(scenario_arg: str, targets_path: Path, out: Path, replications: int = 2, factor: float = 0.2,
                jobs: int = 1, log=None) -> list[dict]:
    from ..study.api import find_scenario, load_scenario
    from ..study.executors import open_workers
    from .evaluations import Cache, Evaluator

    log = log or (lambda key, **fields: None)
    scenario_path = find_scenario(scenario_arg)
    targets, positions = load_targets(targets_path)
    key, section = section_for(targets, positions, targets_path, scenario_path)
    base = load_scenario(scenario_path)
    mapping = Mapping(base, section.assumptions, positions, f"scenarios.{key}.assumptions", str(targets_path))
    if section.key_figures:
        expressions = {name: Expression(text) for name, text in section.key_figures.items()}
    else:  # the targets themselves, dated checkpoints read at their date
        expressions = section.expressions(base.horizon.start_date)
    paths = sorted({p for e in expressions.values() for p in e.paths})
    evaluator = Evaluator(scenario_path, paths, Cache(Path(out) / CACHE_FILE), log)
    reps = list(range(replications))

    def run(overrides: list[str], label: str) -> dict[str, list[float]]:
        values = evaluator.figures(evaluator.scenario(overrides), reps, label)
        return {name: [e(v) for v in values] for name, e in expressions.items()}

    with open_workers("local", jobs, tasks=replications) as workers:  # no more processes than replications
        evaluator.workers = workers
        log("sensitivity_base", scenario=key, replications=replications)
        base_values = run([], "base")
        rows = []
        for name, spec in section.assumptions.items():
            first = mapping.paths[name][0]
            for f in (1 - factor, 1 + factor):
                applied = mapping.values({name: f})[first] / get_path(mapping.base, first)
                log("sensitivity_step", scenario=key, name=name, factor=f"{f:g}", applied=f"{applied:.3g}")
                values = run(mapping.overrides({name: f}), f"{name} x {f:g}")
                for figure in expressions:
                    b_mean = float(np.mean(base_values[figure]))
                    diffs = [v - b for v, b in zip(values[figure], base_values[figure])]
                    d_mean, d_hw = mean_and_half_width(diffs)
                    rows.append({"scenario": key, "assumption": name, "fitted": spec.fitted, "description": spec.description,
                                 "factor": f, "applied_factor": applied, "figure": figure, "base": b_mean,
                                 "value": float(np.mean(values[figure])), "change": d_mean,
                                 "change_ci95_half_width": d_hw,
                                 "change_percent": 100 * d_mean / b_mean if b_mean else math.nan})
    write(Path(out), key, base.name, rows, replications, factor, cat.place_and_period(base.model_dump(mode="json")))
    return rows


def write(out: Path, key: str, title: str, rows: list[dict], replications: int, factor: float,
          where: str | None = None) -> None:
    """sensitivity.csv, sensitivity.md and sensitivity.png, each written atomically."""
    table = io.StringIO(newline="")
    writer = csv.DictWriter(table, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    write_text(out / "sensitivity.csv", table.getvalue())
    write_text(out / "sensitivity.md", markdown(key, title, rows, replications, factor))
    plot(out / "sensitivity.png", where or title, rows, factor)


def _num(value: float) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def markdown(key: str, title: str, rows: list[dict], replications: int, factor: float) -> str:
    figures = list(dict.fromkeys(r["figure"] for r in rows))
    assumptions = list(dict.fromkeys(r["assumption"] for r in rows))
    base = {r["figure"]: r["base"] for r in rows}
    out = [f"# Sensitivity: {title}", "",
           f"`{key}` as calibrated; each assumption scaled by ×{1 - factor:g} and ×{1 + factor:g} alone, on the same "
           f"{replications} replications (common random numbers). Cells: change of the figure, in % of its base value "
           "(−20% / +20%); **bold** where the paired 95% interval excludes 0.", "",
           "| assumption | applied | " + " | ".join(figures) + " |", "|---|---|" + "---|" * len(figures),
           "| *base value* | | " + " | ".join(_num(base[f]) for f in figures) + " |"]
    for a in assumptions:
        sub = [r for r in rows if r["assumption"] == a]
        applied = " / ".join(f"×{r['applied_factor']:.3g}" for r in sub if r["figure"] == figures[0])
        cells = []
        for f in figures:
            parts = []
            for r in (r for r in sub if r["figure"] == f):
                text = f"{r['change_percent']:+.1f}" if math.isfinite(r["change_percent"]) else "—"
                significant = math.isfinite(r["change_ci95_half_width"]) and abs(r["change"]) > r["change_ci95_half_width"]
                parts.append(f"**{text}**" if significant else text)
            cells.append(" / ".join(parts))
        label = a + (" (fitted)" if sub[0]["fitted"] else "")
        out.append(f"| {label} | {applied} | " + " | ".join(cells) + " |")
    out += ["", "Assumptions:", ""]
    out += [f"- `{a}`: {next(r['description'] for r in rows if r['assumption'] == a)}" for a in assumptions]
    out += ["", "![sensitivity](sensitivity.png)", ""]
    return "\n".join(out)


def plot(path: Path, where: str, rows: list[dict], factor: float, lang: str = cat.DEFAULT_LANGUAGE) -> None:
    """One panel per figure, a pair of bars (×(1−f), ×(1+f)) per assumption with paired 95% intervals."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figures = list(dict.fromkeys(r["figure"] for r in rows))
    assumptions = list(dict.fromkeys(r["assumption"] for r in rows))
    cols = min(len(figures), 3)
    nrows = math.ceil(len(figures) / cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(4.8 * cols, 0.32 * len(assumptions) * nrows + 1.3 * nrows + 0.8),
                             squeeze=False)
    y = np.arange(len(assumptions))
    for ax, figure in zip(axes.flat, figures):
        for f, color in ((1 - factor, "tab:blue"), (1 + factor, "tab:red")):
            sub = {r["assumption"]: r for r in rows if r["figure"] == figure and r["factor"] == f}
            values = [sub[a]["change_percent"] if math.isfinite(sub[a]["change_percent"]) else 0 for a in assumptions]
            errors = [100 * sub[a]["change_ci95_half_width"] / abs(sub[a]["base"])
                      if sub[a]["base"] and math.isfinite(sub[a]["change_ci95_half_width"]) else 0 for a in assumptions]
            ax.barh(y + (0.2 if f > 1 else -0.2), values, height=0.38, color=color, xerr=errors,
                    label=f"×{cat.number(f, '{:g}', lang)}", error_kw={"lw": 0.8})
        ax.axvline(0, color="black", lw=0.6)
        ax.set_yticks(y, [cat.parameter(a, lang, with_unit=False) for a in assumptions], fontsize=7)
        ax.invert_yaxis()
        base = rows[[r["figure"] for r in rows].index(figure)]["base"]
        ax.set_title(f"{_figure_label(figure, lang)}\n({cat.text('base_value', lang, value=_value(figure, base, lang))})",
                     fontsize=8)
        ax.set_xlabel(cat.text("axis_change_percent", lang), fontsize=7)
        ax.tick_params(axis="x", labelsize=7)
    title = cat.text("plot_sensitivity", lang, percent=cat.number(factor, "{:.0%}", lang))
    finish_panels(fig, axes, len(figures), title_with_place(title, where), path, 2, bottom=0.04)


def _figure_label(name: str, lang: str) -> str:
    try:
        return cat.label(name, lang)
    except KeyError:  # a key figure the targets file names and the catalogue does not know
        return name.replace("_", " ")


def _value(name: str, x, lang: str) -> str:
    try:
        return cat.value(name, x, lang)
    except KeyError:
        return cat.number(x, "{:,.3g}", lang)
