"""Maps: one patch per commune (every part of a multipolygon in it), colours that match the data,
diverging scales centred on 0, the worst communes named, and the output folders that carry maps
only when the communes have a geography."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from matplotlib.path import Path as MplPath

from sim import reference
from sim.cli import main
from sim.study import catalogue, maps


def _close(fig):
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_one_patch_per_commune_with_every_part_and_hole_in_it():
    units = reference.units("Quảng Ninh")  # 23 units of several islands each
    codes = [u.code for u in units]
    drawn = maps.choropleth(codes, [u.population or np.nan for u in units], title="t", legend="l")
    assert sum(len(c.get_paths()) for c in drawn.collections) == len(units) == 54
    paths = drawn.paths()
    rings = reference.polygons("Quảng Ninh")
    for code in codes:
        assert int(np.sum(paths[code].codes == MplPath.MOVETO)) == len(rings[code])  # parts grouped per commune
    assert max(len(rings[c]) for c in codes) > 100
    _close(drawn.figure)


def test_a_remote_island_is_drawn_in_an_inset_on_the_same_scale():
    units = reference.units("Đà Nẵng")  # Hoàng Sa lies 421 km from every other unit
    values = np.array([u.population or np.nan for u in units], dtype=float)
    values[[u.name for u in units].index("Hoàng Sa")] = 5_000.0
    drawn = maps.choropleth([u.code for u in units], values, title="t", legend="l")
    hoang_sa = next(u.code for u in units if u.name == "Hoàng Sa")
    assert drawn.codes[1:] == [[hoang_sa]] and len(drawn.codes[0]) == 93
    assert drawn.collections[1].norm is drawn.collection.norm
    assert np.allclose(drawn.face_colour(hoang_sa), drawn.collection.cmap(drawn.collection.norm(5_000.0)))
    _close(drawn.figure)


def test_the_colour_of_each_commune_is_the_colour_scale_at_its_value():
    units = reference.units("ha noi")
    values = np.array([u.population / 1000 for u in units])
    drawn = maps.choropleth([u.code for u in units], values, title="t", legend="l", cmap="YlOrRd")
    worst = units[int(np.argmax(values))]
    scale = drawn.collection.cmap, drawn.collection.norm
    assert np.allclose(drawn.face_colour(worst.code), scale[0](scale[1](values.max())))
    assert np.allclose(drawn.face_colour(worst.code), scale[0](1.0))  # the top of the scale
    some = units[17]
    assert np.allclose(drawn.face_colour(some.code), scale[0](scale[1](values[17])))
    # The worst commune is named on the map, with its value.
    names = [t.get_text() for t in drawn.figure.axes[0].texts]
    assert any(t.startswith(worst.name + "\n") for t in names)
    _close(drawn.figure)


def test_missing_values_are_grey_and_said_so():
    units = reference.units("ha noi")[:10]
    values = np.arange(10, dtype=float)
    values[3] = np.nan
    drawn = maps.choropleth([u.code for u in units], values, title="t", legend="l", lang="vi")
    assert np.allclose(drawn.face_colour(units[3].code)[:3], np.array([0xd9, 0xd9, 0xd9]) / 255)
    texts = [t.get_text() for t in drawn.figure.texts]
    assert any(catalogue.text("map_no_data", "vi") in t for t in texts)
    _close(drawn.figure)


def test_synthetic_communes_have_no_map():
    assert maps.geography_missing(["", ""]) == catalogue.text("map_no_geography")
    assert maps.geography_missing(["00004", "99999"]) is not None
    assert maps.geography_missing(["00004", "00070"]) is None
    assert maps.run_maps([{"commune": "A", "p90_wait_minutes": 1.0}], "unused", "x", 1) == []


def test_staff_change_map_from_a_hand_made_staffing_table(tmp_path):
    units = reference.units("ha noi")[:12]
    table = pd.DataFrame({"commune": [u.name for u in units], "code": [u.code for u in units], "pool": "counter",
                          "current_staff": 4, "recommended_staff": [4, 5, 3, 6, 4, 2, 4, 4, 7, 4, 4, 3]})
    other_pool = table.assign(pool="back_office", recommended_staff=9)
    path = maps.staff_change_map(pd.concat([table, other_pool]), tmp_path / "staff.png", "counter", lang="vi")
    assert path.is_file() and path.stat().st_size > 10_000


def test_staff_change_colours_are_centred_on_zero(monkeypatch):
    drawn_maps = []
    monkeypatch.setattr(maps, "save", lambda map_, path: drawn_maps.append(map_) or path)
    units = reference.units("ha noi")[:5]
    table = [{"code": u.code, "staff_change": change} for u, change in zip(units, [0, 3, -1, 1, 0])]
    maps.staff_change_map(table, "unused.png", "counter")
    [drawn] = drawn_maps
    norm, cmap = drawn.collection.norm, drawn.collection.cmap
    assert (norm.vmin, norm.vmax) == (-3, 3) and norm(0) == 0.5
    assert np.allclose(drawn.face_colour(units[1].code), cmap(1.0))  # +3, the largest change, at the top
    assert np.allclose(drawn.face_colour(units[0].code), cmap(0.5))  # no change: the middle colour
    _close(drawn.figure)


def test_a_run_of_real_communes_writes_maps_and_a_synthetic_one_says_why_not(tmp_path):
    real = tmp_path / "real"
    assert main(["run", "hanoi/real-communes", "--set", "communes.only=[Ba Đình, Hoàn Kiếm, Cửa Nam, Hồng Hà]",
                 "--set", "horizon.days=1", "--replications", "1", "--out", str(real), "--quiet"]) == 0
    manifest = json.loads((real / "manifest.json").read_text(encoding="utf-8"))
    expected = {f"maps/{figure}.{lang}.png" for lang in ("vi", "en") for figure in
                ("utilisation_counter", "utilisation_back_office", "utilisation_leader", "p90_wait_minutes",
                 "on_time_share", "dossiers_in_process")}
    assert set(manifest["maps"]) == expected and all((real / p).is_file() for p in expected)
    communes = pd.read_csv(real / "communes.csv", dtype={"code": str})
    assert list(communes["code"]) == ["00004", "00070", "00082", "00097"]
    synthetic = tmp_path / "synthetic"
    assert main(["run", "validation/mmc", "--set", "horizon.days=6", "--replications", "1", "--out", str(synthetic),
                 "--quiet"]) == 0
    assert json.loads((synthetic / "manifest.json").read_text(encoding="utf-8"))["maps"] == \
        catalogue.text("map_no_geography", "en")
    assert not (synthetic / "maps").exists()
    assert "code" not in pd.read_csv(synthetic / "communes.csv").columns


def test_a_comparison_maps_the_paired_difference_per_commune(tmp_path):
    out = tmp_path / "compare"
    subset = "communes.only=[Ba Đình, Hoàn Kiếm, Cửa Nam, Hồng Hà, Ngọc Hà]"
    assert main(["compare", "hanoi/real-communes", "hanoi/variants/filing-at-real-neighbours", "--set", subset,
                 "--set", "staff.per_commune.counter=2", "--set", "horizon.days=2", "--replications", "2",
                 "--out", str(out), "--quiet"]) == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert "maps/p90_wait_minutes.1.vi.png" in manifest["maps"]
    table = pd.read_csv(out / "maps" / "commune-differences.csv", dtype={"code": str})
    assert len(table) == 5 and set(table["code"]) == {"00004", "00070", "00082", "00097", "00008"}
    # Filing at a neighbour moves counter work between the five: some lose load, some gain it.
    assert (table["utilisation_counter"] < 0).any() and (table["utilisation_counter"] > 0).any()


def test_difference_maps_are_centred_on_zero(monkeypatch, tmp_path):
    drawn_maps = []
    monkeypatch.setattr(maps, "save", lambda map_, path: drawn_maps.append(map_) or path)
    monkeypatch.setattr(maps, "write_atomic", lambda path, write: None)
    units = reference.units("ha noi")[:3]

    def result(values):
        return {"communes": [{"code": u.code, "commune": u.name, "p90_wait_minutes": v} for u, v in zip(units, values)]}

    baseline = [result([10, 10, 10]), result([12, 12, 12])]
    other = [result([4, 11, 10]), result([6, 13, 12])]
    maps.compare_maps(["a", "b"], [baseline, other], tmp_path, languages=("en",))
    [drawn] = drawn_maps
    assert drawn.values.tolist() == [-6, 1, 0]
    assert (drawn.collection.norm.vmin, drawn.collection.norm.vmax) == (-6, 6)
    assert np.allclose(drawn.face_colour(units[2].code), drawn.collection.cmap(0.5))
    assert drawn.collection.cmap.name.startswith("RdBu_r")  # a longer wait (positive) is red
    _close(drawn.figure)


def test_a_run_report_embeds_its_maps_in_the_report_language(tmp_path):
    from sim.study.report.build import build_report

    out = tmp_path / "run"
    assert main(["run", "hanoi/real-communes", "--set", "horizon.days=1", "--replications", "1",
                 "--out", str(out), "--quiet"]) == 0
    drawn = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["maps"]
    vi = build_report(out, "vi")
    maps_section = vi[vi.index("Bản đồ</h2>"):]
    maps_section = maps_section[: maps_section.index("</section>")]
    assert maps_section.count("<img") == sum(name.endswith(".vi.png") for name in drawn) >= 4
    # synthetic communes: the section says why there is no map, in the report's language
    synthetic = tmp_path / "synthetic"
    assert main(["run", "hanoi/2025-07-first-13-days", "--set", "horizon.days=1", "--replications", "1",
                 "--out", str(synthetic), "--quiet"]) == 0
    assert "xã, phường giả lập không có vị trí địa lý" in build_report(synthetic, "vi")
