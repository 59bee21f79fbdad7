"""Output analysis: figures of a run, Student-t intervals, paired differences, MSER-5, ECDFs."""
import math

import pandas as pd
import pytest
from scipy import stats

from sim.study.analysis import (
    ecdf_from_histograms,
    half_widths_missing,
    mser,
    quantile_from_ecdf,
    run_figures,
    summary_table,
)


def test_run_figures_flatten_region_breakdowns_and_communes():
    result = {
        "region": {"mean_wait_minutes": 4.0, "on_time_share": 0.9, "dossiers_arrived": 10},
        "by_field": {"land": {"on_time_share": 0.5}},
        "by_channel": {"online": {"mean_wait_minutes": None}},
        "pools": {"counter": {"utilisation": 0.7}},
        "littles_law": {"mean_in_system": 3.0},
        "communes": [{"commune": "a", "on_time_share": 0.99, "utilisation_counter": 0.5, "p90_wait_minutes": 3},
                     {"commune": "b", "on_time_share": 0.80, "utilisation_counter": 0.9, "p90_wait_minutes": 40},
                     {"commune": "c", "on_time_share": float("nan"), "utilisation_counter": 0.1, "p90_wait_minutes": 1}],
    }
    f = run_figures(result, on_time_target=0.95)
    assert f["mean_wait_minutes"] == 4.0 and f["dossiers_arrived"] == 10.0
    assert f["by_field.land.on_time_share"] == 0.5 and math.isnan(f["by_channel.online.mean_wait_minutes"])
    assert f["pools.counter.utilisation"] == 0.7 and f["littles_law.mean_in_system"] == 3.0
    assert f["communes_below_on_time_target"] == 1.0  # b; c completed nothing and is not counted
    assert f["communes_max.utilisation_counter"] == 0.9 and f["communes_max.p90_wait_minutes"] == 40
    assert run_figures(result, on_time_target=0.999)["communes_below_on_time_target"] == 2.0
    assert f["communes_above_wait_target"] == 1.0  # b's p90 of 40 minutes is above the default 30
    assert run_figures(result, wait_target_minutes=2)["communes_above_wait_target"] == 2.0


def _table(values):
    rows = [(v, r, "w", x) for v, xs in values.items() for r, x in enumerate(xs)]
    return pd.DataFrame(rows, columns=["variant", "replication", "figure", "value"])


def test_summary_is_student_t_and_the_difference_is_paired():
    a = [10.0, 12.0, 9.0, 14.0, 11.0]
    b = [x - 2 + d for x, d in zip(a, [0.1, -0.1, 0.0, 0.2, -0.2])]  # b moves with a: common random numbers
    s = summary_table(_table({"a": a, "b": b})).set_index("variant")
    sd = pd.Series(a).std()
    assert s.loc["a", "mean"] == pytest.approx(11.2)
    assert s.loc["a", "ci95_half_width"] == pytest.approx(stats.t.ppf(0.975, 4) * sd / math.sqrt(5))
    assert s.loc["b", "difference_to_baseline"] == pytest.approx(-2.0)
    diffs = pd.Series(b) - pd.Series(a)
    assert s.loc["b", "difference_ci95_half_width"] == pytest.approx(stats.t.ppf(0.975, 4) * diffs.std() / math.sqrt(5))
    assert s.loc["b", "difference_ci95_half_width"] < s.loc["b", "ci95_half_width"] / 5
    assert s.loc["a", "difference_to_baseline"] == 0 and s.loc["b", "paired_replications"] == 5


def test_paired_difference_uses_the_replications_both_have_and_a_chosen_baseline():
    s = summary_table(_table({"a": [1.0, 2.0, 3.0, 4.0], "b": [2.0, 3.0]}), baseline="b").set_index("variant")
    assert s.loc["a", "replications"] == 4 and s.loc["a", "paired_replications"] == 2
    assert s.loc["a", "difference_to_baseline"] == -1.0


def test_half_widths_missing():
    assert half_widths_missing({"tight": [1.0, 1.01, 0.99], "wide": [1, 5, 9], "one": [3.0]}, 0.1) == ["wide", "one"]


def test_mser5_cuts_an_initial_transient():
    transient = [100 - 10 * i for i in range(10)]  # 100 .. 10, then flat around 5
    flat = [5 + (0.5 if i % 2 else -0.5) for i in range(40)]
    cut = mser(transient + flat)
    assert cut["batches"] == 10
    assert cut["truncation_points"] == 10 and cut["truncation_batches"] == 2
    assert mser(flat)["truncation_points"] == 0
    assert mser([1, 2, 3])["truncation_points"] == 0  # too short to batch


def test_mser_searches_only_the_first_half():
    rising = [float(i) for i in range(50)]
    assert mser(rising)["truncation_batches"] <= 5


def test_ecdf_from_histograms_pools_replications():
    h1 = {"zeros": 2, "buckets": [[1.0, 2.0, 1], [4.0, 5.0, 1]]}
    h2 = {"zeros": 0, "buckets": [[1.0, 2.0, 3], [8.0, 9.0, 1]]}
    points = ecdf_from_histograms([h1, h2])
    assert points == [(0.0, 0.25), (2.0, 0.75), (5.0, 0.875), (9.0, 1.0)]
    assert quantile_from_ecdf(points, 0.5) == 2.0 and quantile_from_ecdf(points, 0.9) == 9.0
    assert ecdf_from_histograms([]) == []
