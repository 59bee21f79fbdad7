"""Maps: per-commune choropleths of a run, a comparison, or a staffing table, on real communes.

A planner thinks of communes on a map. Real communes carry their official code
(``communes.province``, or a table with a code column); the reference data shipped with the
package (:mod:`sim.reference`) holds a simplified boundary for each, drawn by
:func:`sim.study.choropleth.choropleth` (one patch per commune, north up, equal aspect, the
worst communes named, Vietnamese or English words from :mod:`sim.study.catalogue`, A4). No
geospatial library is needed: the boundaries are already simplified lon/lat rings. Three kinds,
each written in both languages (``<name>.vi.png``, ``<name>.en.png``):

* :func:`run_maps` — a ``run`` folder's per-commune figures (utilisation of each pool, p90 wait,
  on-time share, dossiers in process at the end): sequential colours, red is worse;
* :func:`compare_maps` — the paired per-commune difference of each scenario to the first:
  a diverging scale centred on 0, red is worse;
* :func:`staff_change_map` — the recommended change in staff per commune (a staffing table).

Synthetic communes have no geography: :func:`geography_missing` says so instead of drawing.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from .. import reference
from . import catalogue
from .choropleth import Map, choropleth, commune_path, geography_missing, save  # noqa: F401 (the maps API)
from .files import write_atomic

LANGUAGES = ("vi", "en")
DIVERGING_EDGES = "#9a9a9a"  # borders on a diverging scale, whose middle (no change) is near white
RUN_FIGURES = ("p90_wait_minutes", "on_time_share", "dossiers_in_process")  # + utilisation of every pool


# ------------------------------------------------------------------ the three kinds
def figure_words(column: str, lang: str) -> tuple[str, str, str, str | None]:
    """(label, unit, format, better) of a communes.csv column."""
    if column.startswith("utilisation_"):
        entry = catalogue.FIGURES["utilisation"]
        label = catalogue.text("utilisation_of", lang, pool=catalogue.part(column.removeprefix("utilisation_"), lang))
        return label, entry.unit(lang), entry.fmt, entry.better
    entry = catalogue.figure(column)
    return entry.label(lang), entry.unit(lang), entry.fmt.replace(",", ""), entry.better


def run_maps(communes, out_dir: Path, scenario_name: str, replications: int,
             languages=LANGUAGES) -> list[Path]:
    """Maps of a run's per-commune figures (``communes``: the rows of communes.csv, a DataFrame
    or a list of dicts with a ``code`` column), one PNG per figure and language:
    ``out_dir/<figure>.<lang>.png``. Nothing is drawn (empty list) without geography."""
    import pandas as pd

    table = pd.DataFrame(communes)
    if "code" not in table or geography_missing(list(table["code"])):
        return []
    columns = [c for c in table.columns if c.startswith("utilisation_")] + [c for c in RUN_FIGURES if c in table]
    place = _place(list(table["code"]), scenario_name)
    written = []
    for column in columns:
        for lang in languages:
            label, unit, fmt, better = figure_words(column, lang)
            drawn = choropleth(list(table["code"]), table[column].astype(float).to_numpy(), lang=lang,
                               title=f"{catalogue.text('map_of', lang, figure=label)}\n{place}{scenario_name}",
                               legend=f"{label} ({unit})", cmap="YlOrRd_r" if better == "higher" else "YlOrRd",
                               worse="lower" if better == "higher" else "higher", value_format=fmt,
                               note=catalogue.text("map_mean_over", lang, n=replications))
            written.append(save(drawn, Path(out_dir) / f"{column}.{lang}.png"))
    return written


def _place(codes: list[str], scenario_name: str) -> str:
    """"Tỉnh Lâm Đồng — " when the scenario's name does not already say which province it maps."""
    by_code = {u.code: u for u in reference.units()}
    names = sorted({by_code[c].province for c in codes})
    shown = [n for n in names if reference.find_province(n).short_name not in scenario_name]
    return f"{', '.join(shown)} — " if shown and len(names) <= 3 else ""


def commune_differences(baseline: list[dict], other: list[dict], columns) -> "object":
    """Per-commune paired differences (other − baseline), replication by replication, as a
    DataFrame: code, commune, and for each column its mean difference and 95% half-width.
    ``baseline``/``other``: the replications' result dicts (``result["communes"]`` rows)."""
    import pandas as pd

    from ..engine.stats import mean_and_half_width

    rows = []
    for i, first in enumerate(baseline[0]["communes"]):
        row = {"code": first.get("code", ""), "commune": first["commune"]}
        for column in columns:
            diffs = [float(o["communes"][i].get(column, math.nan)) - float(b["communes"][i].get(column, math.nan))
                     for b, o in zip(baseline, other)]
            diffs = [d for d in diffs if math.isfinite(d)]
            row[column], row[column + "_ci95_half_width"] = mean_and_half_width(diffs) if diffs else (math.nan, math.nan)
        rows.append(row)
    return pd.DataFrame(rows)


def compare_maps(labels: list[str], results: list[list[dict]], out_dir: Path, languages=LANGUAGES) -> tuple[list[Path], str | None]:
    """Maps of the paired per-commune difference of every scenario to the first, and the table
    behind them (``out_dir/commune-differences.csv``). ``results``: each scenario's replication
    result dicts. Returns (files written, why no map was drawn or None)."""
    import pandas as pd
    from matplotlib.colors import Normalize

    if not all(results):
        return [], "no maps: a scenario has no finished replication"
    first = results[0][0]["communes"]
    codes = [c.get("code") for c in first]
    missing = geography_missing(codes, "en")
    if missing:
        return [], missing
    if any([c.get("code") for c in r[0]["communes"]] != codes for r in results[1:]):
        return [], catalogue.text("map_other_communes", "en")
    columns = [c for c in first[0] if c.startswith("utilisation_")] + [c for c in RUN_FIGURES if c in first[0]]
    n = min(len(r) for r in results)
    written, tables = [], []
    for k, (label, runs) in enumerate(zip(labels[1:], results[1:]), start=1):
        table = commune_differences(results[0][:n], runs[:n], columns)
        tables.append(table.assign(scenario=label, baseline=labels[0]))
        for column in columns:
            values = table[column].to_numpy(dtype=float)
            bound = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 0.0
            norm = Normalize(-bound, bound) if bound > 0 else Normalize(-1, 1)  # centred on 0
            for lang in languages:
                label_text, unit, fmt, better = figure_words(column, lang)
                ends = None if better is None else tuple(catalogue.text(e, lang) for e in (
                    ("map_worse", "map_better") if better == "higher" else ("map_better", "map_worse")))
                drawn = choropleth(
                    codes, values, lang=lang, norm=norm, cmap="RdBu" if better == "higher" else "RdBu_r",
                    title=f"{catalogue.text('map_difference', lang, figure=label_text.lower())}\n"
                          f"{catalogue.text('map_difference_of', lang, scenario=label, baseline=labels[0])}",
                    legend=f"{label_text} ({unit})", worse="larger", named_text="map_named_changes",
                    value_format="{:+" + fmt[2:], note=catalogue.text("map_paired", lang, n=n),
                    ends=ends, edges=DIVERGING_EDGES)
                written.append(save(drawn, Path(out_dir) / f"{column}.{k}.{lang}.png"))
    data = pd.concat(tables, ignore_index=True)
    write_atomic(Path(out_dir) / "commune-differences.csv", lambda tmp: data.to_csv(tmp, index=False))
    return [*written, Path(out_dir) / "commune-differences.csv"], None


def staff_change_map(table, path: Path, pool: str, title_place: str = "",
                     lang: str = catalogue.DEFAULT_LANGUAGE) -> Path:
    """The recommended change in staff per commune, on a diverging scale centred on 0.

    ``table``: a staffing table (DataFrame or rows) with a ``code`` column and either
    ``recommended_staff`` and ``current_staff`` or ``staff_change``; with a ``pool`` column, the
    rows of ``pool`` are drawn. Raises ValueError when the communes have no geography."""
    import pandas as pd
    from matplotlib.colors import Normalize

    data = pd.DataFrame(table)
    if "pool" in data:
        data = data[data["pool"] == pool]
    missing = geography_missing(list(data["code"]) if "code" in data else [], lang)
    if missing:
        raise ValueError(missing)
    change = data["staff_change"] if "staff_change" in data else data["recommended_staff"] - data["current_staff"]
    values = change.to_numpy(dtype=float)
    bound = max(float(np.nanmax(np.abs(values))) if values.size else 0.0, 1.0)
    entry = catalogue.FIGURES["staff_change"]
    title = catalogue.text("map_staff", lang, pool=catalogue.part(pool, lang)) + (f"\n{title_place}" if title_place else "")
    drawn = choropleth(list(data["code"]), values, lang=lang, title=title, norm=Normalize(-bound, bound),
                       cmap="RdBu_r", legend=f"{entry.label(lang)} ({entry.unit(lang)})", worse="larger",
                       value_format=entry.fmt, named_text="map_named_changes",
                       ends=(catalogue.text("map_fewer_staff", lang), catalogue.text("map_more_staff", lang)),
                       edges=DIVERGING_EDGES)
    return save(drawn, path)
