"""The catalogue of words: every entry in both languages, Vietnamese with its diacritics, and the
words the code asks for are there (a key missing in either language fails here, not in a report)."""
import ast
import datetime as dt
import re
import unicodedata
from pathlib import Path

import pytest

from sim.scenario import schema
from sim.study import catalogue
from sim.study.catalogue import (
    FIGURES,
    KEY_FIGURES,
    LANGUAGES,
    LIMITS,
    PARAMETERS,
    PARTS,
    SUMMARY_FIGURES,
    TEXT,
    figure,
    label,
    number,
    short_names,
)

SIM = Path(__file__).resolve().parents[1] / "sim"
#: Entries that are the same in both languages on purpose: symbols and formula names.
NEUTRAL = {"± 95%", "%", "Erlang C"}


def test_every_figure_has_both_languages_and_units():
    for f in FIGURES.values():
        for lang in LANGUAGES:
            assert f.label(lang).strip() and f.unit(lang).strip(), (f.name, lang)
        assert f.better in ("lower", "higher", None), f.name
        assert f.scope, f.name
        f.fmt.format(1.5)
    for p in PARAMETERS.values():
        assert p.label("en").strip() and p.label("vi").strip(), p.name
        assert bool(p.unit("en")) == bool(p.unit("vi")), p.name


@pytest.mark.parametrize("table", [PARTS, TEXT], ids=["parts", "text"])
def test_every_text_entry_has_both_languages(table):
    for key, entry in table.items():
        assert set(entry) == set(LANGUAGES), key
        assert all(entry[lang].strip() for lang in LANGUAGES), key


def test_every_text_takes_the_same_fields_in_both_languages():
    for key, entry in TEXT.items():
        fields = {lang: set(re.findall(r"{(\w*)}", entry[lang])) for lang in LANGUAGES}
        assert fields["en"] == fields["vi"], key


def test_limits_are_in_both_languages():
    assert len(LIMITS) >= 5
    for item in LIMITS:
        assert set(item) == set(LANGUAGES) and all(item[lang].strip() for lang in LANGUAGES)


def _entries():
    return ([(f.vi, f.en) for f in FIGURES.values()] + [(p.vi, p.en) for p in PARAMETERS.values()]
            + [(e["vi"], e["en"]) for t in (PARTS, TEXT) for e in t.values()] + [(e["vi"], e["en"]) for e in LIMITS])


def test_vietnamese_is_nfc_and_not_a_copy_of_the_english():
    for vi, en in _entries():
        assert unicodedata.normalize("NFC", vi) == vi
        letters = re.sub(r"{\w*}", "", vi)  # a sentence made only of fields (and punctuation) is neutral
        assert vi != en or vi in NEUTRAL or vi in PARTS or not re.search(r"[^\W\d_]", letters), vi
    # the terms of Vietnamese reports are there (glossary-vi.md)
    words = " ".join(vi for vi, _ in _entries())
    for term in ("hồ sơ", "đúng hạn", "đang giải quyết", "đã giải quyết", "tiếp nhận", "công chức", "quá hạn",
                 "khoảng tin cậy 95%", "kịch bản", "phương án", "giả định", "số liệu công bố"):
        assert term in words, term


def _keys_used_in_code() -> set[str]:
    """Every literal first argument of text(...), ctx.t(...), cat.text(...) and, for the
    calibration's progress lines, log(...) / self.log(...) in the package (both literals of
    ``text("a" if x else "b", ...)``)."""
    used = set()
    for path in SIM.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and node.args and (getattr(node.func, "attr", None) in ("text", "t", "log")
                                                                  or getattr(node.func, "id", None) in ("text", "log"))):
                continue
            first = node.args[0]
            for arg in (first.body, first.orelse) if isinstance(first, ast.IfExp) else (first,):
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    used.add(arg.value)
    return used


def test_every_word_the_code_asks_for_is_in_the_catalogue():
    used = _keys_used_in_code()
    assert len(used) > 60  # the walk finds the calls
    missing = sorted(k for k in used if k not in TEXT)
    assert missing == [], missing


def test_progress_and_stop_lines_are_in_both_languages():
    """What run, compare, sweep, staff and calibrate print while they work or when they stop:
    every such key the code asks for (the walk above finds the calibration's log keys too) is in
    both languages, in the glossary's words."""
    used = _keys_used_in_code()
    progress = {k for k in TEXT if k.startswith(("progress_", "stop_", "signal_", "calibrate_", "sweep_", "run_kept",
                                                  "compare_", "staff_worker", "write_failed", "sensitivity_"))}
    assert len(progress) >= 35 and progress - {"calibrate_stage_fit", "calibrate_stage_refit"} <= used
    for key in progress:
        assert set(TEXT[key]) == set(LANGUAGES) and all(TEXT[key][lang].strip() for lang in LANGUAGES), key
    assert catalogue.text("progress_replication", "vi", k=3, n=10) == "lần mô phỏng 3/10"
    assert catalogue.text("progress_replication", "en", k=3, n=10) == "replication 3/10"
    assert "lần mô phỏng" in catalogue.text("run_kept", "vi", why="x", kept=1, total=2, folder="f")


def test_a_stop_reason_recorded_in_english_is_said_in_the_language_asked():
    english = catalogue.text("stop_worker_died", "en")
    assert catalogue.stop_reason(f"{english}: BrokenProcessPool", "vi") == \
        catalogue.text("stop_worker_died", "vi") + ": BrokenProcessPool"
    assert catalogue.stop_reason(None, "vi") == catalogue.text("stop_interrupted", "vi")
    assert catalogue.stop_reason("OSError: disk full", "vi") == "OSError: disk full"  # the system's words, as given
    assert catalogue.stop_reason(catalogue.text("stop_interrupted", "en"), "en") == "interrupted (Ctrl-C or SIGTERM)"


def test_every_figure_a_table_shows_is_in_the_catalogue():
    for name in (*KEY_FIGURES, *SUMMARY_FIGURES):
        figure(name)


def test_breakdowns_are_looked_up_by_their_last_part():
    assert figure("pools.counter.utilisation") is FIGURES["utilisation"]
    assert figure("by_field.land.on_time_share").better == "higher"
    assert figure("utilisation_back_office") is FIGURES["utilisation"]
    assert label("by_field.land.on_time_share", "vi") == "đất đai: tỷ lệ giải quyết đúng hạn (trước và đúng hạn) (%)"
    assert label("communes_max.p90_wait_minutes").startswith("worst commune: waiting time")
    with pytest.raises(KeyError, match="catalogue"):
        figure("no_such_figure")


def test_numbers_print_the_way_each_language_writes_them():
    assert number(1234.5, "{:,.1f}", "en") == "1,234.5"
    assert number(1234.5, "{:,.1f}", "vi") == "1.234,5"
    assert number(0.953, "{:.3f}", "vi") == "0,953"
    assert number(-0.0001, "{:.1f}") == "0.0"  # no "-0.0"
    assert number(None) == number(float("nan")) == "—"
    assert catalogue.value("on_time_share", 0.9534, "vi") == "95,3%"
    assert catalogue.value("mean_wait_minutes", 0.00002, "en", signed=True) == "0.0"  # no "+0.0"
    assert catalogue.part("counter", "vi") == "quầy tiếp nhận" and catalogue.part("my_pool") == "my pool"


def test_differences_and_intervals_read_in_plain_decimals_with_units():
    assert catalogue.difference("mean_wait_minutes", -5.23, 0.8) == \
        "-5.2 working minutes (95% interval -6.0 to -4.4)"
    assert catalogue.difference("on_time_share", 0.0123, 0.002, "vi") == \
        "+1,2% (khoảng tin cậy 95%: +1,0% đến +1,4%)"
    assert catalogue.interval("communes_above_wait_target", 0.4, 1.1, floor=0, ceiling=3) == \
        "0.4 (95% interval 0.0–1.5)"
    assert "e-" not in catalogue.difference("utilisation", 4.37e-05, 1e-6)


def test_period_place_and_short_names():
    assert catalogue.period(dt.date(2025, 7, 1), 13) == "1–13 July 2025"
    assert catalogue.period("2025-07-01", 92, "vi") == "1/7–30/9/2025"
    assert catalogue.period("2025-07-01", 92) == "1 July – 30 September 2025"
    assert catalogue.place("Hà Nội, 1–13 July 2025 (first 13 days)") == "Hà Nội"
    shared, short = short_names(["Hà Nội, 1–13 July 2025, one more counter per commune",
                                 "Hà Nội, 1–13 July 2025, open Saturday mornings"])
    assert shared == "Hà Nội, 1–13 July 2025" and short == ["one more counter per commune", "open Saturday mornings"]
    assert short_names(["a", "a"])[1] == ["a", "a"]
    assert all(len(s) <= 20 for s in short_names(["x " * 30, "y " * 30], 20)[1])


def test_variant_labels_are_words():
    assert catalogue.variant_label({"staff.per_commune.counter": 4}) == "counter staff per commune 4"
    assert catalogue.variant_label({"online_share": 0.5}, "vi") == "tỷ lệ nộp trực tuyến 50%"
    assert catalogue.variant_label({"staff.allocation.policy": "proportional"}, "vi") == \
        "cách phân bổ công chức theo khối lượng công việc"


def test_the_schema_knows_the_catalogue_languages():
    assert set(schema.LANGUAGES) == set(LANGUAGES)
