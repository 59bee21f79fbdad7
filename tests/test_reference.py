"""The reference data shipped in sim/reference/: counts, lookups, geometry, and that it is current.

Everything here reads the bundled copy only; the last test also rebuilds it from ../shared/data
when that folder exists (it does not on a fresh clone, and the test then skips).
"""

from __future__ import annotations

import fnmatch
import gzip
import hashlib
import json
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from sim import reference

REPO_ROOT = Path(__file__).resolve().parents[1]
BUNDLED = Path(reference.__file__).parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
HAND_WRITTEN = {"__init__.py", "README.md"}


def generated_files(folder: Path) -> dict[str, Path]:
    return {
        path.relative_to(folder).as_posix(): path
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name not in HAND_WRITTEN and "__pycache__" not in path.parts
    }


def content(path: Path) -> bytes:
    # Deflate output may differ between zlib builds; what must be current is what is inside.
    data = path.read_bytes()
    return gzip.decompress(data) if path.name.endswith(".gz") else data


# ---------------------------------------------------------------- counts


def test_country_has_3321_units_in_34_provinces():
    units = reference.units()
    assert len(units) == 3321
    assert len({u.code for u in units}) == 3321
    assert all(len(u.code) == 5 and u.code.isdigit() for u in units)
    assert len(reference.provinces()) == 34
    assert sum(p.n_units for p in reference.provinces()) == 3321
    assert Counter(u.type for u in units) == {"xã": 2621, "phường": 687, "đặc khu": 13}
    assert reference.find_province("Hồ Chí Minh").n_units == 168


@pytest.mark.parametrize("province, n_units, population", [
    ("Hà Nội", 126, 8_811_473),
    ("Đà Nẵng", 94, 3_122_915),
    ("Hải Phòng", 114, 4_692_669),
])
def test_city_units_and_population_totals(province, n_units, population):
    units = reference.units(province)
    assert len(units) == n_units
    assert sum(u.population for u in units if u.population is not None) == population
    # The city tables carry corrections, so they are where these populations come from.
    assert all(u.population_source.startswith("communes/") and "national" not in u.population_source
               for u in units if not u.population_missing)


def test_hoang_sa_has_no_population():
    (hoang_sa,) = [u for u in reference.units("Đà Nẵng") if u.name == "Hoàng Sa"]
    assert hoang_sa.population is None and hoang_sa.population_missing
    assert hoang_sa.type == "đặc khu"


def test_missing_populations_are_none_counted_and_flagged():
    missing = [u for u in reference.units() if u.population_missing]
    assert len(missing) == 66
    assert all(u.population is None and u.population_source == "" and u.anomaly for u in missing)
    assert all(u.population is not None for u in reference.units() if not u.population_missing)
    assert not [u for u in reference.units() if u.population == 0]  # missing is never written as 0


def test_anomalies_are_carried():
    flagged = [u for u in reference.units() if u.anomaly]
    assert len(flagged) == 369
    (yen_binh,) = [u for u in reference.units("Lào Cai") if u.name == "Yên Bình"]
    assert "province total" in yen_binh.anomaly  # kept as published, but visibly suspect


# ---------------------------------------------------------------- names


@pytest.mark.parametrize("text, code", [
    ("Hà Nội", "01"), ("ha noi", "01"), ("Thành phố Hà Nội", "01"), ("HANOI", "01"),
    ("TP. Hồ Chí Minh", "79"), ("tp hcm", "79"),
    ("Tỉnh Nghệ An", "40"), ("nghe an", "40"),
    ("Đà Nẵng", "48"), ("da nang", "48"), ("Dak Lak", "66"),
    ("Khánh Hoà", "56"), ("khanh hoa", "56"), ("Thanh Hoá", "38"),
    ("92", "92"),
])
def test_find_province_with_or_without_diacritics(text, code):
    assert reference.find_province(text).code == code


def test_find_province_suggests_on_a_miss():
    with pytest.raises(LookupError) as caught:
        reference.find_province("ha nol")
    assert isinstance(caught.value, reference.ProvinceNotFound)
    assert "Thành phố Hà Nội" in caught.value.suggestions
    assert "did you mean" in str(caught.value)
    # A province merged away on 1 July 2025 points to the one it is part of now.
    with pytest.raises(reference.ProvinceNotFound) as caught:
        reference.find_province("Bắc Giang")
    assert caught.value.suggestions == ["Tỉnh Bắc Ninh"]


def test_name_spellings_normalise_to_the_official_one():
    assert reference.normalise_name("Phúc Hoà") == "Phúc Hòa"
    assert reference.normalise_name("Hoàng Thuỷ") == "Hoàng Thủy"  # "Hoàng" is the same in both styles
    assert reference.normalise_name("Quý") == "Quý"
    assert reference.normalise_name("Ea H’Leo") == "Ea H'Leo"
    assert reference.normalise_name("Hóa") != reference.normalise_name("Hòa")  # different names
    for u in reference.units():
        assert reference.normalise_name(u.name) == u.name
        assert reference.normalise_name(u.name_in_communes_table) == u.name


# ---------------------------------------------------------------- geometry


def test_every_unit_has_closed_polygons_inside_vietnam():
    for province in reference.provinces():
        shapes = reference.polygons(province)
        assert set(shapes) == {u.code for u in reference.units(province)}
        for code, rings in shapes.items():
            assert rings, code
            for ring in rings:
                assert ring.shape[1] == 2 and len(ring) >= 4, code
                assert (ring[0] == ring[-1]).all(), f"{code}: ring not closed"
                assert (102 <= ring[:, 0]).all() and (ring[:, 0] <= 118).all(), code
                assert (6 <= ring[:, 1]).all() and (ring[:, 1] <= 23.5).all(), code
    for u in reference.units():
        assert 102 <= u.lon <= 118 and 6 <= u.lat <= 23.5, u.code


def test_polygon_arrays_are_read_only():
    ring = reference.polygons("Hà Nội")["00004"][0]
    with pytest.raises(ValueError):
        ring[0, 0] = 0.0


def test_neighbours_are_symmetric():
    adjacency = reference.neighbours()
    assert sum(len(v) for v in adjacency.values()) == 2 * 9286
    for code, others in adjacency.items():
        for other, border in others.items():
            assert adjacency[other][code] == border
            assert border.shared_border_km > 0
    assert sum(not others for others in adjacency.values()) == 19  # islands


def test_neighbours_within_a_province():
    hanoi = [u.code for u in reference.units("Hà Nội")]
    adjacency = reference.neighbours(hanoi)
    assert set(adjacency) == set(hanoi)
    assert all(other in adjacency for others in adjacency.values() for other in others)
    assert set(adjacency["00004"]) == {"00008", "00025", "00070", "00082", "00097", "00103", "00190", "00226"}
    # Across the province line there are more.
    assert sum(map(len, reference.neighbours(hanoi, within=False).values())) > sum(map(len, adjacency.values()))
    with pytest.raises(KeyError):
        reference.neighbours(["99999"])


def test_former_districts_partition_the_units():
    for province in reference.provinces():
        groups = reference.former_districts(province)
        codes = [code for members in groups.values() for code in members]
        assert sorted(codes) == sorted(u.code for u in reference.units(province))
    assert "00004" in reference.former_districts("Hà Nội")["Quận Ba Đình"]
    # Two former provinces merged into Vĩnh Long each had a "Huyện Châu Thành".
    assert {"Huyện Châu Thành (Tỉnh Bến Tre)", "Huyện Châu Thành (Tỉnh Trà Vinh)"} <= set(
        reference.former_districts("Vĩnh Long"))


# ---------------------------------------------------------------- provenance


def test_manifest_matches_the_files():
    """Nobody edited a generated file by hand (the manifest was written with them)."""
    manifest = json.loads((BUNDLED / "MANIFEST.json").read_text(encoding="utf-8"))
    files = generated_files(BUNDLED)
    assert set(files) == set(manifest["files"]) | {"MANIFEST.json"}
    for name, entry in manifest["files"].items():
        digest = entry.get("sha256") or entry["content_sha256"]
        assert hashlib.sha256(content(files[name])).hexdigest() == digest, name
    assert manifest["counts"]["population_missing"] == 66


def test_package_data_ships_every_generated_file():
    patterns = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["sim.reference"]
    for name in [*generated_files(BUNDLED), "README.md"]:
        assert any(fnmatch.fnmatch(name, p) for p in patterns), f"{name} would not be installed"


def test_bundled_copy_is_current(tmp_path):
    if not (SHARED_DATA / "geo" / "units.csv").is_file():
        pytest.skip(f"{SHARED_DATA} is absent: cannot check the bundled copy against its sources")
    subprocess.run(
        [sys.executable, str(REPO_ROOT / "tools" / "build_reference_data.py"), str(SHARED_DATA),
         "--out", str(tmp_path)],
        check=True, capture_output=True,
    )
    rebuilt, bundled = generated_files(tmp_path), generated_files(BUNDLED)
    assert set(rebuilt) == set(bundled), "rerun tools/build_reference_data.py and commit"
    stale = [name for name in rebuilt if content(rebuilt[name]) != content(bundled[name])]
    assert not stale, f"stale: {stale}; rerun tools/build_reference_data.py and commit"
