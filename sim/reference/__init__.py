"""Reference data on Vietnam's 3,321 commune-level units, shipped with the package.

Since 1 July 2025 Vietnam has 34 provinces and 3,321 commune-level units (xã, phường, đặc khu).
This package carries a generated copy of the public tables the project uses (see README.md in
this folder for sources, licences and caveats), so scenarios, tests and maps work without the
shared data folder:

* ``units.csv``: one row per unit: code, name, type, population, area, a point, former districts,
  and flags for a missing population or a suspect row;
* ``neighbours.csv``: pairs of units that share a border;
* ``polygons/<NN>.json.gz``: simplified boundaries, one file per province.

Everything is read on first use and cached. A province may be named any way a person would
write it: ``find_province("ha noi")``, ``"Thành phố Hà Nội"``, ``"Tỉnh Nghệ An"``, ``"nghe an"``,
or its two-digit code; a miss raises :class:`ProvinceNotFound` with did-you-mean suggestions.

    >>> from sim import reference
    >>> hanoi = reference.find_province("ha noi")
    >>> sum(u.population for u in reference.units(hanoi))
    8811473

Populations are None where the source has none (66 units), never 0. This module imports nothing
from ``sim``, so any layer may use it.
"""

from __future__ import annotations

import csv
import difflib
import gzip
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Iterable, NamedTuple

import numpy as np

__all__ = [
    "Province", "Unit", "Border", "ProvinceNotFound",
    "provinces", "find_province", "units", "neighbours", "polygons", "former_districts",
    "normalise_name", "fold",
]


@cache
def _data():
    """This package's folder, as importlib.resources gives it (also inside a zip); looked up on
    first use: importlib.resources brings zipfile and its readers (about 4 ms), which a run of
    synthetic communes never needs."""
    from importlib import resources

    return resources.files(__name__)


_GRID_PER_DEGREE = 100_000  # polygon coordinates are stored as integers of 1e-5 degrees


@dataclass(frozen=True)
class Province:
    code: str  # two digits, e.g. "01"
    name: str  # official, e.g. "Thành phố Hà Nội"
    short_name: str  # without "Thành phố" / "Tỉnh", e.g. "Hà Nội"
    n_units: int


@dataclass(frozen=True)
class Unit:
    """One commune-level unit; the columns of units.csv (see README.md there)."""

    code: str  # five digits, official GSO code
    province_code: str
    province: str
    name: str
    type: str  # xã, phường or đặc khu
    population: int | None  # None when the source has none (population_missing)
    population_missing: bool
    population_source: str  # file and source tag the figure came from; "" when missing
    area_km2: float | None
    lon: float
    lat: float
    lonlat_source: str  # "bando", or "polygon" where bando's point was wrong
    former_province: str
    former_district: str  # the former district that contributed most (with its type word)
    former_districts: tuple[str, ...]  # every contributing former district
    n_former_communes: int
    n_former_partial: int  # of those, former communes split between several new units
    name_in_communes_table: str  # spelling in the shared communes tables ("Hoà", "’")
    anomaly: str  # why the row is suspect (from anomalies.csv); "" when nothing is known


class Border(NamedTuple):
    shared_border_km: float
    distance_km: float  # between the two units' points


class ProvinceNotFound(LookupError):
    """No province matches; ``suggestions`` holds the closest official names."""

    def __init__(self, text: str, suggestions: list[str], note: str = ""):
        self.text = text
        self.suggestions = suggestions
        hint = f"did you mean {' or '.join(repr(s) for s in suggestions)}?" if suggestions \
            else "see sim.reference.provinces() for the 34 names"
        super().__init__(f"no province matches {text!r}{note}; {hint}")


# ---------------------------------------------------------------- names

# Old-style tone placement ("Hoà", "Thuỷ") → the official style of units.csv ("Hòa", "Thủy").
# Only oa, oe, uy at the end of a word ("Hoàng" is the same in both styles), never after q
# ("Quý"). The tone marks: huyền, sắc, hỏi, ngã, nặng.
_OLD_STYLE = re.compile(r"(?<![qQ])([oO][aAeE]|[uU][yY])([\u0300\u0301\u0309\u0303\u0323])(?![\w\u0300-\u036f])")
_PREFIXES = ("thanh pho ", "tinh ", "tp ")
_ALIASES = {"hcm": "79", "tphcm": "79", "saigon": "79"}  # "TP. HCM", "TPHCM", "Sài Gòn"


def normalise_name(text: str) -> str:
    """NFC, official tone placement ("Hoà" → "Hòa"), straight apostrophe, single spaces.

    Diacritics are kept: "Hòa" and "Hóa" stay different names.
    """
    for apostrophe in "’‘ʼ":
        text = text.replace(apostrophe, "'")
    decomposed = unicodedata.normalize("NFD", text)
    # The second vowel of oa/oe/uy carries no other mark, so in NFD its tone mark follows it
    # directly: moving the tone to the first vowel is swapping two characters.
    decomposed = _OLD_STYLE.sub(lambda m: m[1][0] + m[2] + m[1][1], decomposed)
    return " ".join(unicodedata.normalize("NFC", decomposed).split())


def fold(text: str) -> str:
    """Lower case without diacritics (đ → d) or punctuation: the key for loose matching."""
    stripped = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    stripped = stripped.replace("đ", "d").replace("Đ", "D").lower()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", stripped).split())


def _province_key(text: str) -> str:
    """fold() without "Thành phố" / "Tỉnh" / "TP" and without spaces: "hanoi" = "Hà Nội"."""
    key = fold(text)
    for prefix in _PREFIXES:
        if key.startswith(prefix):
            key = key[len(prefix):]
            break
    return key.replace(" ", "")


# ---------------------------------------------------------------- loading (cached)


@cache
def _units() -> tuple[Unit, ...]:
    with _data().joinpath("units.csv").open("r", encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    return tuple(
        Unit(
            code=r["code"], province_code=r["province_code"], province=r["province"],
            name=r["name"], type=r["type"],
            population=int(r["population"]) if r["population"] else None,
            population_missing=r["population_missing"] == "true",
            population_source=r["population_source"],
            area_km2=float(r["area_km2"]) if r["area_km2"] else None,
            lon=float(r["lon"]), lat=float(r["lat"]), lonlat_source=r["lonlat_source"],
            former_province=r["former_province"], former_district=r["former_district"],
            former_districts=tuple(r["former_districts"].split("; ")) if r["former_districts"] else (),
            n_former_communes=int(r["n_former_communes"]), n_former_partial=int(r["n_former_partial"]),
            name_in_communes_table=r["name_in_communes_table"], anomaly=r["anomaly"],
        )
        for r in rows
    )


@cache
def _provinces() -> dict[str, Province]:
    """{province code: Province}, in code order."""
    counts: dict[str, list[Unit]] = {}
    for unit in _units():
        counts.setdefault(unit.province_code, []).append(unit)
    return {
        code: Province(code, members[0].province, re.sub(r"^(Thành phố|Tỉnh) ", "", members[0].province),
                       len(members))
        for code, members in sorted(counts.items())
    }


@cache
def _province_keys() -> dict[str, str]:
    """{_province_key(name): province code}; folding must not merge two provinces."""
    keys = {_province_key(p.name): code for code, p in _provinces().items()}
    assert len(keys) == len(_provinces()), "two provinces fold to the same key"
    return keys


@cache
def _former_provinces() -> dict[str, str]:
    """{_province_key(pre-reform province): code of the province it is part of now}."""
    return {_province_key(u.former_province): u.province_code for u in _units()}


@cache
def _borders() -> dict[str, dict[str, Border]]:
    adjacency: dict[str, dict[str, Border]] = {}
    with _data().joinpath("neighbours.csv").open("r", encoding="utf-8", newline="") as stream:
        for r in csv.DictReader(stream):
            border = Border(float(r["shared_border_km"]), float(r["distance_km"]))
            adjacency.setdefault(r["code_a"], {})[r["code_b"]] = border
            adjacency.setdefault(r["code_b"], {})[r["code_a"]] = border
    return adjacency


@cache
def _polygons(province_code: str) -> dict[str, tuple[np.ndarray, ...]]:
    with _data().joinpath("polygons", f"{province_code}.json.gz").open("rb") as stream:
        document = json.loads(gzip.decompress(stream.read()))
    out = {}
    for code, multipolygon in document["units"].items():
        rings = []
        for polygon in multipolygon:
            for flat in polygon:
                # Each ring is stored as [x0, y0, dx1, dy1, ...] in 1e-5 degrees: undo the deltas.
                ring = np.cumsum(np.asarray(flat, dtype=np.int64).reshape(-1, 2), axis=0) / _GRID_PER_DEGREE
                ring.flags.writeable = False  # cached: shared by every caller
                rings.append(ring)
        out[code] = tuple(rings)
    return out


# ---------------------------------------------------------------- public API


def provinces() -> list[Province]:
    """The 34 provinces in code order, with their number of units."""
    return list(_provinces().values())


def find_province(text: str | Province) -> Province:
    """The province ``text`` names: official or short name, any case, with or without diacritics
    ("Tỉnh Nghệ An", "nghe an", "Thành phố Hà Nội", "ha noi"), or its two-digit code.

    Raises ProvinceNotFound (a LookupError) with the closest names when nothing matches.
    """
    if isinstance(text, Province):
        return text
    by_code = _provinces()
    if text.strip() in by_code:
        return by_code[text.strip()]
    key = _province_key(text)
    code = _province_keys().get(key) or _ALIASES.get(key)
    if code:
        return by_code[code]
    if key in _former_provinces():  # a province merged away on 1 July 2025: name its successor
        successor = by_code[_former_provinces()[key]].name
        raise ProvinceNotFound(text, [successor], f" (a province until 1 July 2025, now part of {successor})")
    close = difflib.get_close_matches(key, list(_province_keys()), n=3, cutoff=0.6)
    raise ProvinceNotFound(text, [by_code[_province_keys()[k]].name for k in close])


def units(province: str | Province | None = None) -> list[Unit]:
    """The units of a province (any spelling find_province accepts), or of the country if None."""
    if province is None:
        return list(_units())
    code = find_province(province).code
    return [u for u in _units() if u.province_code == code]


def neighbours(codes: Iterable[str] | None = None, *, within: bool = True) -> dict[str, dict[str, Border]]:
    """Adjacency: {code: {neighbour code: Border}} for the given unit codes (all units if None).

    ``within=True`` keeps only borders between the given units (e.g. one province, for filing at
    a neighbouring commune); ``within=False`` keeps every neighbour, across province lines too.
    Every given code is a key; islands have an empty dict. Symmetric: a in adj[b] iff b in adj[a].
    """
    if isinstance(codes, str):
        codes = [codes]
    wanted = [u.code for u in _units()] if codes is None else list(dict.fromkeys(codes))
    known = {u.code for u in _units()}
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise KeyError(f"unknown unit codes: {unknown[:5]}")
    keep = set(wanted)
    return {
        code: {other: border for other, border in _borders().get(code, {}).items()
               if not within or other in keep}
        for code in wanted
    }


def polygons(province: str | Province) -> dict[str, list[np.ndarray]]:
    """{unit code: rings} of a province; each ring an (n, 2) array of lon, lat in degrees, closed
    (first point = last). Exterior rings run counter-clockwise, holes clockwise (GeoJSON's rule),
    so an even-odd or non-zero fill draws a unit right. Arrays are read-only (they are cached).
    """
    return {code: list(rings) for code, rings in _polygons(find_province(province).code).items()}


def former_districts(province: str | Province) -> dict[str, list[str]]:
    """{former district: codes of the units it dominates}: the pre-reform districts of a province
    as groups of today's units (each unit in the group of its ``former_district``).

    A district name that occurs in two former provinces merged into this one (several
    "Huyện Châu Thành") is qualified with its former province: "Huyện Châu Thành (Tỉnh Bến Tre)".
    """
    members = units(province)
    provinces_of: dict[str, set[str]] = {}
    for u in members:
        provinces_of.setdefault(u.former_district, set()).add(u.former_province)
    groups: dict[str, list[str]] = {}
    for u in members:
        label = u.former_district
        if len(provinces_of[label]) > 1:
            label = f"{label} ({u.former_province})"
        groups.setdefault(label, []).append(u.code)
    return groups
