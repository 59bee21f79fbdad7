"""Helpers shared by the test files."""
import re
from pathlib import Path

import pytest

#: An identifier such as back_office_minutes: a code name a reader should never see on a plot.
CODE_NAME = re.compile(r"[A-Za-z0-9]+_[A-Za-z0-9_]+")
#: A number in scientific notation (4.37e-05): plots print plain decimals.
SCIENTIFIC = re.compile(r"\d[eE][+-]?\d")


@pytest.fixture
def plot_texts(monkeypatch):
    """[(file name, [every text of the figure])] for every plot saved while the test runs: the
    matplotlib Figure's titles, axis labels, tick labels, legends and notes, walked before saving."""
    from sim.study import drawing

    seen = []
    save = drawing.save

    def checked(fig, path):
        seen.append((Path(str(getattr(path, "name", path))).name, drawing.figure_texts(fig)))
        return save(fig, path)

    monkeypatch.setattr(drawing, "save", checked)
    return seen


def assert_readable(texts):
    """No code name and no scientific notation in any text of any plot; every plot has words."""
    assert texts, "no plot was drawn"
    for name, found in texts:
        assert found, name
        for text in found:
            assert not CODE_NAME.search(text), (name, text)
            assert not SCIENTIFIC.search(text), (name, text)
