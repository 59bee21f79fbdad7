"""The standard plots: each PNG is read back (size, not blank) and the data behind it checked;
every text on every plot, in both languages, is words from the catalogue (no code names)."""
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import MMC

from conftest import assert_readable
from sim.cli import main
from sim.study import drawing
from sim.study.catalogue import label
from sim.study.experiment_plots import experiment_plots
from sim.study.experiments import load_experiment
from sim.study.plots import (
    backlog,
    by_field,
    commune_load,
    comparison_figure,
    figures_plot,
    staffing_curve,
    wait_ecdf,
)
from sim.study.runstore import backlog_table, communes_table, identity_hash, load_runs
from sim.study.sweep import run_sweep

EXPERIMENT = f"""\
name: plots
base: {MMC}
set: ["horizon.days=4", "horizon.warmup_days=0", "communes.count=3", "demand.dossiers_per_working_day=700"]
replications: 3
parameters:
  staff.per_commune.counter: [3, 4, 6]
plots:
  - {{kind: staffing_curve, x: staff.per_commune.counter, target_wait_minutes: 30}}
  - {{kind: wait_ecdf}}
  - {{kind: backlog}}
  - {{kind: commune_load, figure: utilisation_counter, worst: 2}}
  - {{kind: figures, figures: [mean_wait_minutes, pools.counter.utilisation], x: staff.per_commune.counter}}
  - {{kind: by_field, figures: [mean_wait_minutes, on_time_share]}}
"""


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    folder = tmp_path_factory.mktemp("plots")
    path = folder / "exp.yaml"
    path.write_text(EXPERIMENT, encoding="utf-8")
    experiment = load_experiment(path)
    result = run_sweep(experiment, folder / "out", "inprocess")
    expected = {v.id: identity_hash(v.scenario) for v in experiment.variants}
    records, _ = load_runs(folder / "out", expected)
    return experiment, result, records, folder


def assert_png(path: Path, min_width: int = 500):
    import matplotlib.image as mpimg

    image = mpimg.imread(path)
    assert image.ndim == 3 and image.shape[1] >= min_width and image.shape[0] >= 300
    pixels = image[..., :3].reshape(-1, 3)
    assert pixels.std(axis=0).max() > 0.05, "a blank image"
    assert len(np.unique((pixels * 255).astype(int), axis=0)) > 20, "hardly any colours: nothing drawn"


def test_the_sweep_draws_every_plot_with_its_data(swept):
    experiment, result, _, folder = swept
    assert result.manifest["warnings"] == []
    for name in ("staffing_curve", "wait_ecdf", "backlog", "commune_load", "figures", "by_field"):
        assert_png(folder / "out" / "plots" / f"{name}.png")
        assert not pd.read_csv(folder / "out" / "plots" / f"{name}.csv").empty
    assert "plots/staffing_curve.png" in result.manifest["files"]


def test_staffing_curve_data(swept, tmp_path):
    experiment, result, _, _ = swept
    points = [("", v.parameters["staff.per_commune.counter"], v.id) for v in experiment.variants]
    data = staffing_curve(result.summary, points, tmp_path / "s.png", "staff.per_commune.counter",
                          target_wait_minutes=30)
    assert_png(tmp_path / "s.png")
    p90 = data[data.figure == "p90_wait_minutes"].sort_values("x")
    assert list(p90.x) == [3, 4, 6]
    assert p90["mean"].is_monotonic_decreasing and (p90["ci95_half_width"] >= 0).all()
    util = data[data.figure == "pools.counter.utilisation"].sort_values("x")["mean"]
    assert util.is_monotonic_decreasing and util.between(0, 1).all()


def test_wait_ecdf_data(swept, tmp_path):
    experiment, _, records, _ = swept
    hists = {v.label: [rec["result"]["wait_histogram_minutes"] for (vid, _), rec in records.items() if vid == v.id]
             for v in experiment.variants}
    data = wait_ecdf(hists, tmp_path / "e.png")
    assert_png(tmp_path / "e.png")
    for _, part in data.groupby("variant"):
        assert part["share_at_most"].is_monotonic_increasing and part["share_at_most"].iloc[-1] == pytest.approx(1)
    # more counters, more dossiers served at once
    first = data.groupby("variant")["share_at_most"].first()
    assert first["counter=6"] > first["counter=3"]


def test_backlog_data(swept, tmp_path):
    experiment, _, records, _ = swept
    table = backlog_table(experiment, records)
    data = backlog(table, {v.id: v.label for v in experiment.variants}, tmp_path / "b.png")
    assert_png(tmp_path / "b.png")
    assert list(data[data.variant == "v00"].working_day) == [1, 2, 3, 4]  # 24/7 calendar: every day works
    day1 = table[(table.variant == "v00") & (table.day == 0)]["dossiers_in_process_end_of_day"].mean()
    assert data.iloc[0]["mean"] == pytest.approx(day1)


def test_commune_load_sorted_with_the_worst_first(swept, tmp_path):
    experiment, _, records, _ = swept
    communes = communes_table(experiment, records)
    data = commune_load(communes, {v.id: v.label for v in experiment.variants}, "utilisation_counter",
                        tmp_path / "c.png", worst=2)
    assert_png(tmp_path / "c.png")
    v0 = data[data.variant == "v00"]
    assert len(v0) == 3 and v0["mean"].is_monotonic_decreasing and list(v0["rank"]) == [1, 2, 3]
    expected = communes[communes.variant == "v00"].groupby("commune")["utilisation_counter"].mean().max()
    assert v0["mean"].iloc[0] == pytest.approx(expected)


def test_figures_and_by_field(swept, tmp_path):
    experiment, result, _, _ = swept
    variants = [(v.id, v.label, None) for v in experiment.variants]
    data = figures_plot(result.summary, ["on_time_share", "mean_wait_minutes"], variants, tmp_path / "f.png")
    assert_png(tmp_path / "f.png")
    assert len(data) == 6 and set(data.figure) == {"on_time_share", "mean_wait_minutes"}
    data = by_field(result.summary, ["mean_wait_minutes"], ["any"], [(v.id, v.label) for v in experiment.variants],
                    tmp_path / "g.png")
    assert_png(tmp_path / "g.png")
    region = result.summary.set_index(["variant", "figure"]).loc[("v00", "mean_wait_minutes"), "mean"]
    assert data.iloc[0]["mean"] == pytest.approx(region)  # one field: the field is the region


def test_labels_carry_units():
    assert label("mean_wait_minutes") == "mean waiting time before first service (working minutes)"
    assert label("pools.back_office.utilisation") == "back office: utilisation (share of staff time busy) (%)"
    assert label("utilisation_counter", "vi") == "quầy tiếp nhận: tỷ lệ thời gian bận của công chức (%)"
    assert "(calendar days)" in label("by_field.land.mean_time_in_system_days")
    assert "(dossiers)" in label("dossiers_in_process")


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_no_plot_shows_a_code_name_or_a_scientific_number(swept, tmp_path, plot_texts, lang):
    experiment, result, records, _ = swept
    from sim.study.runstore import results_table

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a glyph missing from the font is a warning: fail on it
        files, problems = experiment_plots(experiment, tmp_path, results_table(experiment, records), result.summary,
                                           records, lang)
        rows = [{"figure": f, "scenario": s, "mean": m, "ci95_half_width": 0.1, "difference_to_first": d,
                 "difference_ci95_half_width": 0.00002} for f in ("mean_wait_minutes", "on_time_share", "utilisation_counter")
                for s, m, d in (("a", 0.9, 0.0), ("b", 0.8, -0.0000437))]
        comparison_figure(rows, ["Hà Nội, one more counter", "two"], tmp_path / "c.png", where="Hà Nội, 1–13/7/2025",
                          lang=lang)
    assert problems == [] and len(plot_texts) == 7
    assert_readable(plot_texts)
    titles = [found[0] for _, found in plot_texts]  # the title comes first: it names the place and period
    assert all("1/7" in t or "July" in t or "1–13" in t for t in titles), titles


def test_more_than_six_series_are_split_over_panels(tmp_path):
    import matplotlib

    histograms = {f"variant {k}": [{"zeros": 10, "buckets": [[1.0, 2.0, 5 + k]]}] for k in range(9)}
    wait_ecdf(histograms, tmp_path / "e.png", where="somewhere")
    seen = []
    original = drawing.save
    try:
        drawing.save = lambda fig, path: seen.append([len(ax.get_lines()) for ax in fig.axes]) or original(fig, path)
        wait_ecdf(histograms, tmp_path / "e.png", where="somewhere")
    finally:
        drawing.save = original
    # nine curves in two panels (plus a target line and the 90% line in each): none holds more than six curves
    assert len(seen[0]) == 2 and all(n - 2 <= 6 for n in seen[0]), seen
    assert matplotlib.get_backend().lower() == "agg"


def test_comparison_figure_and_compare_out_writes_it(tmp_path, capsys):
    out = tmp_path / "cmp"
    code = main(["compare", str(MMC), str(MMC), "--set", "horizon.days=3", "--set", "horizon.warmup_days=0.5",
                 "--replications", "2", "--out", str(out), "--quiet"])
    assert code == 0
    assert_png(out / "comparison.png", min_width=1000)
    rows = pd.read_csv(out / "comparison.csv").to_dict("records")
    data = comparison_figure(rows, [str(MMC), "b"], tmp_path / "x.png")
    assert_png(tmp_path / "x.png", min_width=1000)
    assert set(data.figure) >= {"mean_wait_minutes", "on_time_share", "utilisation_counter"}
