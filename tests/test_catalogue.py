"""The catalogue of words: every entry in both languages, Vietnamese with its diacritics."""
import unicodedata

import pytest

from sim.study import catalogue
from sim.study.catalogue import FIGURES, PARTS, TEXT, LANGUAGES, figure, number


def test_every_figure_has_both_languages_and_units():
    for f in FIGURES.values():
        for lang in LANGUAGES:
            assert f.label(lang).strip() and f.unit(lang).strip(), (f.name, lang)
        assert f.better in ("lower", "higher", None), f.name
        f.fmt.format(1.5)


@pytest.mark.parametrize("table", [PARTS, TEXT], ids=["parts", "text"])
def test_every_text_entry_has_both_languages(table):
    for key, entry in table.items():
        assert set(entry) == set(LANGUAGES), key
        assert all(entry[lang].strip() for lang in LANGUAGES), key


def test_vietnamese_is_nfc_and_not_a_copy_of_the_english():
    entries = [(f.vi, f.en) for f in FIGURES.values()] + [(e["vi"], e["en"]) for t in (PARTS, TEXT) for e in t.values()]
    for vi, en in entries:
        assert unicodedata.normalize("NFC", vi) == vi
        assert vi != en or vi in ("Erlang C",), vi
    # the terms of Vietnamese reports are there (hồ sơ, đúng hạn, đang giải quyết)
    words = " ".join(vi for vi, _ in entries)
    for term in ("hồ sơ", "đúng hạn", "đang giải quyết", "đã giải quyết", "tiếp nhận", "công chức"):
        assert term in words, term


def test_breakdowns_are_looked_up_by_their_last_part():
    assert figure("pools.counter.utilisation") is FIGURES["utilisation"]
    assert figure("by_field.land.on_time_share").better == "higher"
    with pytest.raises(KeyError, match="catalogue"):
        figure("no_such_figure")


def test_numbers_print_the_way_each_language_writes_them():
    assert number(1234.5, "{:,.1f}", "en") == "1,234.5"
    assert number(1234.5, "{:,.1f}", "vi") == "1.234,5"
    assert number(0.953, "{:.3f}", "vi") == "0,953"
    assert number(None) == number(float("nan")) == "—"
    assert catalogue.part("counter", "vi") == "quầy tiếp nhận" and catalogue.part("my_pool") == "my pool"
