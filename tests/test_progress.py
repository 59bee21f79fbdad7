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


def test_the_time_left_is_in_the_language_of_the_command():
    for lang, words in (("en", "ETA"), ("vi", "còn khoảng")):
        out = Terminal()
        bar = ProgressBar("run", stream=out, delay_seconds=0, lang=lang)
        bar(0.5, "")
        bar.close()
        assert words in out.getvalue()
    assert "ETA" not in out.getvalue()


def test_the_runner_words_its_notes_in_the_scenario_language():
    """A Vietnamese scenario (or --lang vi) gets Vietnamese notes; ``lang`` overrides (compare
    words every scenario's notes in the first one's language)."""
    from sim.study.api import load_scenario
    from sim.study.runner import run_replications

    base = ["horizon.days=3", "horizon.warmup_days=0", "replications=2"]
    scenario = load_scenario("validation/tandem", base + ["outputs.language=vi"])  # two stages: simulated day by day
    notes = set()
    run_replications(scenario, jobs=1, executor="inprocess", progress=lambda f, note: notes.add(note))
    assert notes == {"lần mô phỏng 1/2", "lần mô phỏng 2/2"}
    notes.clear()
    run_replications(scenario, jobs=1, executor="inprocess", progress=lambda f, note: notes.add(note), lang="en")
    assert notes == {"replication 1/2", "replication 2/2"}
