"""What a calibration writes: fitted values, a scenario that extends the input, a report.

    fitted.json       the fitted parameters with their 95% interval and per-replication fits,
                      the scenario paths they set, every target beside its simulated value
    calibrated.yaml   ``extends:`` the input scenario and sets only the fitted values
    report.md         what was fitted, what was set directly, what stays assumed; the fit table
    report.png        each target beside its simulated value (95% interval) and its tolerance
                      (a range target: its acceptable range); dated checkpoints say their date

A range target (an assumption-bound such as "on-time share at least 0.95") whose simulated mean
lies outside its range is UNMET: said in the report's first lines, in its table and on stdout.

Each file is written atomically (sim/study/files.py), so a file is whole or absent; the words of
the plot come from the catalogue (sim/study/catalogue.py).
``calibrated.yaml`` is checked by loading it: it must resolve to the scenario that was run.
"""
from __future__ import annotations

import datetime as dt
import math
import os
import textwrap
from pathlib import Path

import numpy as np
import yaml

from ..engine.stats import mean_and_half_width, t_quantile_975
from ..study import catalogue as cat
from ..study.files import write_json, write_text
from ..study.drawing import finish_panels, title_with_place
from .targets import ScenarioTargets, Target, get_path, library_name


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if "share" in unit or unit == "fraction":
        return f"{value:.2%}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 100 else f"{value:.1f}"


def target_rows(section: ScenarioTargets, base, numbers: dict) -> list[dict]:
    """One row per target: reported value beside the simulated (or input) value."""
    data = base.model_dump(mode="json", by_alias=True)
    rows = []
    for t in section.targets:
        row = {k: getattr(t, k) for k in ("id", "figure", "value", "unit", "period", "place", "source", "derived",
                                          "arithmetic", "note")}
        row["kind"] = "simulated" if t.simulated else "input" if t.input else "context"
        row["tolerance"] = t.tolerance.model_dump(exclude_none=True) if t.tolerance else None
        row["range"] = t.range_.model_dump() if t.range_ else None
        row["at"] = t.at.isoformat() if t.at else None
        if t.simulated:
            per_rep = numbers["final"][t.id]
            mean, hw = mean_and_half_width(per_rep)
            before = float(np.mean(numbers["before"][t.id]))
            within = t.within(mean)
            row.update(expression=t.simulated, weight=t.objective_weight, simulated_mean=mean, simulated_ci95_half_width=hw,
                       per_replication=per_rep, before_calibration=before, within_tolerance=within,
                       relative_error=t.error(mean) if t.scale else None, requirement=t.requirement(),
                       status=status(t, mean, hw))
            refits = numbers.get("refit_predictions", {}).get(t.id)
            if refits and len(refits) > 1:
                half = prediction_half_width(refits, len(numbers["replications"]["fit"]))
                row.update(predicted_by_refits=refits, prediction_ci95=[mean - half, mean + half])
        elif t.input:
            parts = [int(p) if p.isdigit() else p for p in t.input.split(".")]
            value = get_path(data, tuple(parts))
            row.update(input_path=t.input, scenario_value=value,
                       within_tolerance=t.within(value) if t.tolerance else math.isclose(value, t.value, rel_tol=1e-9))
        else:
            row.update(context=t.context)
        rows.append(row)
    return rows


def prediction_half_width(values: list[float], n_fit: int) -> float:
    """95% prediction half-width of a target for one observed quarter: t(R-1) · s · √(1 + 1/N),
    s the spread of its values under the R per-replication refits (each replication's own fit,
    so the parameters' uncertainty is in it), N the replications of the fit."""
    finite = [v for v in values if math.isfinite(v)]
    if len(finite) < 2:
        return math.nan
    return t_quantile_975(len(finite) - 1) * float(np.std(finite, ddof=1)) * math.sqrt(1 + 1 / n_fit)


def status(t: Target, mean: float, half_width: float) -> str:
    """within / outside (a reported value and its tolerance); met / UNMET (a range); a range met
    by the mean whose interval reaches past a bound says so."""
    if t.range_ is None:
        return "within" if t.within(mean) else "outside"
    if not t.within(mean):
        return "UNMET"
    hw = half_width if half_width == half_width else 0.0
    return "met" if t.within(mean - hw) and t.within(mean + hw) else "met (interval crosses a bound)"


def unmet(rows: list[dict]) -> list[dict]:
    return [r for r in rows if r.get("status") == "UNMET"]


def calibrated_yaml(scenario_path: Path, out: Path, base, mapping, numbers: dict) -> str:
    name = library_name(scenario_path)
    extends = name if name else os.path.relpath(Path(scenario_path).resolve(), out.resolve())
    lines = [f"# Calibrated by `commune-sim calibrate` on {numbers['started']:%Y-%m-%d}; see report.md beside this file.",
             "#", "# FITTED (95% interval: spread of per-replication fits, see report.md)"]
    for pname, p in numbers["parameters"].items():
        text = f"{pname} = {p['fitted']:g} {p['unit']} (95% interval {p['ci95'][0]:g}–{p['ci95'][1]:g}): {p['description']}"
        wrapped = textwrap.wrap(text, 94)
        lines += [f"# - {wrapped[0]}"] + [f"#   {line}" for line in wrapped[1:]]
    if not numbers["parameters"]:
        lines.append("# - nothing: the targets file names no free parameter for this scenario")
    description, suffix = base.description or base.name, " (calibrated)"
    if len(description) + len(suffix) > 120:
        description = description[:119 - len(suffix)].rstrip() + "…"
    body = {"extends": extends, "name": f"{base.name} — calibrated", "description": description + suffix}
    body.update(mapping.nested(numbers["theta"]))
    return "\n".join(lines) + "\n" + yaml.safe_dump(body, allow_unicode=True, sort_keys=False, width=120)


def write_outputs(out: Path, scenario_path: Path, targets_path: Path, key: str, section: ScenarioTargets, base,
                  mapping, numbers: dict) -> None:
    from ..study.api import load_scenario
    from ..study.outputs import versions

    out.mkdir(parents=True, exist_ok=True)
    rows = target_rows(section, base, numbers)
    text = calibrated_yaml(scenario_path, out, base, mapping, numbers)
    write_text(out / "calibrated.yaml", text)
    written = load_scenario(out / "calibrated.yaml").model_dump(mode="json", by_alias=True)
    expected = load_scenario(scenario_path, mapping.overrides(numbers["theta"])).model_dump(mode="json", by_alias=True)
    for d in (written, expected):
        d.pop("name"), d.pop("description")
    if written != expected:
        raise RuntimeError("calibrated.yaml does not resolve to the fitted scenario (a bug in the parameter mapping)")
    finished = dt.datetime.now().astimezone()
    fitted = {
        "scenario": library_name(scenario_path) or str(scenario_path), "scenario_name": base.name, "seed": base.seed,
        "targets_file": str(targets_path), "targets_sha256": numbers.get("targets_sha256"), "targets_section": key,
        "status": "complete", "started_at": numbers["started"].isoformat(timespec="seconds"),
        "finished_at": finished.isoformat(timespec="seconds"), "wall_seconds": round(numbers["wall_seconds"], 1),
        "replication_runs": numbers["runs"], "command_line": numbers.get("command_line"), "versions": versions(),
        "method": METHOD, "replications": numbers["replications"], "objective": numbers["objective"],
        "parameters": numbers["parameters"],
        "set_directly": section.set_directly,
        "assumptions": {k: {"description": a.description, "paths": a.paths} for k, a in section.assumptions.items() if not a.fitted},
        "targets": rows,
    }
    write_json(out / "fitted.json", fitted)
    plot(out / "report.png", cat.place_and_period(base.model_dump(mode="json")), [r for r in rows if r["kind"] == "simulated"])
    write_text(out / "report.md", report_markdown(fitted, section))


METHOD = ("Objective: sum over the targets of weight x (relative error)^2, the simulated value being the mean over a "
          "fixed set of replications (common random numbers). Fit: scipy.optimize.least_squares (trf, bounded, "
          "forward differences). Uncertainty: each final replication fitted alone to the reported figures; 95% interval "
          "= fit +- t(R-1) s sqrt(1 + 1/N), s the standard deviation of the R per-replication fits, N the replications "
          "of the fit. Target intervals: 95% Student-t over the final replications. Prediction intervals (targets not "
          "fitted): the calibrated value +- t(R-1) s sqrt(1 + 1/N), s the spread of the target under each final "
          "replication's own refit. Range targets: nothing inside the range, weight x (relative distance)^2 outside; "
          "UNMET when the final mean lies outside.")


def report_markdown(fitted: dict, section: ScenarioTargets) -> str:
    reps = fitted["replications"]
    out = [f"# Calibration: {fitted['scenario_name']}", "",
           f"Scenario `{fitted['scenario']}`, targets `{fitted['targets_file']}` (section `{fitted['targets_section']}`), "
           f"seed {fitted['seed']}; fit on replications {reps['fit']}, final evaluation and per-replication refits on "
           f"{reps['final']}. {fitted['replication_runs']} replication runs in {fitted['wall_seconds']:.0f} s "
           f"({fitted['finished_at']}).", ""]
    for r in unmet(fitted["targets"]):
        out += [f"**UNMET: {r['figure']}{_at_text(r)}** — the range {r['requirement']} is not met: simulated "
                f"{_fmt(r['simulated_mean'], r['unit'])} ± {_fmt(r['simulated_ci95_half_width'], r['unit'])}. "
                "The fitted model does not satisfy this assumption; read every figure below with that in mind.", ""]
    out += ["## Fitted", ""]
    if fitted["parameters"]:
        out += ["| parameter | start | fitted | 95% interval | per-replication fits | bounds |", "|---|---|---|---|---|---|"]
        for name, p in fitted["parameters"].items():
            reps_text = ", ".join(f"{v:.4g}" for v in p["per_replication"])
            flag = " (at a bound)" if p["at_bound"] else "" if p.get("identified", True) else " (not identified)"
            unit = f" ({p['unit']})" if p["unit"] else ""
            out.append(f"| `{name}`{unit} | {p['initial']:.4g} | **{p['fitted']:.4g}**{flag} | "
                       f"{p['ci95'][0]:.4g} – {p['ci95'][1]:.4g} | {reps_text} | {p['bounds'][0]:g} – {p['bounds'][1]:g} |")
        out.append("")
        for name, p in fitted["parameters"].items():
            if len(set(p["values"].values())) == 1:
                paths = ", ".join(f"`{k}`" for k in p["values"]) + f" = {next(iter(p['values'].values())):g}"
            else:
                paths = ", ".join(f"`{k}` = {v:g}" for k, v in p["values"].items())
            out += [f"- `{name}`: {p['description']} Sets {paths}."]
        obj = fitted["objective"]
        out += ["", f"Objective {obj['initial']:.4g} before, {obj.get('fitted', float('nan')):.4g} at the fit "
                    f"({obj['evaluations']} evaluations), {obj['final']:.4g} on the final replications."]
    else:
        out.append("Nothing: the reported figures this scenario is compared with are set directly (below).")
    out += ["", "## Set directly from the reports", ""]
    out += [f"- `{path}`: {why}" for path, why in fitted["set_directly"].items()] or ["- (none)"]
    out += ["", "## Assumed (not identified by these targets)", ""]
    out += [f"- {a['description']} (`{'`, `'.join(a['paths'])}`)" for a in fitted["assumptions"].values()] or ["- (none listed)"]
    out += ["", "## Targets beside the calibrated model", "",
            "Simulated: mean over the final replications ± 95% interval; *before*: the starting values on the fit "
            "replications. *At*: a dated checkpoint (counts from the start of the horizon to the end of that day, or "
            "in process at its end); — : the end of the run. A range is a bound (an assumption), not a reported figure: "
            "met or UNMET.", "",
            "| target | at | reported | simulated (95% CI) | before | tolerance | within | source |",
            "|---|---|---|---|---|---|---|---|"]
    for r in fitted["targets"]:
        if r["kind"] != "simulated":
            continue
        sim = f"{_fmt(r['simulated_mean'], r['unit'])} ± {_fmt(r['simulated_ci95_half_width'], r['unit'])}"
        derived = " (derived)" if r["derived"] else ""
        if r.get("range"):
            reported, tol = f"range {_range_text(r['range'], r['unit'])}", "—"
            within = r["status"] if r["status"] != "UNMET" else "**UNMET**"
        else:
            reported, tol = _fmt(r["value"], r["unit"]), _tol_text(r["tolerance"])
            within = "yes" if r["within_tolerance"] else "**no**"
        out.append(f"| {r['figure']}{derived} | {r.get('at') or '—'} | {reported} | {sim} | "
                   f"{_fmt(r['before_calibration'], r['unit'])} | {tol} | {within} | {r['source']} |")
    unfitted = [r for r in fitted["targets"] if r["kind"] == "simulated" and not r["weight"] and not r["derived"]
                and r.get("prediction_ci95")]
    if unfitted:
        out += ["", "## Checkpoints not fitted: predicted", "",
                "Targets with weight 0 are checked, not fitted. Prediction: the calibrated value with a 95% prediction "
                "interval for one observed quarter, from each final replication's own refit (so the parameters' "
                "uncertainty is in it): value ± t(R−1) · s · √(1 + 1/N).", "",
                "| target | at | reported | predicted (95% prediction interval) | inside |", "|---|---|---|---|---|"]
        for r in unfitted:
            low, high = r["prediction_ci95"]
            if r.get("range"):
                reported, inside = f"range {_range_text(r['range'], r['unit'])}", r["status"]
            else:
                reported = _fmt(r["value"], r["unit"])
                inside = "yes" if low <= r["value"] <= high else "**no**"
            out.append(f"| {r['figure']} | {r.get('at') or '—'} | {reported} | {_fmt(r['simulated_mean'], r['unit'])} "
                       f"({_fmt(low, r['unit'])} – {_fmt(high, r['unit'])}) | {inside} |")
    derived = [r for r in fitted["targets"] if r["derived"]]
    if derived:
        out += ["", "Derived targets (arithmetic; they repeat reported figures, so they weigh nothing in the fit "
                "unless a weight is given):", ""]
        out += [f"- {r['figure']}: {r['arithmetic']}" for r in derived]
    inputs = [r for r in fitted["targets"] if r["kind"] == "input"]
    if inputs:
        out += ["", "## Reported figures that are scenario inputs", "", "| figure | reported | scenario | path | source |",
                "|---|---|---|---|---|"]
        out += [f"| {r['figure']} | {_fmt(r['value'], r['unit'])} | {_fmt(r['scenario_value'], r['unit'])} | `{r['input_path']}` "
                f"| {r['source']} |" for r in inputs]
    context = [r for r in fitted["targets"] if r["kind"] == "context"]
    if context:
        out += ["", "## Reported figures not compared with the model", ""]
        out += [f"- {r['figure']} ({_fmt(r['value'], r['unit'])} {r['unit']}; {r['source']}): {r['context']}" for r in context]
    out += ["", "![targets beside the simulated values](report.png)", "", "## Method", "", fitted["method"], ""]
    return "\n".join(out)


def _at_text(row: dict) -> str:
    return f" at {row['at']}" if row.get("at") else ""


def _range_text(bounds: dict, unit: str) -> str:
    low, high = bounds.get("min"), bounds.get("max")
    if high is None:
        return f"≥ {_fmt(low, unit)}"
    if low is None:
        return f"≤ {_fmt(high, unit)}"
    return f"{_fmt(low, unit)} – {_fmt(high, unit)}"


def _tol_text(tol: dict | None) -> str:
    if not tol:
        return "—"
    return f"±{tol['relative']:.0%}" if "relative" in tol else f"±{tol['absolute']:g}"


def plot(path: Path, where: str, rows: list[dict], lang: str = cat.DEFAULT_LANGUAGE) -> None:
    """Each target beside the calibrated model (95% interval), its tolerance and the value before;
    panels titled by the target's own description (``figure:`` in the targets file) and unit."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = max(len(rows), 1)
    cols = min(n, 3)
    nrows = math.ceil(n / cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(4.4 * cols, 2.1 * nrows + 0.8), squeeze=False)
    for ax, r in zip(axes.flat, rows):
        if r.get("range"):
            _range_span(ax, r, lang)
        else:
            tol = r["tolerance"]
            half = tol["absolute"] if "absolute" in tol else tol["relative"] * abs(r["value"])
            low = r["value"] - half if r["value"] < 0 else max(r["value"] - half, 0.0)  # figures here are not negative
            ax.axvspan(low, r["value"] + half, color="tab:green", alpha=0.15, label=cat.text("tolerance", lang))
            ax.axvline(r["value"], color="tab:green", lw=2, label=cat.text("reported", lang))
        hw = r["simulated_ci95_half_width"]
        if not r.get("weight", 1) and r.get("prediction_ci95"):  # a checkpoint not fitted: what one quarter may show
            low, high = r["prediction_ci95"]
            ax.plot([low, high], [1.25, 1.25], color="tab:purple", lw=3, alpha=0.6, solid_capstyle="butt",
                    label=cat.text("prediction_interval", lang))
        ax.errorbar([r["simulated_mean"]], [1], xerr=[[hw if hw == hw else 0]], fmt="o", color="tab:blue",
                    capsize=4, label=cat.text("calibrated", lang))
        ax.plot([r["before_calibration"]], [0], "s", mfc="none", color="tab:gray", label=cat.text("before_calibration", lang))
        ax.set_yticks([0, 1], [cat.text("before_calibration", lang), cat.text("calibrated", lang).split(" (")[0]])
        ax.set_ylim(-0.7, 1.7)
        derived = f" ({cat.text('derived', lang)})" if r["derived"] else ""
        at = f", {cat.text('checkpoint_at', lang, date=cat.date_text(r['at'], lang))}" if r.get("at") else ""
        flag = f" — {cat.text('range_unmet', lang)}" if r.get("status") == "UNMET" else ""
        title = "\n".join(textwrap.wrap(f"{r['figure']}{derived}{at}", 48)[:2]) + f" ({r['unit']}){flag}"
        ax.set_title(title, fontsize=8, color="tab:red" if flag else "black")
        ax.tick_params(labelsize=7)
    finish_panels(fig, axes, len(rows), title_with_place(cat.text("plot_calibration", lang), where), path, 4, bottom=0.06)


def _range_span(ax, r: dict, lang: str) -> None:
    """A range target: its acceptable values shaded (an open end runs to the edge of the panel)."""
    bounds = r["range"]
    points = [r["simulated_mean"], r["before_calibration"]] + [b for b in (bounds["min"], bounds["max"]) if b is not None]
    points = [x for x in points if x is not None and math.isfinite(x)]
    spread = (max(points) - min(points)) or abs(points[0]) or 1.0
    left, right = min(points) - 0.3 * spread, max(points) + 0.3 * spread
    low = bounds["min"] if bounds["min"] is not None else left
    high = bounds["max"] if bounds["max"] is not None else right
    ax.axvspan(low, high, color="tab:green", alpha=0.15, label=cat.text("acceptable_range", lang))
    for bound in (bounds["min"], bounds["max"]):
        if bound is not None:
            ax.axvline(bound, color="tab:green", lw=1.5, ls="--")
    ax.set_xlim(left, right)


def print_summary(section: ScenarioTargets, numbers: dict) -> None:
    """The fit on stdout: parameters, then every target (a dated one with its date)."""
    for name, p in numbers["parameters"].items():
        print(f"{name:<40} {p['fitted']:>12.4g}  95% interval {p['ci95'][0]:.4g} – {p['ci95'][1]:.4g} {p['unit']}")
    print(f"{'target':<40} {'at':>10} {'reported':>14} {'simulated':>12} {'± 95%':>10}  within")
    for t in section.simulated_targets():
        mean, hw = mean_and_half_width(numbers["final"][t.id])
        reported = _range_text(t.range_.model_dump(), t.unit) if t.range_ else _fmt(t.value, t.unit)
        verdict = status(t, mean, hw)
        shown = {"within": "yes", "outside": "NO"}.get(verdict, verdict)
        print(f"{t.id:<40} {t.at.isoformat() if t.at else '—':>10} {reported:>14} {_fmt(mean, t.unit):>12} "
              f"{_fmt(hw, t.unit):>10}  {shown}")


def unmet_lines(section: ScenarioTargets, numbers: dict) -> list[str]:
    """One line per range target the fit does not meet (printed even with --quiet)."""
    lines = []
    for t in section.simulated_targets():
        if t.range_ is None:
            continue
        mean, hw = mean_and_half_width(numbers["final"][t.id])
        if not t.within(mean):
            at = f" at {t.at.isoformat()}" if t.at else ""
            lines.append(f"UNMET: {t.id}{at}: range {_range_text(t.range_.model_dump(), t.unit)}, simulated "
                         f"{_fmt(mean, t.unit)} ± {_fmt(hw, t.unit)} ({t.figure})")
    return lines


__all__ = ["write_outputs", "print_summary", "unmet_lines", "target_rows", "status", "Target"]
