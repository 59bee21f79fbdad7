"""The sensitivity plot: one panel per figure, a bar per assumption and direction."""
import matplotlib.image as mpimg
import numpy as np

from sim.calibration.sensitivity import plot


def _rows():
    rows = []
    for figure, base in (("mean_wait_minutes", 2.0), ("on_time_share", 0.9)):
        for assumption, effect in (("staff.per_commune.counter", -30.0), ("back_office_minutes", 12.0)):
            for factor in (0.8, 1.2):
                change = effect if factor > 1 else -effect
                rows.append({"figure": figure, "assumption": assumption, "factor": factor, "base": base,
                             "change_percent": change, "change_ci95_half_width": base * 0.02,
                             "description": "test"})
    return rows


def test_plot_draws_every_figure_and_is_not_blank(tmp_path):
    path = tmp_path / "sensitivity.png"
    plot(path, "test", _rows(), 0.2)
    image = mpimg.imread(path)
    assert image.shape[0] > 200 and image.shape[1] > 400
    assert np.std(image[..., :3]) > 0.05  # bars, text and axes, not a single colour
    assert not list(tmp_path.glob(".*"))  # written atomically: no temporary file left
