"""Drawing for the plots: matplotlib set up without a display, saving, and the axes conventions.

Every plot of the tool (:mod:`sim.study.plots`, the calibration's) goes through here: figures are
saved atomically as PNG (or into an open file, for a report); :func:`figure_texts` lists every
text a reader sees, which the tests walk for code names; shares are drawn as percentages, 95%
bands and error bars stay where a figure can be (not below zero, a share not above 1), targets
are grey reference lines labelled with their value and unit, and no panel holds more than
:data:`MAX_SERIES` series (:func:`chunks` splits them).
"""
from __future__ import annotations

import math
from pathlib import Path

from . import catalogue as cat
from .files import write_atomic

MAX_SERIES = 6


def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(fig, path) -> Path:
    """Save as PNG to ``path`` (atomically) or into ``path`` when it is an open binary file."""
    if hasattr(path, "write"):
        fig.savefig(path, format="png", dpi=110, bbox_inches="tight")
    else:
        path = Path(path)
        write_atomic(path, lambda tmp: fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight"))
    pyplot().close(fig)
    return path


def figure_texts(fig) -> list[str]:
    """Every text a reader sees on ``fig``: titles, axis labels, tick labels, legends, notes."""
    texts = [fig.get_suptitle()] + [t.get_text() for t in fig.texts]
    texts += [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        texts += [ax.get_title(loc) for loc in ("left", "center", "right")] + [ax.get_xlabel(), ax.get_ylabel()]
        texts += [t.get_text() for t in (*ax.texts, *ax.get_xticklabels(), *ax.get_yticklabels())]
        if ax.get_legend():
            texts += [t.get_text() for t in ax.get_legend().get_texts()]
    return [t for t in texts if t]


def title_with_place(what: str, where: str | None) -> str:
    return f"{what}\n{where}" if where else what


def finish_panels(fig, axes, used: int, title: str, path, legend_columns: int, bottom: float = 0.05):
    """A grid of small panels: remove the spare ones, one shared legend below (every label any
    panel uses, once, in the order first met), a title, save."""
    for ax in list(axes.flat)[used:]:
        ax.remove()
    legend: dict = {}
    for ax in list(axes.flat)[:used]:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            legend.setdefault(label, handle)
    fig.legend(list(legend.values()), list(legend), loc="lower center", ncol=legend_columns, fontsize=7, frameon=False)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, bottom, 1, 0.93))
    return save(fig, path)


def percent_axis(ax, axis: str = "y") -> None:
    from matplotlib.ticker import PercentFormatter

    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(PercentFormatter(1.0, decimals=0))


def format_axis(ax, name: str, axis: str = "y", lang: str = cat.DEFAULT_LANGUAGE) -> None:
    """Label an axis with the figure's words and unit; a share reads as a percentage."""
    (ax.set_ylabel if axis == "y" else ax.set_xlabel)(cat.label(name, lang), fontsize=8)
    if cat.figure(name).is_share:
        percent_axis(ax, axis)


def band(ax, x, mean, hw, label, log=False, share=False, **kw):
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


def chunks(items: list, size: int = MAX_SERIES) -> list[list]:
    """Split ``items`` into about equal groups of at most ``size``."""
    if not items:
        return [[]]
    n = math.ceil(len(items) / size)
    per = math.ceil(len(items) / n)
    return [items[i:i + per] for i in range(0, len(items), per)]


def error_bars(name: str, mean, hw):
    """Error-bar lengths (below, above) that stay where the figure can be: no figure of the
    catalogue is negative, and a share stays within 0 and 1."""
    import numpy as np

    mean, hw = np.asarray(mean, float), np.nan_to_num(np.asarray(hw, float))
    below = np.minimum(hw, np.where(np.isfinite(mean), np.maximum(mean, 0), 0))
    above = hw.copy()
    if cat.figure(name).is_share:
        above = np.minimum(above, np.where(np.isfinite(mean), np.maximum(1 - mean, 0), 0))
    return np.vstack([below, above])


def lookup(summary) -> dict:
    return {(r.variant, r.figure): (r.mean, r.ci95_half_width) for r in summary.itertuples()}


def finite(x) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x)


def target_line(ax, value: float, name: str, lang: str, axis: str = "y") -> None:
    """A target drawn as a grey reference line, labelled with its value and unit."""
    text = cat.text("target_line", lang, value=f"{cat.value(name, value, lang)} {cat.unit(name, lang)}".replace(" %", ""))
    (ax.axhline if axis == "y" else ax.axvline)(value, color="dimgrey", linestyle="-.", linewidth=1, label=text)


def targets_on(ax, name: str, targets, lang: str, axis: str = "y") -> None:
    if targets is None:
        return
    last = name.rsplit(".", 1)[-1]
    if last == "p90_wait_minutes":
        target_line(ax, targets.wait_minutes, last, lang, axis)
    elif last == "on_time_share":
        target_line(ax, targets.on_time_share, last, lang, axis)
