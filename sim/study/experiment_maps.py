"""Maps of an experiment whose variants cover different communes: a national view.

An experiment with one variant per province (``communes.province`` as its parameter) runs
every province under one rule; its communes, put together, cover the country. Two plots answer
the planner's question "where are the communes that will be overloaded?":

* :func:`above_map` — every commune on one map, coloured only where a per-commune figure (mean
  over the replications) exceeds a threshold, the rest light grey: the colour says how far
  above, the worst are named;
* :func:`provinces_above` — the provinces with the most such communes, as bars, with each
  province's count out of its communes.

The figure ``utilisation_busiest`` is the utilisation of the commune's busiest pool in each run
(counter, back office or leaders: whichever is closest to its capacity), since a commune is as
overloaded as its most loaded desk. Variants must not share communes: two levels of one region
would be two maps, which :mod:`sim.study.maps` draws for ``run`` and ``compare``.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import reference
from . import catalogue as cat
from . import drawing
from .choropleth import choropleth, geography_missing, save
from .maps import figure_words

BUSIEST = "utilisation_busiest"
BELOW = "#ececec"  # communes at or below the threshold: drawn, not coloured


def commune_means(communes, column: str):
    """One row per commune (code, commune, province, value): ``column`` averaged over the
    replications. ``communes``: one row per variant, replication and commune (the sweep's
    communes table). ValueError when the variants share communes or have no geography."""
    table = communes.copy()
    if column == BUSIEST:
        pools = [c for c in table.columns if c.startswith("utilisation_")]
        table[BUSIEST] = table[pools].max(axis=1)
    if "code" not in table or geography_missing(list(table["code"].dropna()), "en"):
        raise ValueError("no geography: the variants' communes have no official codes (real communes only)")
    shared = table.groupby("code")["variant"].nunique()
    if (shared > 1).any():
        raise ValueError(f"{int((shared > 1).sum())} communes belong to several variants: a map of many variants "
                         "needs variants over different communes (one province each, for example)")
    means = table.groupby(["code", "commune"], sort=False)[column].mean().reset_index(name="value")
    provinces = {u.code: u.province for u in reference.units()}
    means.insert(2, "province", means["code"].map(provinces))
    return means


def _words(column: str, lang: str) -> tuple[str, str, str]:
    """(label, unit, format) of a per-commune column: the run maps' words, and the busiest pool's."""
    if column == BUSIEST:
        entry = cat.FIGURES["utilisation"]
        return cat.text("utilisation_of", lang, pool=cat.text("utilisation_highest", lang)), entry.unit(lang), entry.fmt
    label, unit, fmt, _ = figure_words(column, lang)
    return label, unit, fmt


def _threshold(threshold: float, fmt: str, lang: str) -> str:
    """85% rather than 85.0%: a threshold is a round number."""
    return cat.number(threshold, "{:.0%}" if "%" in fmt and round(threshold, 2) == threshold else fmt, lang)


def above_map(communes, column: str, threshold: float, path: Path, title: str | None, replications: int,
              lang: str = cat.DEFAULT_LANGUAGE):
    """Draw every commune, coloured where ``column`` exceeds ``threshold``; return the data behind it."""
    from matplotlib.colors import Normalize

    data = commune_means(communes, column)
    data["above"] = data["value"] > threshold
    values = data["value"].to_numpy(dtype=float)
    label, unit, fmt = _words(column, lang)
    high = float(np.nanmax(values)) if np.isfinite(values).any() else threshold
    heading = cat.text("map_above_title", lang, figure=label, threshold=_threshold(threshold, fmt, lang))
    note = cat.text("map_above", lang, n=cat.number(int(data["above"].sum()), "{:,}", lang),
                    total=cat.number(len(data), "{:,}", lang)) + "  ·  " + cat.text("map_mean_over", lang, n=replications)
    drawn = choropleth(list(data["code"]), values, lang=lang, title=heading + (f"\n{title}" if title else ""),
                       legend=f"{label} ({unit})", cmap="YlOrRd", worse="higher", value_format=fmt,
                       norm=Normalize(threshold, max(high, threshold + 0.05)), under=BELOW, note=note)
    save(drawn, Path(path))
    return data


def provinces_above(communes, column: str, threshold: float, path: Path, title: str | None, top: int = 15,
                    lang: str = cat.DEFAULT_LANGUAGE):
    """Bars: the ``top`` provinces by their number of communes above ``threshold``; return every province's counts."""
    data = commune_means(communes, column)
    data["above"] = data["value"] > threshold
    counts = (data.groupby("province").agg(communes_above=("above", "sum"), communes=("above", "size"))
              .reset_index().sort_values(["communes_above", "communes"], ascending=[False, True], kind="stable"))
    counts["share_above"] = counts["communes_above"] / counts["communes"]
    shown = counts[counts["communes_above"] > 0].head(top).iloc[::-1]
    label, unit, fmt = _words(column, lang)
    limit = _threshold(threshold, fmt, lang)
    plt = drawing.pyplot()
    fig, ax = plt.subplots(figsize=(8.27, 0.32 * max(len(shown), 3) + 1.6))
    ax.barh(range(len(shown)), shown["communes_above"], color="#d7301f")
    for i, (n, total) in enumerate(zip(shown["communes_above"], shown["communes"])):
        ax.text(n, i, f"  {int(n)} / {int(total)}", va="center", fontsize=8)
    ax.set_yticks(range(len(shown)), list(shown["province"]), fontsize=8)
    ax.set_xlabel(cat.text("axis_communes_above", lang, threshold=limit))
    ax.set_xlim(0, max(1, int(shown["communes_above"].max()) if len(shown) else 1) * 1.2)
    heading = cat.text("provinces_above_title", lang, figure=label, threshold=limit, k=len(shown))
    ax.set_title("\n".join(p for p in (heading, title) if p), fontsize=10)
    if not len(shown):
        ax.text(0.5, 0.5, cat.text("provinces_none_above", lang, threshold=limit), transform=ax.transAxes, ha="center")
    drawing.save(fig, Path(path))
    return counts
