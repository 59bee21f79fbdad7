"""The standard plots of policy analysis, as PNG files readable in a report at a glance.

Every function draws one figure, writes it atomically, and returns the pandas DataFrame it
drew — the "data behind the plot", which the sweep writes beside the PNG as CSV and the tests
check. Intervals are 95% Student-t over replications, drawn as shaded bands or error bars;
every axis names its unit (working minutes, calendar or working days, dossiers, staff,
fractions). matplotlib is imported inside the functions with the Agg backend, so the command
line starts fast and no display is needed.

* :func:`staffing_curve` — mean and p90 wait, on-time share and utilisation against staff;
* :func:`wait_ecdf` — the distribution of the wait before first service, one curve per variant;
* :func:`backlog` — dossiers in process at the end of each working day;
* :func:`commune_load` — per-commune load sorted from the worst, and the worst communes named;
* :func:`figures_plot` and :func:`by_field` — chosen figures per variant (or against a parameter)
  and per procedure field;
* :func:`comparison_figure` — ``commune-sim compare``'s rows side by side, with paired differences.
"""
from __future__ import annotations

import math
from pathlib import Path

from .files import write_atomic

LABELS = {
    "mean_wait_minutes": "mean wait before first service (working minutes)",
    "p50_wait_minutes": "median wait before first service (working minutes)",
    "p90_wait_minutes": "p90 wait before first service (working minutes)",
    "p95_wait_minutes": "p95 wait before first service (working minutes)",
    "probability_of_waiting": "probability of waiting (fraction of dossiers)",
    "on_time_share": "on-time share (fraction of completed dossiers)",
    "mean_time_in_system_days": "mean time in system (calendar days)",
    "p90_time_in_system_days": "p90 time in system (calendar days)",
    "mean_time_in_system_working_days": "mean time in system (working days)",
    "p90_time_in_system_working_days": "p90 time in system (working days)",
    "utilisation": "utilisation (fraction of staff time busy)",
    "communes_below_on_time_target": "communes below the on-time target (communes)",
    "communes_above_wait_target": "communes whose p90 wait is above the target (communes)",
    "mean_service_minutes": "mean service (working minutes)",
    "mean_staff": "mean staff per pool (staff)",
}
PARAMETERS = {
    "staff.per_commune.counter": "counter staff per commune (staff)",
    "staff.per_commune.back_office": "back-office staff per commune (staff)",
    "routing.eligible_share": "share of in-person dossiers that may be filed at a neighbour (fraction)",
    "online_share": "share of dossiers filed online (fraction)",
}


def figure_label(name: str) -> str:
    """An axis label with units for a figure of the results table."""
    parts = name.split(".")
    last = parts[-1]
    if last.startswith("utilisation_"):
        base = f"{last.removeprefix('utilisation_').replace('_', '-')} {LABELS['utilisation']}"
    elif last in LABELS:
        base = LABELS[last]
    elif last.startswith("dossiers_"):
        base = f"{last.removeprefix('dossiers_').replace('_', ' ')} (dossiers)"
    else:
        base = last.replace("_", " ")
    if parts[0] == "pools" and len(parts) == 3:
        return f"{parts[1].replace('_', '-')} {base}"
    if parts[0] in ("by_field", "by_channel") and len(parts) == 3:
        return f"{parts[1].replace('_', ' ')}: {base}"
    if parts[0] == "communes_max":
        return f"worst commune's {base}"
    return base


def parameter_label(name: str) -> str:
    return PARAMETERS.get(name, f"{name} (parameter value)")


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> Path:
    path = Path(path)
    write_atomic(path, lambda tmp: fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight"))
    _pyplot().close(fig)
    return path


def finish_panels(fig, axes, used: int, title: str, path: Path, legend_columns: int, bottom: float = 0.05) -> Path:
    """A grid of small panels: blank the spare ones, one shared legend below, a title, save."""
    for ax in list(axes.flat)[used:]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=legend_columns, fontsize=7, frameon=False)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, bottom, 1, 0.95))
    return _save(fig, path)


def _band(ax, x, mean, hw, label, log=False, **kw):
    import numpy as np

    mean, hw = np.asarray(mean, float), np.nan_to_num(np.asarray(hw, float))
    line, = ax.plot(x, mean, marker="o", label=label, **kw)
    low = np.where(mean - hw > 0, mean - hw, 1e-6) if log else mean - hw  # a band below zero runs off a log axis
    ax.fill_between(x, low, mean + hw, color=line.get_color(), alpha=0.2, linewidth=0)
    return line


def _lookup(summary) -> dict:
    return {(r.variant, r.figure): (r.mean, r.ci95_half_width) for r in summary.itertuples()}


# ------------------------------------------------------------------ staffing curve
def staffing_curve(summary, points: list[tuple[str, object, str]], path: Path, x_label: str,
                   pool: str = "counter", target_wait_minutes: float | None = None, title: str | None = None):
    """Wait (mean and p90; the worst commune's p90), on-time share and utilisation against staff.

    ``points`` are (series, x value, variant id); one line per series (other parameters).
    Waits are drawn on a symmetric-log axis (linear below 1 minute), so no wait stays visible.
    """
    import pandas as pd

    plt = _pyplot()
    look = _lookup(summary)
    figures = {"mean_wait_minutes": "mean wait", "p90_wait_minutes": "p90 wait",
               "communes_max.p90_wait_minutes": "p90 wait, worst commune", "on_time_share": "on-time share",
               f"pools.{pool}.utilisation": f"{pool} utilisation",
               f"communes_max.utilisation_{pool}": f"{pool} utilisation, worst commune"}
    rows = [{"series": s, "x": x, "variant": vid, "figure": f, "mean": look.get((vid, f), (math.nan,) * 2)[0],
             "ci95_half_width": look.get((vid, f), (math.nan,) * 2)[1]}
            for s, x, vid in points for f in figures if (vid, f) in look or not f.startswith("communes_max")]
    data = pd.DataFrame(rows)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12.5, 5))
    styles = {"mean": "-", "p90_": "--", "communes_max": ":", "on_time": "-", "pools": "--"}
    for (series, figure), part in data.groupby(["series", "figure"], sort=False):
        part = part.sort_values("x")
        name = figures[figure] + (f" — {series}" if series else "")
        ax = left if figure.endswith("_minutes") else right
        style = next(v for k, v in styles.items() if figure.startswith(k))
        _band(ax, part["x"], part["mean"], part["ci95_half_width"], name, linestyle=style)
    left.set_yscale("symlog", linthresh=1.0)
    left.set_ylim(bottom=0)
    if target_wait_minutes:
        left.axhline(target_wait_minutes, color="grey", linestyle="-.", linewidth=1, label=f"{target_wait_minutes:g} minutes")
    left.set(xlabel=x_label, ylabel="wait before first service (working minutes; log scale above 1)",
             title="Waiting")
    right.set(xlabel=x_label, ylabel="fraction (0 to 1)", ylim=(0, 1.05),
              title="On-time share (of completed dossiers), utilisation (of staff time)")
    for ax in (left, right):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title or "Staffing curve (95% intervals over replications)")
    _save(fig, path)
    return data


# ------------------------------------------------------------------ wait distribution
def wait_ecdf(histograms: dict[str, list[dict]], path: Path, title: str | None = None, reference_minutes: float | None = 30):
    """ECDF of the wait before first service, pooled over replications, per variant label."""
    import pandas as pd

    from .analysis import ecdf_from_histograms

    plt = _pyplot()
    rows = [{"variant": label, "wait_minutes": x, "share_at_most": y}
            for label, hs in histograms.items() for x, y in ecdf_from_histograms(hs)]
    data = pd.DataFrame(rows, columns=["variant", "wait_minutes", "share_at_most"])
    fig, ax = plt.subplots(figsize=(8, 5))
    floor = 0.1
    for label, part in data.groupby("variant", sort=False):
        ax.step(part["wait_minutes"].clip(lower=floor), part["share_at_most"], where="post", label=label)
    if reference_minutes:
        ax.axvline(reference_minutes, color="grey", linestyle=":", label=f"{reference_minutes:g} minutes")
    ax.set_xscale("log")
    ax.set(xlabel=f"wait before first service (working minutes, log scale; no wait drawn at {floor:g})",
           ylabel="fraction of dossiers waiting at most this long", ylim=(0, 1.01),
           title=title or "Distribution of the wait before first service (all replications pooled)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    _save(fig, path)
    return data


# ------------------------------------------------------------------ backlog
def backlog(table, labels: dict[str, str], path: Path, title: str | None = None):
    """Mean dossiers in process at the end of each working day, with 95% bands."""
    import pandas as pd

    from ..engine.stats import mean_and_half_width

    plt = _pyplot()
    rows = []
    for vid, part in table[table["working_day"]].groupby("variant", sort=False):
        days = sorted(part["day"].unique())
        for n, day in enumerate(days, start=1):
            values = part.loc[part["day"] == day, "dossiers_in_process_end_of_day"].tolist()
            mean, hw = mean_and_half_width(values)
            rows.append({"variant": vid, "label": labels.get(vid, vid), "working_day": n,
                         "date": part.loc[part["day"] == day, "date"].iloc[0], "mean": mean, "ci95_half_width": hw})
    data = pd.DataFrame(rows, columns=["variant", "label", "working_day", "date", "mean", "ci95_half_width"])
    fig, ax = plt.subplots(figsize=(9, 5))
    for vid, part in data.groupby("variant", sort=False):
        _band(ax, part["working_day"], part["mean"], part["ci95_half_width"], part["label"].iloc[0])
    if not data.empty:
        first = data[data["variant"] == data["variant"].iloc[0]]
        ax.set_xticks(first["working_day"], [f"{n}\n{d[5:]}" for n, d in zip(first["working_day"], first["date"])],
                      fontsize=7)
    ax.set(xlabel="working day of the run (number, and date MM-DD)",
           ylabel="dossiers in process at the end of the day (dossiers)",
           title=title or "Backlog in process (95% intervals over replications)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    _save(fig, path)
    return data


# ------------------------------------------------------------------ per-commune load
def commune_load(communes, labels: dict[str, str], figure: str, path: Path, worst: int = 10,
                 title: str | None = None, reference: float | None = None):
    """Per-commune ``figure`` (mean over replications), sorted from the worst; the worst named."""
    import pandas as pd

    from ..engine.stats import mean_and_half_width

    plt = _pyplot()
    ascending = figure == "on_time_share"  # for on-time share the worst is the lowest
    rows = []
    for (vid, commune), part in communes.groupby(["variant", "commune"], sort=False):
        mean, hw = mean_and_half_width(part[figure].astype(float).tolist())
        rows.append({"variant": vid, "label": labels.get(vid, vid), "commune": commune, "mean": mean, "ci95_half_width": hw})
    data = pd.DataFrame(rows, columns=["variant", "label", "commune", "mean", "ci95_half_width"])
    data["rank"] = data.groupby("variant")["mean"].rank(ascending=ascending, method="first")
    data = data.sort_values(["variant", "rank"], kind="stable").reset_index(drop=True)
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5.2), gridspec_kw={"width_ratios": [1.2, 1]})
    for vid, part in data.groupby("variant", sort=False):
        left.plot(part["rank"], part["mean"], marker=".", label=part["label"].iloc[0])
    unit = figure_label(figure)
    left.set(xlabel="communes ranked from the worst (rank)", ylabel=unit, title="All communes, sorted")
    top = data.groupby("commune")["mean"].agg("min" if ascending else "max").sort_values(ascending=ascending).index[:worst]
    variants = list(dict.fromkeys(data["variant"]))
    height = 0.6 / max(len(variants), 1)
    for k, vid in enumerate(variants):  # points with error bars: no zero baseline squeezing the differences
        part = data[data["variant"] == vid].set_index("commune").reindex(top)
        y = [i - 0.3 + (k + 0.5) * height for i in range(len(top))]
        right.errorbar(part["mean"], y, xerr=part["ci95_half_width"].fillna(0), fmt="o", capsize=2,
                       label=labels.get(vid, vid))
    right.set_yticks(range(len(top)), list(top), fontsize=7)
    right.invert_yaxis()
    right.set(xlabel=unit, title=f"The {len(top)} worst communes (95% intervals)")
    for ax in (left, right):
        if reference is not None:
            (ax.axhline if ax is left else ax.axvline)(reference, color="grey", linestyle=":")
        ax.grid(alpha=0.3)
    left.legend(fontsize=8)
    fig.suptitle(title or f"Per-commune load: {unit}")
    _save(fig, path)
    return data


# ------------------------------------------------------------------ figures per variant
def figures_plot(summary, figures: list[str], variants: list[tuple], path: Path,
                 x_label: str | None = None, title: str | None = None):
    """One panel per figure: against the parameter (``x_label`` given) or as bars per variant.

    ``variants`` are (variant id, label, x value or None[, series]): against a parameter, one
    line per series (the values of the other parameters).
    """
    import pandas as pd

    plt = _pyplot()
    look = _lookup(summary)
    data = pd.DataFrame([{"variant": v[0], "label": v[1], "x": v[2], "series": v[3] if len(v) > 3 else "", "figure": f,
                          "mean": look.get((v[0], f), (math.nan,) * 2)[0],
                          "ci95_half_width": look.get((v[0], f), (math.nan,) * 2)[1]}
                         for f in figures for v in variants])
    fig, axes = plt.subplots(1, len(figures), figsize=(4.6 * len(figures), 4.6), squeeze=False)
    for ax, f in zip(axes[0], figures):
        part = data[data["figure"] == f]
        if x_label:
            for series, line in part.groupby("series", sort=False):
                _band(ax, line["x"], line["mean"], line["ci95_half_width"], series or None)
            if part["series"].any():
                ax.legend(fontsize=8)
            ax.set_xlabel(x_label, fontsize=8)
        else:
            for i, row in enumerate(part.itertuples()):  # points with 95% error bars, one colour per variant
                ax.errorbar([i], [row.mean], yerr=[0 if row.ci95_half_width != row.ci95_half_width else row.ci95_half_width],
                            fmt="o", capsize=4, color=f"C{i}", markersize=7)
            ax.set_xticks(range(len(part)), part["label"], rotation=20, ha="right", fontsize=8)
            ax.set_xlim(-0.5, len(part) - 0.5)
            ax.set_xlabel("variant")
        ax.set_ylabel(figure_label(f), fontsize=8)
        ax.grid(alpha=0.3)
    fig.suptitle(title or "Figures per variant (95% intervals over replications)")
    fig.tight_layout()
    _save(fig, path)
    return data


def by_field(summary, figures: list[str], fields: list[str], variants: list[tuple[str, str]], path: Path,
             title: str | None = None):
    """Per procedure field, grouped bars (one per variant) with 95% error bars; one panel per figure."""
    import pandas as pd

    plt = _pyplot()
    look = _lookup(summary)
    data = pd.DataFrame([{"variant": vid, "label": label, "field": fld, "figure": f,
                          "mean": look.get((vid, f"by_field.{fld}.{f}"), (math.nan,) * 2)[0],
                          "ci95_half_width": look.get((vid, f"by_field.{fld}.{f}"), (math.nan,) * 2)[1]}
                         for f in figures for fld in fields for vid, label in variants])
    fig, axes = plt.subplots(len(figures), 1, figsize=(11, 3.8 * len(figures)), squeeze=False)
    width = 0.8 / max(len(variants), 1)
    for ax, f in zip(axes[:, 0], figures):
        for k, (vid, label) in enumerate(variants):
            part = data[(data["figure"] == f) & (data["variant"] == vid)]
            ax.bar([i + k * width for i in range(len(fields))], part["mean"], width=width,
                   yerr=part["ci95_half_width"].fillna(0), capsize=2, label=label)
        ax.set_xticks([i + 0.4 - width / 2 for i in range(len(fields))], [fl.replace("_", "\n") for fl in fields])
        ax.set(ylabel=figure_label(f), xlabel="procedure field")
        ax.grid(alpha=0.3, axis="y")
        ax.legend(fontsize=8)
    fig.suptitle(title or "By procedure field (95% intervals over replications)")
    _save(fig, path)
    return data


# ------------------------------------------------------------------ compare
def comparison_figure(rows: list[dict], labels: list[str], path: Path, title: str | None = None):
    """``commune-sim compare`` side by side: per figure, each scenario's mean with its 95% interval,
    and the paired difference to the first scenario written beside its bar."""
    import pandas as pd

    plt = _pyplot()
    data = pd.DataFrame(rows)
    figures = list(dict.fromkeys(data["figure"]))
    cols = 3
    nrows = math.ceil(len(figures) / cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(15, 2.2 + 1.1 * len(labels) * nrows), squeeze=False)
    for ax, f in zip(axes.flat, figures):
        part = data[data["figure"] == f].reset_index(drop=True)  # rows come in scenario order (labels may repeat)
        y = list(range(len(part)))
        ax.barh(y, part["mean"], xerr=part["ci95_half_width"].fillna(0), capsize=3,
                color=[f"C{i}" for i in y])
        ax.set_yticks(y, [lbl.rsplit("/", 1)[-1].removesuffix(".yaml")[:28] for lbl in labels], fontsize=7)
        ax.invert_yaxis()
        for i, (lbl, row) in enumerate(part.iterrows()):
            if i and row["difference_to_first"] == row["difference_to_first"]:
                hw = row["difference_ci95_half_width"]
                text = f"Δ {row['difference_to_first']:+.3g}" + ("" if hw != hw else f" ± {hw:.2g}")
                ax.annotate(text, (1, i), xycoords=("axes fraction", "data"), xytext=(-3, 0), textcoords="offset points",
                            va="center", ha="right", fontsize=7, bbox={"facecolor": "white", "alpha": 0.8, "linewidth": 0})
        ax.set_xlabel(figure_label(f.replace("utilisation_", "pools.") + ".utilisation" if f.startswith("utilisation_") else f),
                      fontsize=8)
        ax.grid(alpha=0.3, axis="x")
    for ax in list(axes.flat)[len(figures):]:
        ax.set_visible(False)
    fig.suptitle(title or "Scenarios compared (95% intervals; Δ = paired difference to the first, common random numbers)")
    fig.tight_layout()
    _save(fig, path)
    return data


# ------------------------------------------------------------------ an experiment's plots
def experiment_plots(experiment, out: Path, table, summary, records) -> tuple[list[Path], list[str]]:
    """Draw the plots an experiment file asks for into ``out/plots/`` (PNG + the data as CSV)."""
    import pandas as pd

    from .runstore import backlog_table, communes_table, write_table

    folder = Path(out) / "plots"
    labels = {v.id: v.label for v in experiment.variants}
    files, warnings, used = [], [], set()
    for spec in experiment.spec.plots:
        name = spec.file or f"{spec.kind}.png"
        while name in used:
            name = name.removesuffix(".png") + "-2.png"
        used.add(name)
        path = folder / name
        others = [n for n in experiment.parameter_names if n != spec.x]

        def series(v):
            return ", ".join(f"{n.rsplit('.', 1)[-1]}={v.parameters[n]}" for n in others)

        try:
            if spec.kind == "staffing_curve":
                points = [(series(v), v.parameters[spec.x], v.id) for v in experiment.variants]
                data = staffing_curve(summary, points, path, parameter_label(spec.x), spec.pool,
                                      spec.target_wait_minutes, spec.title)
            elif spec.kind == "wait_ecdf":
                hists = {labels[v.id]: [rec["result"]["wait_histogram_minutes"] for (vid, _), rec in sorted(records.items())
                                        if vid == v.id] for v in experiment.variants}
                data = wait_ecdf(hists, path, spec.title, spec.target_wait_minutes or 30)
            elif spec.kind == "backlog":
                data = backlog(backlog_table(experiment, records), labels, path, spec.title)
            elif spec.kind == "commune_load":
                reference = experiment.spec.on_time_target if spec.figure == "on_time_share" else spec.target_wait_minutes
                data = commune_load(communes_table(experiment, records), labels, spec.figure, path, spec.worst,
                                    spec.title, reference)
            elif spec.kind == "figures":
                variants = [(v.id, v.label, v.parameters.get(spec.x) if spec.x else None, series(v))
                            for v in experiment.variants]
                data = figures_plot(summary, spec.figures, variants, path,
                                    parameter_label(spec.x) if spec.x else None, spec.title)
            else:
                fields = list(experiment.variants[0].scenario.demand.fields)
                data = by_field(summary, spec.figures, fields, [(v.id, v.label) for v in experiment.variants],
                                path, spec.title)
        except (KeyError, ValueError, TypeError) as exc:
            warnings.append(f"plot {name} not drawn: {type(exc).__name__}: {exc}")
            continue
        files.append(path)
        files += write_table(pd.DataFrame(data), path.with_suffix(""), parquet=False)
    return files, warnings
