"""The standard plots of policy analysis, as PNG files a decision-maker reads at a glance.

Every function draws one figure, writes it atomically (or into an open binary file, for the
report), and returns the pandas DataFrame it drew — the "data behind the plot", which the
sweep writes beside the PNG as CSV and the tests check. Every word comes from the catalogue
(:mod:`sim.study.catalogue`) in the language asked for (``lang``); every title names the place
and period (``where``); every axis names its unit; shares are drawn as percentages; targets are
reference lines; a panel holds at most :data:`MAX_SERIES` series (more are split over panels).
Intervals are 95% Student-t over replications, drawn as shaded bands or error bars.
matplotlib is imported inside the functions with the Agg backend, so the command line starts
fast and no display is needed.

* :func:`staffing_curve` — waits, on-time share and utilisation against staff;
* :func:`wait_ecdf` — the distribution of the wait before first service, one curve per variant;
* :func:`backlog` / :func:`draw_backlog` — dossiers in process at the end of each working day;
* :func:`commune_load` — per-commune figure sorted from the worst, and the worst communes named;
* :func:`figures_plot` and :func:`by_field` — chosen figures per variant (or against a parameter)
  and per procedure field;
* :func:`comparison_figure` — ``commune-sim compare``'s rows side by side, with paired differences.
"""
from __future__ import annotations

import math
from pathlib import Path

from . import catalogue as cat
from .files import write_atomic

MAX_SERIES = 6


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path) -> Path:
    """Save as PNG to ``path`` (atomically) or into ``path`` when it is an open binary file."""
    if hasattr(path, "write"):
        fig.savefig(path, format="png", dpi=110, bbox_inches="tight")
    else:
        path = Path(path)
        write_atomic(path, lambda tmp: fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight"))
    _pyplot().close(fig)
    return path


def figure_texts(fig) -> list[str]:
    """Every text a reader sees on ``fig``: titles, axis labels, tick labels, legends, notes."""
    texts = [fig._suptitle] if getattr(fig, "_suptitle", None) else []
    texts += list(fig.texts) + [t for legend in fig.legends for t in legend.get_texts()]
    for ax in fig.axes:
        if not ax.get_visible() or not ax.axison and not ax.has_data():
            continue
        texts += [ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label, *ax.texts]
        texts += ax.get_xticklabels() + ax.get_yticklabels()
        if ax.get_legend():
            texts += ax.get_legend().get_texts()
    return [t.get_text() for t in texts if t.get_text()]


def title_with_place(what: str, where: str | None) -> str:
    return f"{what}\n{where}" if where else what


def finish_panels(fig, axes, used: int, title: str, path, legend_columns: int, bottom: float = 0.05):
    """A grid of small panels: remove the spare ones, one shared legend below, a title, save."""
    for ax in list(axes.flat)[used:]:
        ax.remove()
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=legend_columns, fontsize=7, frameon=False)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, bottom, 1, 0.93))
    return _save(fig, path)


def percent_axis(ax, axis: str = "y") -> None:
    from matplotlib.ticker import PercentFormatter

    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(PercentFormatter(1.0, decimals=0))


def _format_axis(ax, name: str, axis: str = "y", lang: str = cat.DEFAULT_LANGUAGE) -> None:
    """Label an axis with the figure's words and unit; a share reads as a percentage."""
    (ax.set_ylabel if axis == "y" else ax.set_xlabel)(cat.label(name, lang), fontsize=8)
    if cat.figure(name).is_share:
        percent_axis(ax, axis)


def _band(ax, x, mean, hw, label, log=False, share=False, **kw):
    """A line with its 95% band, kept where the figure can be (not below 0; a share not above 1)."""
    import numpy as np

    mean, hw = np.asarray(mean, float), np.nan_to_num(np.asarray(hw, float))
    line, = ax.plot(x, mean, marker="o", label=label, **kw)
    low = np.maximum(mean - hw, 1e-6 if log else 0.0)  # no figure drawn here is negative; a log axis has no 0
    high = np.minimum(mean + hw, 1.0) if share else mean + hw
    ax.fill_between(x, low, high, color=line.get_color(), alpha=0.2, linewidth=0)
    if len(x) and all(float(v).is_integer() for v in x):
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # staff come in whole people
    return line


def _chunks(items: list, size: int = MAX_SERIES) -> list[list]:
    """Split ``items`` into about equal groups of at most ``size``."""
    if not items:
        return [[]]
    n = math.ceil(len(items) / size)
    per = math.ceil(len(items) / n)
    return [items[i:i + per] for i in range(0, len(items), per)]


def _error(name: str, mean, hw):
    """Error-bar lengths (below, above) that stay where the figure can be: no figure of the
    catalogue is negative, and a share stays within 0 and 1."""
    import numpy as np

    mean, hw = np.asarray(mean, float), np.nan_to_num(np.asarray(hw, float))
    below = np.minimum(hw, np.where(np.isfinite(mean), np.maximum(mean, 0), 0))
    above = hw.copy()
    if cat.figure(name).is_share:
        above = np.minimum(above, np.where(np.isfinite(mean), np.maximum(1 - mean, 0), 0))
    return np.vstack([below, above])


def _lookup(summary) -> dict:
    return {(r.variant, r.figure): (r.mean, r.ci95_half_width) for r in summary.itertuples()}


def _finite(x) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x)


def target_line(ax, value: float, name: str, lang: str, axis: str = "y") -> None:
    """A target drawn as a grey reference line, labelled with its value and unit."""
    text = cat.text("target_line", lang, value=f"{cat.value(name, value, lang)} {cat.unit(name, lang)}".replace(" %", ""))
    (ax.axhline if axis == "y" else ax.axvline)(value, color="dimgrey", linestyle="-.", linewidth=1, label=text)


# ------------------------------------------------------------------ staffing curve
def staffing_curve(summary, points: list[tuple[str, object, str]], path, x_name: str,
                   pool: str = "counter", target_wait_minutes: float | None = None, title: str | None = None,
                   where: str | None = None, lang: str = cat.DEFAULT_LANGUAGE, on_time_target: float | None = None):
    """Wait (mean and p90; the worst commune's p90), on-time share and utilisation against staff.

    ``points`` are (series, x value, variant id); a row of two panels per series (the levels of
    the other parameters), so no panel holds more than three lines. Waits are drawn on a
    symmetric-log axis (linear below 1 minute), so no wait stays invisible.
    """
    import pandas as pd

    plt = _pyplot()
    look = _lookup(summary)
    waits = ["mean_wait_minutes", "p90_wait_minutes", "communes_max.p90_wait_minutes"]
    shares = ["on_time_share", f"pools.{pool}.utilisation", f"communes_max.utilisation_{pool}"]
    rows = [{"series": s, "x": x, "variant": vid, "figure": f, "mean": look.get((vid, f), (math.nan,) * 2)[0],
             "ci95_half_width": look.get((vid, f), (math.nan,) * 2)[1]}
            for s, x, vid in points for f in waits + shares if (vid, f) in look or not f.startswith("communes_max")]
    data = pd.DataFrame(rows)
    series = list(dict.fromkeys(s for s, _, _ in points))
    fig, axes = plt.subplots(len(series), 2, figsize=(12.5, 4.6 * len(series) + 0.6), squeeze=False)
    styles = {"mean": "-", "p90_": "--", "communes_max": ":", "on_time": "-", "pools": "--"}
    for (left, right), s in zip(axes, series):
        for figure, part in data[data["series"] == s].groupby("figure", sort=False):
            part = part.sort_values("x")
            ax = left if figure in waits else right
            style = next(v for k, v in styles.items() if figure.startswith(k))
            _band(ax, part["x"], part["mean"], part["ci95_half_width"], cat.label(figure, lang, with_unit=False),
                  share=ax is right, linestyle=style)
        left.set_yscale("symlog", linthresh=1.0)
        left.set_ylim(bottom=0)
        if target_wait_minutes:
            target_line(left, target_wait_minutes, "p90_wait_minutes", lang)
        if on_time_target:
            target_line(right, on_time_target, "on_time_share", lang)
        panel = (lambda key: cat.text(key, lang) + (f" — {s}" if s else ""))
        left.set(xlabel=cat.parameter(x_name, lang), ylabel=cat.text("axis_wait_log", lang), title=panel("panel_waiting"))
        right.set(xlabel=cat.parameter(x_name, lang), ylabel=cat.text("axis_percent", lang), ylim=(0, 1.05),
                  title=panel("panel_shares"))
        percent_axis(right)
        for ax in (left, right):
            ax.grid(alpha=0.3)
            ax.legend(fontsize=8)
    fig.suptitle(title_with_place(title or cat.text("plot_staffing", lang), where))
    fig.tight_layout()
    _save(fig, path)
    return data


# ------------------------------------------------------------------ wait distribution
def wait_ecdf(histograms: dict[str, list[dict]], path, title: str | None = None, reference_minutes: float | None = 30,
              where: str | None = None, lang: str = cat.DEFAULT_LANGUAGE):
    """ECDF of the wait before first service, pooled over replications, per variant label
    (at most :data:`MAX_SERIES` curves a panel)."""
    import pandas as pd

    from .analysis import ecdf_from_histograms

    plt = _pyplot()
    rows = [{"variant": label, "wait_minutes": x, "share_at_most": y}
            for label, hs in histograms.items() for x, y in ecdf_from_histograms(hs)]
    data = pd.DataFrame(rows, columns=["variant", "wait_minutes", "share_at_most"])
    groups = _chunks(list(histograms))
    fig, axes = plt.subplots(len(groups), 1, figsize=(9, 4.8 * len(groups) + 0.4), squeeze=False)
    floor = 0.1
    for ax, group in zip(axes[:, 0], groups):
        for label in group:
            part = data[data["variant"] == label]
            ax.step(part["wait_minutes"].clip(lower=floor), part["share_at_most"], where="post", label=label)
        if reference_minutes:
            target_line(ax, reference_minutes, "p90_wait_minutes", lang, axis="x")
        ax.axhline(0.9, color="lightgrey", linewidth=0.8)
        ax.set_xscale("log")
        ax.set(xlabel=cat.text("axis_wait_ecdf", lang, floor=cat.number(floor, "{:g}", lang)),
               ylabel=cat.text("axis_share_at_most", lang), ylim=(0, 1.01))
        percent_axis(ax)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title_with_place(title or cat.text("plot_wait_ecdf", lang), where))
    fig.tight_layout()
    _save(fig, path)
    return data


# ------------------------------------------------------------------ backlog
def backlog(table, labels: dict[str, str], path, title: str | None = None, where: str | None = None,
            lang: str = cat.DEFAULT_LANGUAGE):
    """Mean dossiers in process at the end of each working day, with 95% bands (from the
    per-replication ``table`` of :func:`sim.study.runstore.backlog_table`)."""
    import pandas as pd

    from ..engine.stats import mean_and_half_width

    rows = []
    for vid, part in table[table["working_day"]].groupby("variant", sort=False):
        days = sorted(part["day"].unique())
        for n, day in enumerate(days, start=1):
            values = part.loc[part["day"] == day, "dossiers_in_process_end_of_day"].tolist()
            mean, hw = mean_and_half_width(values)
            rows.append({"variant": vid, "label": labels.get(vid, vid), "working_day": n,
                         "date": part.loc[part["day"] == day, "date"].iloc[0], "mean": mean, "ci95_half_width": hw})
    data = pd.DataFrame(rows, columns=["variant", "label", "working_day", "date", "mean", "ci95_half_width"])
    return draw_backlog(data, path, title, where, lang)


def draw_backlog(data, path, title: str | None = None, where: str | None = None, lang: str = cat.DEFAULT_LANGUAGE):
    """Draw per-working-day backlog rows (variant, label, working_day, date, mean, ci95_half_width)."""
    plt = _pyplot()
    groups = _chunks(list(dict.fromkeys(data["variant"])))
    fig, axes = plt.subplots(len(groups), 1, figsize=(10, 4.6 * len(groups) + 0.4), squeeze=False)
    for ax, group in zip(axes[:, 0], groups):
        for vid in group:
            part = data[data["variant"] == vid]
            _band(ax, part["working_day"], part["mean"], part["ci95_half_width"], part["label"].iloc[0])
        if not data.empty:
            first = data[data["variant"] == data["variant"].iloc[0]]
            step = max(1, math.ceil(len(first) / 16))  # a readable number of ticks, even over a quarter
            shown = first.iloc[::step]
            ax.set_xticks(shown["working_day"], [f"{n}\n{_short_date(d, lang)}" for n, d in
                                                 zip(shown["working_day"], shown["date"])], fontsize=7)
        ax.set(xlabel=cat.text("axis_working_day", lang), ylabel=cat.text("axis_backlog", lang))
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title_with_place(title or cat.text("plot_backlog", lang), where))
    fig.tight_layout()
    _save(fig, path)
    return data


def _short_date(iso: str, lang: str) -> str:
    year, month, day = (int(p) for p in str(iso)[:10].split("-"))
    return f"{day}/{month}" if lang == "vi" else f"{day} {cat.MONTHS_EN[month - 1][:3]}"


# ------------------------------------------------------------------ per-commune load
def commune_load(communes, labels: dict[str, str], figure: str, path, worst: int = 10,
                 title: str | None = None, reference: float | None = None, where: str | None = None,
                 lang: str = cat.DEFAULT_LANGUAGE):
    """Per-commune ``figure`` (mean over replications), sorted from the worst; the worst named.

    ``communes`` has one row per variant, replication and commune. A row of two panels per
    group of at most :data:`MAX_SERIES` variants."""
    import pandas as pd

    from ..engine.stats import mean_and_half_width

    plt = _pyplot()
    ascending = cat.figure(figure).better == "higher"  # for an on-time share the worst is the lowest
    rows = []
    for (vid, commune), part in communes.groupby(["variant", "commune"], sort=False):
        mean, hw = mean_and_half_width(part[figure].astype(float).tolist())
        rows.append({"variant": vid, "label": labels.get(vid, vid), "commune": commune, "mean": mean, "ci95_half_width": hw})
    data = pd.DataFrame(rows, columns=["variant", "label", "commune", "mean", "ci95_half_width"])
    data["rank"] = data.groupby("variant")["mean"].rank(ascending=ascending, method="first")
    data = data.sort_values(["variant", "rank"], kind="stable").reset_index(drop=True)
    groups = _chunks(list(dict.fromkeys(data["variant"])))
    fig, axes = plt.subplots(len(groups), 2, figsize=(13, 5.2 * len(groups) + 0.4), squeeze=False,
                             gridspec_kw={"width_ratios": [1.2, 1]})
    top_all = data.groupby("commune")["mean"].agg("min" if ascending else "max").sort_values(ascending=ascending)
    top = list(top_all.index[:worst])
    for (left, right), group in zip(axes, groups):
        for vid in group:
            part = data[data["variant"] == vid]
            left.plot(part["rank"], part["mean"], marker=".", label=part["label"].iloc[0])
        left.set(xlabel=cat.text("axis_rank", lang), title=cat.text("panel_all_communes", lang))
        _format_axis(left, figure, "y", lang)
        height = 0.6 / max(len(group), 1)
        for k, vid in enumerate(group):  # points with error bars: no zero baseline squeezing the differences
            part = data[data["variant"] == vid].set_index("commune").reindex(top)
            y = [i - 0.3 + (k + 0.5) * height for i in range(len(top))]
            right.errorbar(part["mean"], y, xerr=_error(figure, part["mean"], part["ci95_half_width"]), fmt="o",
                           capsize=2, label=labels.get(vid, vid))
        right.set_yticks(range(len(top)), [str(c) for c in top], fontsize=7)
        right.invert_yaxis()
        right.set_title(cat.text("panel_worst_communes", lang, n=len(top)))
        _format_axis(right, figure, "x", lang)
        for ax, axis in ((left, "y"), (right, "x")):
            if reference is not None:
                target_line(ax, reference, figure, lang, axis)
            ax.grid(alpha=0.3)
        left.legend(fontsize=8)
    fig.suptitle(title_with_place(title or cat.text("plot_commune_load", lang, figure=cat.label(figure, lang, False)),
                                  where))
    fig.tight_layout()
    _save(fig, path)
    return data


# ------------------------------------------------------------------ figures per variant
def figures_plot(summary, figures: list[str], variants: list[tuple], path, x_name: str | None = None,
                 title: str | None = None, where: str | None = None, lang: str = cat.DEFAULT_LANGUAGE,
                 targets=None):
    """One panel per figure: against the parameter ``x_name`` (lines, one per series) or as
    points with error bars per variant. Figures without any value are left out (no empty panel).

    ``variants`` are (variant id, label, x value or None[, series]).
    """
    import pandas as pd

    plt = _pyplot()
    look = _lookup(summary)
    data = pd.DataFrame([{"variant": v[0], "label": v[1], "x": v[2], "series": v[3] if len(v) > 3 else "", "figure": f,
                          "mean": look.get((v[0], f), (math.nan,) * 2)[0],
                          "ci95_half_width": look.get((v[0], f), (math.nan,) * 2)[1]}
                         for f in figures for v in variants])
    shown = [f for f in figures if data.loc[data["figure"] == f, "mean"].notna().any()]
    if not shown:
        raise ValueError("none of the figures has a value: nothing to draw")
    series = list(dict.fromkeys(data["series"]))
    groups = _chunks(series) if x_name else [series]
    fig, axes = plt.subplots(len(groups), len(shown), figsize=(4.8 * len(shown), 4.6 * len(groups) + 0.6),
                             squeeze=False)
    for row, group in zip(axes, groups):
        for ax, f in zip(row, shown):
            part = data[(data["figure"] == f) & data["series"].isin(group)]
            if x_name:
                for s, line in part.groupby("series", sort=False):
                    _band(ax, line["x"], line["mean"], line["ci95_half_width"], s or None, share=cat.figure(f).is_share)
                if part["series"].any():
                    ax.legend(fontsize=7)
                ax.set_xlabel(cat.parameter(x_name, lang), fontsize=8)
            else:
                for i, r in enumerate(part.itertuples()):  # points with 95% error bars, one colour per variant
                    ax.errorbar([i], [r.mean], yerr=_error(f, [r.mean], [r.ci95_half_width]),
                                fmt="o", capsize=4, color=f"C{i % 10}", markersize=7)
                ax.set_xticks(range(len(part)), part["label"], rotation=20, ha="right", fontsize=8)
                ax.set_xlim(-0.5, len(part) - 0.5)
                ax.set_xlabel(cat.text("variant", lang))
            _targets_on(ax, f, targets, lang)
            _format_axis(ax, f, "y", lang)
            ax.grid(alpha=0.3)
    fig.suptitle(title_with_place(title or cat.text("plot_figures", lang), where))
    fig.tight_layout()
    _save(fig, path)
    return data


def _targets_on(ax, name: str, targets, lang: str, axis: str = "y") -> None:
    if targets is None:
        return
    last = name.rsplit(".", 1)[-1]
    if last == "p90_wait_minutes":
        target_line(ax, targets.wait_minutes, last, lang, axis)
    elif last == "on_time_share":
        target_line(ax, targets.on_time_share, last, lang, axis)


def by_field(summary, figures: list[str], fields: list[str], variants: list[tuple[str, str]], path,
             title: str | None = None, where: str | None = None, lang: str = cat.DEFAULT_LANGUAGE, targets=None):
    """Per procedure field, grouped bars (one per variant) with 95% error bars; one panel per
    figure and group of at most :data:`MAX_SERIES` variants; figures without values left out."""
    import pandas as pd

    plt = _pyplot()
    look = _lookup(summary)
    data = pd.DataFrame([{"variant": vid, "label": label, "field": fld, "figure": f,
                          "mean": look.get((vid, f"by_field.{fld}.{f}"), (math.nan,) * 2)[0],
                          "ci95_half_width": look.get((vid, f"by_field.{fld}.{f}"), (math.nan,) * 2)[1]}
                         for f in figures for fld in fields for vid, label in variants])
    shown = [f for f in figures if data.loc[data["figure"] == f, "mean"].notna().any()]
    if not shown:
        raise ValueError("none of the figures has a value: nothing to draw")
    groups = _chunks(list(variants))
    panels = [(f, g) for f in shown for g in groups]
    fig, axes = plt.subplots(len(panels), 1, figsize=(11, 3.9 * len(panels) + 0.4), squeeze=False)
    for ax, (f, group) in zip(axes[:, 0], panels):
        width = 0.8 / max(len(group), 1)
        for k, (vid, label) in enumerate(group):
            part = data[(data["figure"] == f) & (data["variant"] == vid)]
            ax.bar([i + k * width for i in range(len(fields))], part["mean"].fillna(0), width=width,
                   yerr=_error(f, part["mean"].fillna(0), part["ci95_half_width"]), capsize=2, label=label)
        ax.set_xticks([i + 0.4 - width / 2 for i in range(len(fields))],
                      [cat.part(fl, lang).replace(" ", "\n", 1) for fl in fields], fontsize=8)
        ax.set_xlabel(cat.text("axis_field", lang))
        _targets_on(ax, f, targets, lang)
        _format_axis(ax, f, "y", lang)
        ax.grid(alpha=0.3, axis="y")
        ax.legend(fontsize=8)
    fig.suptitle(title_with_place(title or cat.text("plot_by_field", lang), where))
    fig.tight_layout()
    _save(fig, path)
    return data


# ------------------------------------------------------------------ compare
def comparison_figure(rows: list[dict], labels: list[str], path, title: str | None = None,
                      where: str | None = None, lang: str = cat.DEFAULT_LANGUAGE):
    """``commune-sim compare`` side by side: per figure, each scenario's mean with its 95% interval,
    and the paired difference to the first scenario written beside its bar, in the figure's unit.
    ``labels`` name the scenarios (short names, in row order)."""
    import pandas as pd

    plt = _pyplot()
    data = pd.DataFrame(rows)
    figures = [f for f in dict.fromkeys(data["figure"])  # a figure that is zero (or unknown) everywhere says nothing
               if data.loc[data["figure"] == f, "mean"].fillna(0).abs().max() > 0]
    cols = 3
    nrows = math.ceil(len(figures) / cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(15, 1.4 + (0.9 + 0.45 * len(labels)) * nrows), squeeze=False)
    for ax, f in zip(axes.flat, figures):
        part = data[data["figure"] == f].reset_index(drop=True)  # rows come in scenario order
        y = list(range(len(part)))
        ax.barh(y, part["mean"].fillna(0), xerr=_error(f, part["mean"].fillna(0), part["ci95_half_width"]), capsize=3,
                color=[f"C{i % 10}" for i in y])
        ax.set_yticks(y, labels[: len(part)], fontsize=7)
        ax.invert_yaxis()
        for i, row in part.iterrows():
            d, hw = row["difference_to_first"], row["difference_ci95_half_width"]
            if i and _finite(d):
                text = f"Δ {cat.value(f, d, lang, signed=True)}" + (f" ± {cat.value(f, hw, lang)}" if _finite(hw) else "")
                ax.annotate(text, (1, i), xycoords=("axes fraction", "data"), xytext=(-3, 0), textcoords="offset points",
                            va="center", ha="right", fontsize=7, bbox={"facecolor": "white", "alpha": 0.8, "linewidth": 0})
        ax.set_title(cat.label(f, lang, with_unit=False), fontsize=8)
        ax.set_xlabel(cat.unit(f, lang), fontsize=8)
        if cat.figure(f).is_share:
            percent_axis(ax, "x")
        ax.grid(alpha=0.3, axis="x")
    for ax in list(axes.flat)[len(figures):]:
        ax.remove()
    what = title or cat.text("plot_comparison", lang)
    fig.suptitle(title_with_place(what, where) + "\n" + cat.text("comparison_note", lang), fontsize=10)
    fig.tight_layout()
    _save(fig, path)
    return data


# ------------------------------------------------------------------ an experiment's plots
def experiment_plots(experiment, out: Path, table, summary, records, lang: str = cat.DEFAULT_LANGUAGE,
                     folder: Path | None = None) -> tuple[list[Path], list[str]]:
    """Draw the plots an experiment file asks for into ``out/plots/`` (PNG + the data as CSV)."""
    import pandas as pd

    from .analysis import Targets
    from .runstore import backlog_table, communes_table, write_table

    folder = Path(folder) if folder else Path(out) / "plots"
    names = scenario_names(experiment)
    labels = {v.id: cat.variant_label(v.parameters, lang, names) for v in experiment.variants}
    spec = experiment.spec
    targets = Targets(spec.wait_target_minutes, spec.on_time_target)
    base = experiment.variants[0].scenario if experiment.variants else None
    where = cat.place_and_period(base.model_dump(mode="json"), lang) if base else None
    files, warnings, used = [], [], set()
    for plot in spec.plots:
        name = plot.file or f"{plot.kind}.png"
        while name in used:
            name = name.removesuffix(".png") + "-2.png"
        used.add(name)
        path = folder / name
        others = [n for n in experiment.parameter_names if n != plot.x]
        title = plot.title if lang == "en" else None  # an experiment file's own title is in its author's words

        def series(v):
            return cat.variant_label({n: v.parameters[n] for n in others}, lang, names) if others else ""

        try:
            data = _experiment_plot(plot, experiment, path, summary, records, labels, series, title, where, lang,
                                    targets, backlog_table, communes_table)
        except (KeyError, ValueError, TypeError) as exc:
            warnings.append(f"plot {name} not drawn: {type(exc).__name__}: {exc}")
            continue
        files.append(path)
        files += write_table(pd.DataFrame(data), path.with_suffix(""), parquet=False)
    return files, warnings


def _experiment_plot(plot, experiment, path, summary, records, labels, series, title, where, lang, targets,
                     backlog_table, communes_table):
    if plot.kind == "staffing_curve":
        points = [(series(v), v.parameters[plot.x], v.id) for v in experiment.variants]
        return staffing_curve(summary, points, path, plot.x, plot.pool, plot.target_wait_minutes, title, where, lang,
                              targets.on_time_share)
    if plot.kind == "wait_ecdf":
        hists = {labels[v.id]: [rec["result"]["wait_histogram_minutes"] for (vid, _), rec in sorted(records.items())
                                if vid == v.id] for v in experiment.variants}
        return wait_ecdf(hists, path, title, plot.target_wait_minutes or targets.wait_minutes, where, lang)
    if plot.kind == "backlog":
        return backlog(backlog_table(experiment, records), labels, path, title, where, lang)
    if plot.kind == "commune_load":
        figure = plot.figure
        reference = (targets.on_time_share if figure == "on_time_share" else
                     plot.target_wait_minutes or targets.wait_minutes if figure == "p90_wait_minutes" else None)
        return commune_load(communes_table(experiment, records), labels, figure, path, plot.worst, title, reference,
                            where, lang)
    if plot.kind == "figures":
        variants = [(v.id, labels[v.id], v.parameters.get(plot.x) if plot.x else None, series(v))
                    for v in experiment.variants]
        return figures_plot(summary, plot.figures, variants, path, plot.x, title, where, lang, targets)
    fields = list(experiment.variants[0].scenario.demand.fields)
    return by_field(summary, plot.figures, fields, [(v.id, labels[v.id]) for v in experiment.variants], path,
                    title, where, lang, targets)


def scenario_names(experiment) -> dict:
    """Short names of the scenarios an experiment uses as levels of its ``scenario`` parameter."""
    refs = list(dict.fromkeys(v.parameters["scenario"] for v in experiment.variants if "scenario" in v.parameters))
    if not refs:
        return {}
    full = [next(v.scenario.name for v in experiment.variants if v.parameters.get("scenario") == r) for r in refs]
    return dict(zip(refs, cat.short_names(full, 30)[1]))
