"""The progress bar: only on a terminal, only after a delay, and it ends its line."""
import io

from sim.study.progress import ProgressBar


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_silent_when_not_a_terminal():
    out = io.StringIO()
    bar = ProgressBar("run", stream=out, delay_seconds=0)
    bar(0.5, "half")
    bar.close()
    assert out.getvalue() == ""


def test_draws_on_a_terminal_after_the_delay():
    out = Terminal()
    bar = ProgressBar("run", stream=out, delay_seconds=0)
    bar(0.5, "replication 1/2")
    bar(1.0, "replication 2/2")
    bar.close()
    text = out.getvalue()
    assert "\rrun [" in text and "50.0%" in text and "100.0%" in text and "replication 1/2" in text
    assert text.endswith("\n")


def test_quick_runs_print_nothing():
    out = Terminal()
    bar = ProgressBar("run", stream=out, delay_seconds=60)
    bar(1.0)
    bar.close()
    assert out.getvalue() == ""
