"""The national view: communes above a threshold on one map, and the provinces with the most of them."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim import reference
from sim.study import choropleth, experiment_maps


def _table(units, counter, back_office, variant=lambda u: u.province_code):
    return pd.DataFrame([{"variant": variant(u), "replication": r, "commune": u.name, "code": u.code,
                          "utilisation_counter": c, "utilisation_back_office": b}
                         for r in (0, 1) for u, c, b in zip(units, counter, back_office)])


def _two_provinces():
    return [u for u in reference.units() if u.province_code in ("44", "46")]


def test_the_busiest_pool_and_the_mean_over_replications():
    units = _two_provinces()[:3]
    table = _table(units, [0.5, 0.9, 0.2], [0.7, 0.1, 0.3])
    table.loc[table.replication == 1, "utilisation_counter"] += 0.02  # replication 1 a little busier at the counter
    means = experiment_maps.commune_means(table, "utilisation_busiest")
    assert np.allclose(means["value"], [0.7, 0.91, 0.3])
    assert list(means["province"]) == [units[0].province] * 3


def test_one_patch_per_commune_and_only_those_above_the_threshold_coloured(tmp_path, monkeypatch):
    drawn = {}
    monkeypatch.setattr(experiment_maps, "save", lambda m, path: drawn.setdefault("map", m))
    units = _two_provinces()
    rng = np.random.default_rng(7)
    counter = rng.uniform(0.5, 1.0, len(units))
    data = experiment_maps.above_map(_table(units, counter, np.zeros(len(units))), "utilisation_counter", 0.85,
                                     tmp_path / "m.png", None, 2, "en")
    m = drawn["map"]
    assert sorted(m.paths()) == sorted(u.code for u in units)  # one patch per commune, every commune drawn
    assert int(data["above"].sum()) == int((counter > 0.85).sum()) > 0
    low, high = units[int(np.argmin(counter))], units[int(np.argmax(counter))]
    grey = np.array([0xec, 0xec, 0xec]) / 255
    assert np.allclose(m.face_colour(low.code)[:3], grey)  # below the threshold: not coloured
    assert np.allclose(m.face_colour(high.code), m.collection.cmap(1.0))  # the highest: the top of the scale
    assert m.collection.norm.vmin == 0.85
    choropleth._pyplot().close(m.figure)


def test_provinces_ranked_by_their_communes_above(tmp_path):
    units = _two_provinces()
    counter = [0.9 if u.province_code == "46" and i % 4 == 0 else 0.5 for i, u in enumerate(units)]
    counts = experiment_maps.provinces_above(_table(units, counter, np.zeros(len(units))), "utilisation_counter", 0.85,
                                             tmp_path / "p.png", None, 10, "vi")
    hue = sum(1 for i, u in enumerate(units) if u.province_code == "46" and i % 4 == 0)
    assert list(counts["communes_above"]) == [hue, 0]
    assert counts["communes"].tolist() == [sum(u.province_code == c for u in units) for c in ("46", "44")]
    assert (tmp_path / "p.png").stat().st_size > 10_000


def test_variants_that_share_communes_are_refused():
    units = _two_provinces()[:4]
    table = pd.concat([_table(units, [0.5] * 4, [0.5] * 4, lambda u: "v00"),
                       _table(units, [0.6] * 4, [0.5] * 4, lambda u: "v01")])
    with pytest.raises(ValueError, match="several variants"):
        experiment_maps.commune_means(table, "utilisation_counter")
