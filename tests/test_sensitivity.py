"""The calibration's plots: one panel per figure (sensitivity) or target (calibration report), not
blank, every text in words from the catalogue."""
import matplotlib.image as mpimg
import numpy as np
import pytest

from conftest import assert_readable
from sim.calibration import report
from sim.calibration.sensitivity import plot


def _rows():
    rows = []
    for figure, base in (("mean_wait_minutes", 2.0), ("on_time_share", 0.9), ("back_office_utilisation", 0.7)):
        for assumption, effect in (("staff.per_commune.counter", -30.0), ("back_office_minutes", 12.0)):
            for factor in (0.8, 1.2):
                change = effect if factor > 1 else -effect
                rows.append({"figure": figure, "assumption": assumption, "factor": factor, "base": base,
                             "change_percent": change, "change_ci95_half_width": base * 0.02,
                             "description": "test"})
    return rows


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_plot_draws_every_figure_and_is_not_blank(tmp_path, plot_texts, lang):
    path = tmp_path / "sensitivity.png"
    plot(path, "Đà Nẵng, 1 July – 30 September 2025", _rows(), 0.2, lang)
    image = mpimg.imread(path)
    assert image.shape[0] > 200 and image.shape[1] > 400
    assert np.std(image[..., :3]) > 0.05  # bars, text and axes, not a single colour
    assert not list(tmp_path.glob(".*"))  # written atomically: no temporary file left
    assert_readable(plot_texts)
    assert "Đà Nẵng" in plot_texts[0][1][0]


def test_calibration_plot_names_targets_by_their_description(tmp_path, plot_texts):
    rows = [{"id": "danang_received", "figure": "Dossiers received at the communes and wards", "unit": "dossiers",
             "derived": False, "value": 182661, "tolerance": {"relative": 0.02}, "simulated_mean": 181000.0,
             "simulated_ci95_half_width": 900.0, "before_calibration": 170000.0},
            {"id": "danang_in_process_share", "figure": "Share in process", "unit": "share", "derived": True,
             "value": 0.05, "tolerance": {"absolute": 0.01}, "simulated_mean": 0.052,
             "simulated_ci95_half_width": float("nan"), "before_calibration": 0.2}]
    report.plot(tmp_path / "report.png", "Đà Nẵng, 1 July – 30 September 2025", rows)
    assert_readable(plot_texts)
    texts = " ".join(plot_texts[0][1])
    assert "Dossiers received at the communes and wards" in texts and "danang_received" not in texts


@pytest.mark.parametrize("lang, words", [("en", ("at 30 September 2025", "UNMET", "acceptable range", "prediction interval")),
                                          ("vi", ("tại ngày 30/9/2025", "KHÔNG ĐẠT", "khoảng chấp nhận", "khoảng dự báo"))])
def test_calibration_plot_shows_checkpoints_ranges_and_unmet_in_both_languages(tmp_path, plot_texts, lang, words):
    rows = [{"id": "on_time", "figure": "On-time share, at least 95% (assumption)", "unit": "share", "derived": False,
             "value": None, "tolerance": None, "range": {"min": 0.95, "max": None}, "at": None, "status": "UNMET",
             "weight": 10000.0, "simulated_mean": 0.93, "simulated_ci95_half_width": 0.004, "before_calibration": 0.74},
            {"id": "in_process", "figure": "Dossiers in process", "unit": "dossiers", "derived": False, "value": 9603,
             "tolerance": {"relative": 0.15}, "range": None, "at": "2025-09-30", "status": "within", "weight": 0,
             "simulated_mean": 9500.0, "simulated_ci95_half_width": 120.0, "before_calibration": 7100.0,
             "prediction_ci95": [9100.0, 9900.0]}]
    report.plot(tmp_path / "report.png", "Đà Nẵng, 1 July – 30 September 2025", rows, lang)
    assert_readable(plot_texts)
    texts = " ".join(plot_texts[0][1])
    for word in words:
        assert word in texts, (word, texts)
