"""The standard plots of policy analysis, as PNG files a decision-maker reads at a glance.

Every function draws one figure, writes it atomically (or into an open binary file, for the
report), and returns the pandas DataFrame it drew — the "data behind the plot", which the
sweep writes beside the PNG as CSV and the tests check. Every word comes from the catalogue
(:mod:`sim.study.catalogue`) in the language asked for (``lang``); every title names the place
and period (``where``); every axis names its unit; shares are drawn as percentages; targets are
reference lines; a panel holds at most :data:`sim.study.drawing.MAX_SERIES` series (more are split over panels).
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

from . import catalogue as cat
from . import drawing


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

    plt = drawing.pyplot()
    look = drawing.lookup(summary)
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
            drawing.band(ax, part["x"], part["mean"], part["ci95_half_width"], cat.label(figure, lang, with_unit=False),
                  share=ax is right, linestyle=style)
        left.set_yscale("symlog", linthresh=1.0)
        left.set_ylim(bottom=0)
        if target_wait_minutes:
            drawing.target_line(left, target_wait_minutes, "p90_wait_minutes", lang)
        if on_time_target:
            drawing.target_line(right, on_time_target, "on_time_share", lang)
        panel = (lambda key: cat.text(key, lang) + (f" — {s}" if s else ""))
        left.set(xlabel=cat.parameter(x_name, lang), ylabel=cat.text("axis_wait_log", lang), title=panel("panel_waiting"))
        right.set(xlabel=cat.parameter(x_name, lang), ylabel=cat.text("axis_percent", lang), ylim=(0, 1.05),
                  title=panel("panel_shares"))
        drawing.percent_axis(right)
        for ax in (left, right):
            ax.grid(alpha=0.3)
            ax.legend(fontsize=8)
    fig.suptitle(drawing.title_with_place(title or cat.text("plot_staffing", lang), where))
    fig.tight_layout()
    drawing.save(fig, path)
    return data


# ------------------------------------------------------------------ wait distribution
def wait_ecdf(histograms: dict[str, list[dict]], path, title: str | None = None, reference_minutes: float | None = 30,
              where: str | None = None, lang: str = cat.DEFAULT_LANGUAGE):
    """ECDF of the wait before first service, pooled over replications, per variant label
    (at most :data:`drawing.MAX_SERIES` curves a panel)."""
    import pandas as pd

    from .analysis import ecdf_from_histograms

    plt = drawing.pyplot()
    rows = [{"variant": label, "wait_minutes": x, "share_at_most": y}
            for label, hs in histograms.items() for x, y in ecdf_from_histograms(hs)]
    data = pd.DataFrame(rows, columns=["variant", "wait_minutes", "share_at_most"])
    groups = drawing.chunks(list(histograms))
    fig, axes = plt.subplots(len(groups), 1, figsize=(9, 4.8 * len(groups) + 0.4), squeeze=False)
    floor = 0.1
    for ax, group in zip(axes[:, 0], groups):
        for label in group:
            part = data[data["variant"] == label]
            ax.step(part["wait_minutes"].clip(lower=floor), part["share_at_most"], where="post", label=label)
        if reference_minutes:
            drawing.target_line(ax, reference_minutes, "p90_wait_minutes", lang, axis="x")
        ax.axhline(0.9, color="lightgrey", linewidth=0.8)
        ax.set_xscale("log")
        ax.set(xlabel=cat.text("axis_wait_ecdf", lang, floor=cat.number(floor, "{:g}", lang)),
               ylabel=cat.text("axis_share_at_most", lang), ylim=(0, 1.01))
        drawing.percent_axis(ax)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(drawing.title_with_place(title or cat.text("plot_wait_ecdf", lang), where))
    fig.tight_layout()
    drawing.save(fig, path)
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
    plt = drawing.pyplot()
    groups = drawing.chunks(list(dict.fromkeys(data["variant"])))
    fig, axes = plt.subplots(len(groups), 1, figsize=(10, 4.6 * len(groups) + 0.4), squeeze=False)
    for ax, group in zip(axes[:, 0], groups):
        for vid in group:
            part = data[data["variant"] == vid]
            drawing.band(ax, part["working_day"], part["mean"], part["ci95_half_width"], part["label"].iloc[0])
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
    fig.suptitle(drawing.title_with_place(title or cat.text("plot_backlog", lang), where))
    fig.tight_layout()
    drawing.save(fig, path)
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
    group of at most :data:`drawing.MAX_SERIES` variants."""
    import pandas as pd

    from ..engine.stats import mean_and_half_width

    plt = drawing.pyplot()
    ascending = cat.figure(figure).better == "higher"  # for an on-time share the worst is the lowest
    rows = []
    for (vid, commune), part in communes.groupby(["variant", "commune"], sort=False):
        mean, hw = mean_and_half_width(part[figure].astype(float).tolist())
        rows.append({"variant": vid, "label": labels.get(vid, vid), "commune": commune, "mean": mean, "ci95_half_width": hw})
    data = pd.DataFrame(rows, columns=["variant", "label", "commune", "mean", "ci95_half_width"])
    data["rank"] = data.groupby("variant")["mean"].rank(ascending=ascending, method="first")
    data = data.sort_values(["variant", "rank"], kind="stable").reset_index(drop=True)
    groups = drawing.chunks(list(dict.fromkeys(data["variant"])))
    fig, axes = plt.subplots(len(groups), 2, figsize=(13, 5.2 * len(groups) + 0.4), squeeze=False,
                             gridspec_kw={"width_ratios": [1.2, 1]})
    top_all = data.groupby("commune")["mean"].agg("min" if ascending else "max").sort_values(ascending=ascending)
    top = list(top_all.index[:worst])
    for (left, right), group in zip(axes, groups):
        for vid in group:
            part = data[data["variant"] == vid]
            left.plot(part["rank"], part["mean"], marker=".", label=part["label"].iloc[0])
        left.set(xlabel=cat.text("axis_rank", lang), title=cat.text("panel_all_communes", lang))
        drawing.format_axis(left, figure, "y", lang)
        height = 0.6 / max(len(group), 1)
        for k, vid in enumerate(group):  # points with error bars: no zero baseline squeezing the differences
            part = data[data["variant"] == vid].set_index("commune").reindex(top)
            y = [i - 0.3 + (k + 0.5) * height for i in range(len(top))]
            right.errorbar(part["mean"], y, xerr=drawing.error_bars(figure, part["mean"], part["ci95_half_width"]), fmt="o",
                           capsize=2, label=labels.get(vid, vid))
        right.set_yticks(range(len(top)), [str(c) for c in top], fontsize=7)
        right.invert_yaxis()
        right.set_title(cat.text("panel_worst_communes", lang, n=len(top)))
        drawing.format_axis(right, figure, "x", lang)
        for ax, axis in ((left, "y"), (right, "x")):
            if reference is not None:
                drawing.target_line(ax, reference, figure, lang, axis)
            ax.grid(alpha=0.3)
        left.legend(fontsize=8)
    fig.suptitle(drawing.title_with_place(title or cat.text("plot_commune_load", lang, figure=cat.label(figure, lang, False)),
                                  where))
    fig.tight_layout()
    drawing.save(fig, path)
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

    plt = drawing.pyplot()
    look = drawing.lookup(summary)
    data = pd.DataFrame([{"variant": v[0], "label": v[1], "x": v[2], "series": v[3] if len(v) > 3 else "", "figure": f,
                          "mean": look.get((v[0], f), (math.nan,) * 2)[0],
                          "ci95_half_width": look.get((v[0], f), (math.nan,) * 2)[1]}
                         for f in figures for v in variants])
    shown = [f for f in figures if data.loc[data["figure"] == f, "mean"].notna().any()]
    if not shown:
        raise ValueError("none of the figures has a value: nothing to draw")
    series = list(dict.fromkeys(data["series"]))
    groups = drawing.chunks(series) if x_name else [series]
    fig, axes = plt.subplots(len(groups), len(shown), figsize=(4.8 * len(shown), 4.6 * len(groups) + 0.6),
                             squeeze=False)
    for row, group in zip(axes, groups):
        for ax, f in zip(row, shown):
            part = data[(data["figure"] == f) & data["series"].isin(group)]
            if x_name:
                for s, line in part.groupby("series", sort=False):
                    drawing.band(ax, line["x"], line["mean"], line["ci95_half_width"], s or None, share=cat.figure(f).is_share)
                if part["series"].any():
                    ax.legend(fontsize=7)
                ax.set_xlabel(cat.parameter(x_name, lang), fontsize=8)
            else:
                for i, r in enumerate(part.itertuples()):  # points with 95% error bars, one colour per variant
                    ax.errorbar([i], [r.mean], yerr=drawing.error_bars(f, [r.mean], [r.ci95_half_width]),
                                fmt="o", capsize=4, color=f"C{i % 10}", markersize=7)
                ax.set_xticks(range(len(part)), part["label"], rotation=20, ha="right", fontsize=8)
                ax.set_xlim(-0.5, len(part) - 0.5)
                ax.set_xlabel(cat.text("variant", lang))
            drawing.targets_on(ax, f, targets, lang)
            drawing.format_axis(ax, f, "y", lang)
            ax.grid(alpha=0.3)
    fig.suptitle(drawing.title_with_place(title or cat.text("plot_figures", lang), where))
    fig.tight_layout()
    drawing.save(fig, path)
    return data


def by_field(summary, figures: list[str], fields: list[str], variants: list[tuple[str, str]], path,
             title: str | None = None, where: str | None = None, lang: str = cat.DEFAULT_LANGUAGE, targets=None):
    """Per procedure field, grouped bars (one per variant) with 95% error bars; one panel per
    figure and group of at most :data:`drawing.MAX_SERIES` variants; figures without values left out."""
    import pandas as pd

    plt = drawing.pyplot()
    look = drawing.lookup(summary)
    data = pd.DataFrame([{"variant": vid, "label": label, "field": fld, "figure": f,
                          "mean": look.get((vid, f"by_field.{fld}.{f}"), (math.nan,) * 2)[0],
                          "ci95_half_width": look.get((vid, f"by_field.{fld}.{f}"), (math.nan,) * 2)[1]}
                         for f in figures for fld in fields for vid, label in variants])
    shown = [f for f in figures if data.loc[data["figure"] == f, "mean"].notna().any()]
    if not shown:
        raise ValueError("none of the figures has a value: nothing to draw")
    groups = drawing.chunks(list(variants))
    panels = [(f, g) for f in shown for g in groups]
    fig, axes = plt.subplots(len(panels), 1, figsize=(11, 3.9 * len(panels) + 0.4), squeeze=False)
    for ax, (f, group) in zip(axes[:, 0], panels):
        width = 0.8 / max(len(group), 1)
        for k, (vid, label) in enumerate(group):
            part = data[(data["figure"] == f) & (data["variant"] == vid)]
            ax.bar([i + k * width for i in range(len(fields))], part["mean"].fillna(0), width=width,
                   yerr=drawing.error_bars(f, part["mean"].fillna(0), part["ci95_half_width"]), capsize=2, label=label)
        ax.set_xticks([i + 0.4 - width / 2 for i in range(len(fields))],
                      [cat.part(fl, lang).replace(" ", "\n", 1) for fl in fields], fontsize=8)
        ax.set_xlabel(cat.text("axis_field", lang))
        drawing.targets_on(ax, f, targets, lang)
        drawing.format_axis(ax, f, "y", lang)
        ax.grid(alpha=0.3, axis="y")
        ax.legend(fontsize=8)
    fig.suptitle(drawing.title_with_place(title or cat.text("plot_by_field", lang), where))
    fig.tight_layout()
    drawing.save(fig, path)
    return data


# ------------------------------------------------------------------ compare
def comparison_figure(rows: list[dict], labels: list[str], path, title: str | None = None,
                      where: str | None = None, lang: str = cat.DEFAULT_LANGUAGE):
    """``commune-sim compare`` side by side: per figure, each scenario's mean with its 95% interval,
    and the paired difference to the first scenario written beside its bar, in the figure's unit.
    ``labels`` name the scenarios (short names, in row order)."""
    import pandas as pd

    plt = drawing.pyplot()
    data = pd.DataFrame(rows)
    figures = [f for f in dict.fromkeys(data["figure"])  # a figure that is zero (or unknown) everywhere says nothing
               if data.loc[data["figure"] == f, "mean"].fillna(0).abs().max() > 0]
    cols = 3
    nrows = math.ceil(len(figures) / cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(15, 1.4 + (0.9 + 0.45 * len(labels)) * nrows), squeeze=False)
    for ax, f in zip(axes.flat, figures):
        part = data[data["figure"] == f].reset_index(drop=True)  # rows come in scenario order
        y = list(range(len(part)))
        ax.barh(y, part["mean"].fillna(0), xerr=drawing.error_bars(f, part["mean"].fillna(0), part["ci95_half_width"]), capsize=3,
                color=[f"C{i % 10}" for i in y])
        ax.set_yticks(y, labels[: len(part)], fontsize=7)
        ax.invert_yaxis()
        for i, row in part.iterrows():
            d, hw = row["difference_to_first"], row["difference_ci95_half_width"]
            if i and drawing.finite(d):
                text = f"Δ {cat.value(f, d, lang, signed=True)}" + (f" ± {cat.value(f, hw, lang)}" if drawing.finite(hw) else "")
                ax.annotate(text, (1, i), xycoords=("axes fraction", "data"), xytext=(-3, 0), textcoords="offset points",
                            va="center", ha="right", fontsize=7, bbox={"facecolor": "white", "alpha": 0.8, "linewidth": 0})
        ax.set_title(cat.label(f, lang, with_unit=False), fontsize=8)
        ax.set_xlabel(cat.unit(f, lang), fontsize=8)
        if cat.figure(f).is_share:
            drawing.percent_axis(ax, "x")
        ax.grid(alpha=0.3, axis="x")
    for ax in list(axes.flat)[len(figures):]:
        ax.remove()
    what = title or cat.text("plot_comparison", lang)
    fig.suptitle(drawing.title_with_place(what, where) + "\n" + cat.text("comparison_note", lang), fontsize=10)
    fig.tight_layout()
    drawing.save(fig, path)
    return data
