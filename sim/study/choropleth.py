"""Drawing one choropleth of real communes: the primitive every map of :mod:`sim.study.maps` uses.

Each commune is one compound matplotlib ``Path`` (every part and hole of its MultiPolygon in the
reference data, :mod:`sim.reference`), drawn as one ``PathCollection`` coloured by the commune's
value, so a map has exactly one patch per commune. An equirectangular view with the
cos-latitude aspect is true to scale at the size of a province: north up, equal aspect, no axes.
Around it: the title, the colour bar with its label and unit, the worst communes named (white
halo, placed so that names do not overlap), remote islands in insets on the same colour scale
(so that Hoàng Sa or Côn Đảo do not shrink the mainland to a corner), a scale bar, a north arrow
and the boundary source, laid out in inches to print on an A4 page.
"""
from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import reference
from . import catalogue
from .files import write_atomic

WORST = 8  # communes named on a map
REMOTE_KM = 60  # a unit farther than this from every other is drawn in an inset (remote islands)
MAX_INSETS = 4
A4_INCHES = (8.27, 11.69)
KM_PER_DEGREE = 111.32  # of latitude; of longitude times cos(latitude)


@dataclass
class Map:
    """A drawn map: the figure and its collections (the main map, then one per inset), each
    with one path per commune, all on one colour scale."""

    figure: object
    collections: list
    codes: list[list[str]]  # the communes of each collection, in order
    values: np.ndarray

    @property
    def collection(self):
        """The main map's collection (its norm and colour map are every collection's)."""
        return self.collections[0]

    def paths(self) -> dict[str, object]:
        """{code: the commune's one Path}."""
        return {code: path for collection, codes in zip(self.collections, self.codes)
                for code, path in zip(codes, collection.get_paths())}

    def face_colour(self, code: str):
        """The RGBA colour the commune is filled with (as drawn)."""
        for collection, codes in zip(self.collections, self.codes):
            if code in codes:
                collection.update_scalarmappable()
                return collection.get_facecolors()[codes.index(code)]
        raise KeyError(code)


# ------------------------------------------------------------------ geometry
def _unit_table() -> dict[str, reference.Unit]:
    return {u.code: u for u in reference.units()}


def commune_path(code: str, province_code: str):
    """One compound Path of a unit: every ring (parts and holes) of its MultiPolygon."""
    from matplotlib.path import Path as MplPath

    rings = reference.polygons(province_code)[code]
    vertices = np.concatenate(rings)
    codes = np.full(len(vertices), MplPath.LINETO, dtype=np.uint8)
    start = 0
    for ring in rings:
        codes[start] = MplPath.MOVETO
        codes[start + len(ring) - 1] = MplPath.CLOSEPOLY
        start += len(ring)
    return MplPath(vertices, codes)


def geography_missing(codes, lang: str = catalogue.DEFAULT_LANGUAGE) -> str | None:
    """Why these communes cannot be mapped (in ``lang``), or None when every one is a known unit."""
    if not codes or not all(isinstance(c, str) for c in codes):  # synthetic communes: no unit table read
        return catalogue.text("map_no_geography", lang)
    known = _unit_table()
    if any(c not in known for c in codes):
        return catalogue.text("map_no_geography", lang)
    return None


# ------------------------------------------------------------------ drawing
def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def choropleth(codes: list[str], values, *, title: str, legend: str, lang: str = catalogue.DEFAULT_LANGUAGE,
               cmap: str = "YlOrRd", norm=None, worse: str = "higher", value_format: str = "{:.1f}",
               note: str = "", named: int = WORST, named_text: str = "map_named",
               ends: tuple[str, str] | None = None, edges: str = "white", under: str | None = None) -> Map:
    """Draw one map: commune ``codes`` coloured by ``values`` (NaN: grey, no data).

    ``worse``: "higher" or "lower" (which end of the values fares worst; the ``named`` worst
    communes are labelled), or "larger" (the largest absolute values). ``ends`` labels the two
    ends of the colour bar (e.g. better / worse); ``edges`` colours the borders (grey on a diverging
    scale, whose middle is near white); ``under`` fills the communes below the norm's lower end
    (a threshold map: only the communes above it are coloured). Remote islands (over ``REMOTE_KM`` from every
    other unit: Hoàng Sa, Trường Sa, Côn Đảo...) are drawn in insets beside the map, so that they
    do not shrink the mainland to a corner."""
    import matplotlib as mpl
    from matplotlib import patheffects
    from matplotlib.colors import Normalize

    plt = _pyplot()
    units = _unit_table()
    values = np.asarray(values, dtype=float)
    paths = [commune_path(code, units[code].province_code) for code in codes]
    finite = values[np.isfinite(values)]
    if norm is None:
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        norm = Normalize(low, high if high > low else low + 1.0)
    colours = mpl.colormaps[cmap].with_extremes(bad="#d9d9d9", under=under)
    main, remote = _remote([units[c] for c in codes])
    lat0, width_km, height_km = _extent([paths[i] for i in main])
    layout = _Layout(width_km, height_km, insets=len(remote))
    fig = plt.figure(figsize=layout.size)
    ax = fig.add_axes(layout.map_box)
    collection = _collection([paths[i] for i in main], values[main], colours, norm, edges)
    ax.add_collection(collection)
    _frame(ax, lat0)
    collections, members = [collection], [[codes[i] for i in main]]
    for k, i in enumerate(remote):
        inset = fig.add_axes(layout.inset_box(k))
        collections.append(inset.add_collection(_collection([paths[i]], values[[i]], colours, norm, edges)))
        members.append([codes[i]])
        _frame(inset, units[codes[i]].lat, framed=True)
        inset.set_title(f"{units[codes[i]].name}: {catalogue.number(values[i], value_format, lang)}", fontsize=7)
    title = "\n".join(textwrap.fill(line, 80) for line in (title[:1].upper() + title[1:]).split("\n"))
    fig.text(0.5, layout.y(layout.size[1] - 0.15), title, ha="center", va="top", fontsize=12)
    _colour_bar(fig, collection, layout, legend, lang, ends, extend="min" if under else "neither", value_format=value_format)
    halo = [patheffects.withStroke(linewidth=2.5, foreground="white")]
    worst = [i for i in _worst(values, worse, named) if i in main]
    _label(fig, ax, [(units[codes[i]], catalogue.number(values[i], value_format, lang)) for i in worst], halo)
    _north_arrow(ax, lang, halo)
    _scale_bar(ax, lat0, width_km, halo)
    lines = [note] if note else []
    if worst:
        lines.append(catalogue.text(named_text, lang, k=len(worst)))
    if not np.isfinite(values).all():
        lines.append(catalogue.text("map_no_data", lang))
    note_line = "  ·  ".join(lines)  # two lines when one would run past the page's edges
    fig.text(0.5, layout.y(0.32), textwrap.fill(note_line, int(layout.size[0] * 13)) if len(note_line) > layout.size[0] * 13
             else note_line, ha="center", va="center", fontsize=8)
    fig.text(0.5, layout.y(0.12), catalogue.text("map_source", lang), ha="center", va="center", fontsize=6.5,
             color="#555555")
    return Map(fig, collections, members, values)


def _collection(paths, values, colours, norm, edges: str):
    from matplotlib.collections import PathCollection

    collection = PathCollection(paths, cmap=colours, norm=norm, edgecolors=edges,
                                linewidths=0.4 if edges == "white" else 0.3)
    collection.set_array(np.ma.masked_invalid(values))
    return collection


def _frame(ax, lat: float, framed: bool = False) -> None:
    """North up, true to scale at this latitude (the cos-latitude aspect), no axes."""
    ax.set_aspect(1 / math.cos(math.radians(lat)))
    ax.margins(0.01 if not framed else 0.08)
    ax.autoscale_view()
    if framed:
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_color("#888888")
    else:
        ax.set_axis_off()


def _colour_bar(fig, collection, layout, legend: str, lang: str, ends, extend: str = "neither",
                value_format: str = "{:g}") -> None:
    from matplotlib.ticker import FuncFormatter

    width = min(6.0, layout.size[0] - 1.2)
    box = ((1 - width / layout.size[0]) / 2, layout.y(0.78), width / layout.size[0], 0.16 / layout.size[1])
    bar = fig.colorbar(collection, cax=fig.add_axes(box), orientation="horizontal", extend=extend)
    bar.set_label(legend, fontsize=10, labelpad=4)
    bar.ax.xaxis.set_label_position("top")
    bar.ax.tick_params(labelsize=8)
    tick_format = "{:.0%}" if "%" in value_format else "{:g}"  # the legend's unit: a share reads as a percentage
    bar.ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: catalogue.number(v, tick_format, lang).replace("-", "−")))
    for x, text, align in ((0.0, ends[0], "left"), (1.0, ends[1], "right")) if ends else ():
        bar.ax.text(x, -1.9, text, transform=bar.ax.transAxes, ha=align, va="top", fontsize=8, style="italic")


def _remote(units) -> tuple[list[int], list[int]]:
    """(indices on the main map, indices of remote islands for insets): a unit is remote when
    every other unit's point is more than REMOTE_KM away."""
    if len(units) < 3:
        return list(range(len(units))), []
    lon, lat = np.radians([u.lon for u in units]), np.radians([u.lat for u in units])
    a = np.sin((lat[:, None] - lat[None, :]) / 2) ** 2 + \
        np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin((lon[:, None] - lon[None, :]) / 2) ** 2
    distance = 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
    np.fill_diagonal(distance, np.inf)
    far = distance.min(axis=1) > REMOTE_KM
    far[np.argsort(distance.min(axis=1))[: len(units) // 2]] = False  # never more than half in insets
    remote = [i for i in range(len(units)) if far[i]][:MAX_INSETS]
    return [i for i in range(len(units)) if i not in remote], remote


def _extent(paths) -> tuple[float, float, float]:
    """(middle latitude, width km, height km) of the paths' bounding box."""
    points = np.concatenate([p.vertices for p in paths])
    (west, south), (east, north) = points.min(axis=0), points.max(axis=0)
    lat0 = (south + north) / 2
    width_km = (east - west) * KM_PER_DEGREE * math.cos(math.radians(lat0))
    return lat0, max(width_km, 1e-3), max((north - south) * KM_PER_DEGREE, 1e-3)


class _Layout:
    """Where things go, in inches: a map shaped like the province that fits an A4 page (portrait
    for tall provinces, landscape for wide ones), the title above, a column of insets to its right
    if any, the colour bar and notes below."""

    TOP, BOTTOM, SIDE, INSET = 0.95, 1.45, 0.3, 1.7

    def __init__(self, width_km: float, height_km: float, insets: int = 0):
        page_w, page_h = A4_INCHES if height_km >= width_km else A4_INCHES[::-1]
        column = self.INSET if insets else 0.0
        room_w, room_h = page_w - 2 * self.SIDE - column, page_h - self.TOP - self.BOTTOM
        scale = min(room_w / width_km, room_h / height_km)
        self.map_w, self.map_h = width_km * scale, height_km * scale
        width = max(6.5, self.map_w + 2 * self.SIDE + column)
        self.size = (width, self.map_h + self.TOP + self.BOTTOM)
        self.left = (width - self.map_w - column) / 2

    def y(self, inches: float) -> float:
        return inches / self.size[1]

    @property
    def map_box(self) -> tuple[float, float, float, float]:
        w, h = self.size
        return self.left / w, self.BOTTOM / h, self.map_w / w, self.map_h / h

    def inset_box(self, k: int) -> tuple[float, float, float, float]:
        w, h = self.size
        side = self.INSET - 0.3
        top = self.BOTTOM + self.map_h - (k + 1) * (side + 0.35)
        return (self.left + self.map_w + 0.2) / w, top / h, side / w, side / h


def _worst(values: np.ndarray, worse: str, k: int) -> list[int]:
    order = [i for i in np.argsort(-np.abs(values) if worse == "larger" else values if worse == "lower" else -values,
                                   kind="stable") if np.isfinite(values[i])]
    if worse == "larger":
        order = [i for i in order if values[i] != 0]
    return order[:k]


def _label(fig, ax, items, halo) -> None:
    """Name each unit near its point, with a leader line, pushed away from the map's centre:
    the first of a ring of positions (outward first, then turning) where the name overlaps
    neither a name placed before nor a named point."""
    if not items:
        return
    fig.canvas.draw()  # the axes' final aspect and limits fix where every point lands
    renderer = fig.canvas.get_renderer()
    to_display = ax.transData.transform
    points = [to_display((unit.lon, unit.lat)) for unit, _ in items]
    centre = to_display(((ax.get_xlim()[0] + ax.get_xlim()[1]) / 2, (ax.get_ylim()[0] + ax.get_ylim()[1]) / 2))
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

    taken = [Bbox.from_extents(x - 4, y - 4, x + 4, y + 4) for x, y in points]
    frame = ax.get_window_extent(renderer)
    for (unit, value), (x, y) in zip(items, points):
        ax.plot(unit.lon, unit.lat, "o", markersize=3, color="black", zorder=3)
        outward = math.atan2(y - centre[1], x - centre[0])
        tries = [(r, outward + turn) for r in (22, 40, 60, 85) for turn in (0, 0.5, -0.5, 1.0, -1.0, 1.6, -1.6, 2.4, -2.4, math.pi)]
        for k, (radius, angle) in enumerate(tries):
            dx, dy = radius * math.cos(angle), radius * math.sin(angle)
            note = ax.annotate(f"{unit.name}\n{value}", (unit.lon, unit.lat), xytext=(dx, dy), textcoords="offset points",
                               fontsize=8, ha="left" if dx > 4 else "right" if dx < -4 else "center",
                               va="bottom" if dy > 4 else "top" if dy < -4 else "center",
                               path_effects=halo, zorder=4,
                               arrowprops={"arrowstyle": "-", "color": "black", "linewidth": 0.6, "shrinkA": 0, "shrinkB": 2})
            note.update_positions(renderer)
            box = Text.get_window_extent(note, renderer)  # the name alone (an Annotation's extent spans its line too)
            inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
            if (inside and not any(box.overlaps(other) for other in taken)) or k == len(tries) - 1:
                taken.append(box.expanded(1.04, 1.08))
                break
            note.remove()


def _north_arrow(ax, lang: str, halo) -> None:
    ax.annotate(catalogue.text("map_north", lang), xy=(0.96, 0.97), xytext=(0.96, 0.88), xycoords="axes fraction",
                ha="center", va="center", fontsize=11, fontweight="bold", path_effects=halo,
                arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 1.2})


def _scale_bar(ax, lat0: float, width_km: float, halo) -> None:
    """A bar of a round length (about a fifth of the map's width) in the lower left corner."""
    length = next((n for n in (0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500) if n >= width_km / 6), 1000)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    degrees = length / (KM_PER_DEGREE * math.cos(math.radians(lat0)))
    x, y = x0 + 0.03 * (x1 - x0), y0 + 0.03 * (y1 - y0)
    ax.plot([x, x + degrees], [y, y], color="black", linewidth=3, solid_capstyle="butt", zorder=5)
    ax.text(x + degrees / 2, y + 0.012 * (y1 - y0), f"{length:g} km", ha="center", va="bottom", fontsize=8,
            path_effects=halo, zorder=5)


def save(map_: Map, path: Path) -> Path:
    path = Path(path)
    write_atomic(path, lambda tmp: map_.figure.savefig(tmp, format="png", dpi=130))
    _pyplot().close(map_.figure)
    return path
