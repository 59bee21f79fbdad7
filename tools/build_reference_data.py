#!/usr/bin/env python3
"""Build the reference data shipped inside the package (``sim/reference/``).

The project must run without ``../shared`` (a fresh clone has only the project), so the public
reference tables it needs travel with the package as a *generated copy*. This script makes that
copy from the shared data folder; nobody edits the copy by hand. Rerun it whenever the shared
data changes, then commit the result; ``tests/test_reference.py`` fails while the copy is stale
(when the shared folder is present).

    python tools/build_reference_data.py [SHARED_DATA] [--out DIR]

``SHARED_DATA`` defaults to ``../shared/data`` relative to the repository root, ``--out`` to
``sim/reference``. Reads (all UTF-8):

    communes/national.csv, hanoi.csv, danang.csv, haiphong.csv, anomalies.csv   names, types, population
    geo/units.csv, geo/neighbours.csv                                          codes, points, districts
    geo/units.geojson, geo/hanoi.geojson, danang.geojson, haiphong.geojson     polygons

Writes into ``--out`` (only these files; the hand-written ``__init__.py`` and ``README.md`` there
are left alone):

    units.csv                 one row per unit (3,321), population joined in, anomalies flagged
    neighbours.csv            pairs of units sharing a border, as in geo/neighbours.csv
    polygons/<NN>.json.gz     one file per province (NN = province code), one MultiPolygon per unit
    MANIFEST.json             the sidecar: generator, source files with SHA-256, files written

Polygon encoding (compact, exact on the sources' 1e-5 degree grid): coordinates become integers
of 1e-5 degrees; each ring is one flat list ``[x0, y0, dx1, dy1, ...]`` where the first point is
absolute and every later point is the difference from the point before. A unit is a list of
polygons, a polygon a list of rings (exterior first, then holes), rings closed as in GeoJSON.

Everything is deterministic (sorted keys and rows, gzip header without time or name), so a rerun
on the same sources gives the same bytes; the only thing that may differ between machines is the
deflate stream inside the .gz files (zlib builds differ), which is why MANIFEST.json records the
SHA-256 of their *uncompressed* content. Standard library and numpy only.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import json
import sys
import unicodedata
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO_ROOT.parent / "shared" / "data"
DEFAULT_OUT = REPO_ROOT / "sim" / "reference"
GENERATOR = "tools/build_reference_data.py"

N_UNITS = 3321
N_PROVINCES = 34
GRID_PER_DEGREE = 100_000  # the sources are snapped to a 1e-5 degree grid

# The three city tables carry corrections (types per NQ 1669, Avương's population, Hoàng Sa);
# their rows win over national.csv for their province.
CITY_TABLES = {
    "Thành phố Hà Nội": "hanoi",
    "Thành phố Đà Nẵng": "danang",
    "Thành phố Hải Phòng": "haiphong",
}
# Simplification tolerance of each polygon source (geo/README.md, "How it was made", step 5).
NATIONAL_TOLERANCE_DEG = 0.0015
CITY_TOLERANCE_DEG = 0.0005

UNIT_COLUMNS = [
    "code", "province_code", "province", "name", "type",
    "population", "population_missing", "population_source",
    "area_km2", "lon", "lat", "lonlat_source",
    "former_province", "former_district", "former_districts",
    "n_former_communes", "n_former_partial",
    "name_in_communes_table", "anomaly",
]
NEIGHBOUR_COLUMNS = ["code_a", "code_b", "shared_border_km", "distance_km"]


class BuildError(Exception):
    """The sources are not what this script expects; nothing should be trusted."""


def require(condition: bool, message: str) -> None:
    # Not `assert`: these checks guard the shipped data and must survive `python -O`.
    if not condition:
        raise BuildError(message)


# ---------------------------------------------------------------- reading


class Sources:
    """Reads source files relative to the shared data folder and remembers their SHA-256."""

    def __init__(self, root: Path):
        self.root = root
        self.sha256: dict[str, str] = {}

    def read_bytes(self, relative: str) -> bytes:
        data = (self.root / relative).read_bytes()
        self.sha256[relative] = hashlib.sha256(data).hexdigest()
        return data

    def text(self, relative: str) -> str:
        # NFC so that names compare equal however the source composed them.
        return unicodedata.normalize("NFC", self.read_bytes(relative).decode("utf-8"))

    def csv(self, relative: str) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(self.text(relative), newline="")))

    def geojson(self, relative: str) -> dict[str, list]:
        """{code: MultiPolygon coordinates} of a FeatureCollection."""
        features = json.loads(self.text(relative))["features"]
        out = {}
        for feature in features:
            geometry = feature["geometry"]
            require(geometry["type"] == "MultiPolygon", f"{relative}: {geometry['type']} geometry")
            out[feature["properties"]["code"]] = geometry["coordinates"]
        require(len(out) == len(features), f"{relative}: duplicate codes")
        return out


# ---------------------------------------------------------------- units table


def build_units(src: Sources) -> list[dict[str, str]]:
    geo = src.csv("geo/units.csv")
    require(len(geo) == N_UNITS, f"geo/units.csv has {len(geo)} units, expected {N_UNITS}")
    require(len({u["code"] for u in geo}) == N_UNITS, "geo/units.csv: duplicate codes")

    # Population rows keyed by (province, name as in the communes tables), with the file they came from.
    population_rows: dict[tuple[str, str], tuple[str, dict[str, str]]] = {}
    for row in src.csv("communes/national.csv"):
        population_rows[row["province"], row["name"]] = ("communes/national.csv", row)
    require(len(population_rows) == N_UNITS, "communes/national.csv: not one row per (province, name)")
    for province, stem in CITY_TABLES.items():
        path = f"communes/{stem}.csv"
        for row in src.csv(path):
            require((province, row["name"]) in population_rows, f"{path}: {row['name']} not in national.csv")
            population_rows[province, row["name"]] = (path, row)

    anomalies: dict[tuple[str, str], list[str]] = {}
    for row in src.csv("communes/anomalies.csv"):
        anomalies.setdefault((row["province"], row["name"]), []).append(row["issue"])

    units = []
    for g in geo:
        key = (g["province"], g["name_in_communes_table"])
        require(key in population_rows, f"{key} of geo/units.csv not in the communes tables")
        path, p = population_rows[key]
        require(p["type"] == g["type"], f"{key}: type {g['type']} in geo, {p['type']} in {path}")
        population = p["population"].strip()
        if population:
            require(population.isdigit(), f"{key}: population {population!r} in {path}")
        issues = anomalies.pop(key, [])
        if not p["area_km2"] and g["area_km2"]:
            # anomalies.csv says the area is missing; geo/units.csv filled it from the polygons.
            issues.append("area_km2 here is the polygon repository's areaKm2 (geo/units.csv)")
        units.append({
            "code": g["code"],
            "province_code": g["province_code"],
            "province": g["province"],
            "name": g["name"],
            "type": g["type"],
            "population": population,  # empty when missing: never 0
            "population_missing": "false" if population else "true",
            "population_source": f"{path} ({p['source']})" if population else "",
            "area_km2": g["area_km2"],
            "lon": g["lon"],
            "lat": g["lat"],
            "lonlat_source": g["lonlat_source"],
            "former_province": g["former_province"],
            "former_district": g["former_district"],
            "former_districts": g["former_districts"],
            "n_former_communes": g["n_former_communes"],
            "n_former_partial": g["n_former_partial"],
            "name_in_communes_table": g["name_in_communes_table"],
            "anomaly": "; ".join(issues),
        })
    require(not anomalies, f"anomalies.csv rows matching no unit: {sorted(anomalies)[:5]}")
    require(len({u["province"] for u in units}) == N_PROVINCES, "not 34 provinces")
    return units


# ---------------------------------------------------------------- neighbours


def build_neighbours(src: Sources, codes: set[str]) -> list[dict[str, str]]:
    rows = src.csv("geo/neighbours.csv")
    for row in rows:
        require(row["code_a"] in codes and row["code_b"] in codes, f"unknown code in neighbours: {row}")
        require(row["code_a"] < row["code_b"], f"neighbours not ordered code_a < code_b: {row}")
    require(len({(r["code_a"], r["code_b"]) for r in rows}) == len(rows), "duplicate neighbour pairs")
    return [{c: row[c] for c in NEIGHBOUR_COLUMNS} for row in rows]


# ---------------------------------------------------------------- polygons


def encode_ring(ring: list[list[float]]) -> list[int]:
    grid = np.rint(np.asarray(ring, dtype=float) * GRID_PER_DEGREE).astype(np.int64)
    # The sources are on the 1e-5 grid already: rounding must not move any point.
    require(np.abs(grid / GRID_PER_DEGREE - np.asarray(ring)).max() < 1e-9, "a point off the 1e-5 grid")
    require(len(grid) >= 4 and (grid[0] == grid[-1]).all(), "a ring that is not closed")
    delta = grid.copy()
    delta[1:] -= grid[:-1]
    return [int(v) for v in delta.ravel()]


def build_polygons(src: Sources, units: list[dict[str, str]]) -> dict[str, dict]:
    """{province_code: JSON document} for every province."""
    national_path = "geo/units.geojson"
    national = src.geojson(national_path)
    require(set(national) == {u["code"] for u in units}, f"{national_path}: codes differ from geo/units.csv")
    city = {province: f"geo/{stem}.geojson" for province, stem in CITY_TABLES.items()}
    city_shapes = {province: src.geojson(path) for province, path in city.items()}

    documents = {}
    for province_code in sorted({u["province_code"] for u in units}):
        members = [u for u in units if u["province_code"] == province_code]
        province = members[0]["province"]
        if province in city:
            path, shapes, tolerance = city[province], city_shapes[province], CITY_TOLERANCE_DEG
            require(set(shapes) == {u["code"] for u in members}, f"{path}: codes differ from the province's units")
        else:
            path, shapes, tolerance = national_path, national, NATIONAL_TOLERANCE_DEG
        documents[province_code] = {
            "generated_by": f"{GENERATOR}; do not edit by hand",
            "source": path,
            "source_sha256": src.sha256[path],
            "province_code": province_code,
            "province": province,
            "simplification_deg": tolerance,
            "encoding": "integers of 1e-5 degrees; per ring [x0, y0, dx1, dy1, ...], first point "
                        "absolute, later points differences from the one before; unit = list of "
                        "polygons, polygon = list of closed rings, exterior first",
            "units": {
                u["code"]: [[encode_ring(ring) for ring in polygon] for polygon in shapes[u["code"]]]
                for u in members
            },
        }
    return documents


# ---------------------------------------------------------------- writing


def csv_bytes(rows: list[dict[str, str]], columns: list[str]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def gzip_bytes(data: bytes) -> bytes:
    # GzipFile with mtime=0 and no file name writes the same header on every platform.
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as stream:
        stream.write(data)
    return buffer.getvalue()


def build(source: Path, out: Path) -> dict[str, bytes]:
    """Read the shared data at ``source``; write the generated files into ``out``; return them."""
    src = Sources(source)
    units = build_units(src)
    neighbours = build_neighbours(src, {u["code"] for u in units})
    polygons = build_polygons(src, units)

    unit_sources = ["geo/units.csv", "communes/national.csv",
                    *(f"communes/{stem}.csv" for stem in CITY_TABLES.values()), "communes/anomalies.csv"]
    files: dict[str, tuple[bytes, list[str]]] = {
        "units.csv": (csv_bytes(units, UNIT_COLUMNS), unit_sources),
        "neighbours.csv": (csv_bytes(neighbours, NEIGHBOUR_COLUMNS), ["geo/neighbours.csv"]),
    }
    for province_code, document in polygons.items():
        text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
        files[f"polygons/{province_code}.json.gz"] = (text.encode("utf-8"), [document["source"]])

    manifest = {
        "generated_by": GENERATOR,
        "command": f"python {GENERATOR} [SHARED_DATA] [--out DIR]  (SHARED_DATA default: ../shared/data)",
        "note": "Generated files: never edit by hand; rerun the script on the sources below.",
        "sources": {path: src.sha256[path] for path in sorted(src.sha256)},
        "files": {
            name: {
                # .gz: hash of the uncompressed content, which does not depend on the zlib build.
                ("content_sha256" if name.endswith(".gz") else "sha256"): hashlib.sha256(data).hexdigest(),
                "sources": sorted(sources),
            }
            for name, (data, sources) in files.items()
        },
        "counts": {
            "units": len(units),
            "provinces": len(polygons),
            "neighbour_pairs": len(neighbours),
            "population_missing": sum(u["population_missing"] == "true" for u in units),
            "units_with_anomaly": sum(bool(u["anomaly"]) for u in units),
        },
    }

    written = {name: gzip_bytes(data) if name.endswith(".gz") else data for name, (data, _) in files.items()}
    written["MANIFEST.json"] = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")

    (out / "polygons").mkdir(parents=True, exist_ok=True)
    for stale in (out / "polygons").glob("*.json.gz"):  # a province that disappeared must not linger
        stale.unlink()
    for name, data in written.items():
        (out / name).write_bytes(data)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", nargs="?", type=Path, default=DEFAULT_SOURCE,
                        help="the shared data folder (default: ../shared/data from the repository root)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="where to write (default: sim/reference in the repository)")
    args = parser.parse_args(argv)
    if not (args.source / "geo" / "units.csv").is_file():
        parser.error(f"{args.source}: not the shared data folder (no geo/units.csv)")
    try:
        written = build(args.source, args.out)
    except BuildError as error:
        print(f"build_reference_data: {error}", file=sys.stderr)
        return 1
    total_bytes = sum(len(data) for data in written.values())
    print(f"wrote {len(written)} files, {total_bytes / 1e6:.2f} MB, into {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
