"""The words of every output a person reads, in English and Vietnamese, from one place.

``FIGURES`` names every figure the tool reports: its label and unit in both languages, how
to print it, which direction is better (``"lower"`` for waits, ``"higher"`` for on-time
shares, ``None`` for counts that are neither) and where it appears (``scope``: a region or
breakdown figure, a staff pool's, a commune's, an experiment's count of communes).
``PARTS`` names the parts a figure can be broken down by (pools, fields, channels) and the
values of policies. ``PARAMETERS`` names what an experiment or a calibration varies.
``TEXT`` holds every other string a planner reads: table headings, plot titles and axes,
report sentences. ``LIMITS`` is what the model does not represent. Terminal tables,
``compare``, ``sweep``, plots, reports and the calibration outputs all take their words from
here, so a label is changed once and a missing translation is a failing test
(``tests/test_catalogue.py``), not a silent English word in a Vietnamese report.

Vietnamese follows the terms of Vietnamese administrative reports (hồ sơ, tiếp nhận, đã giải
quyết, đang giải quyết, trước hạn / đúng hạn / quá hạn, công chức, bộ phận một cửa; see
``../shared/glossary-vi.md``), with full diacritics. Numbers are printed the Vietnamese way
in Vietnamese (1.234,5) and the English way in English (1,234.5).

This module is long because it is a dictionary: the words live in ``catalogue_text.py``
(plain tables, no logic); the lookups live here.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

from .catalogue_text import FIGURE_ROWS, LIMITS, MONTHS_EN, PARAMETER_ROWS, PARTS, TEXT

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "en"
SHARE = "{:.1%}"
__all__ = ["KEY_FIGURES", "SUMMARY_FIGURES", "names_in", "FIGURES", "PARTS", "PARAMETERS", "TEXT", "LIMITS", "LANGUAGES", "DEFAULT_LANGUAGE", "Figure",
           "figure", "label", "unit", "value", "resolution", "interval", "difference", "part", "text", "stop_reason", "number", "parameter", "period", "period_detail",
           "place", "short_names", "variant_label", "check_language", "finite"]


@dataclass(frozen=True)
class Figure:
    """A reported figure: what it is called and measured in, how it prints, what is better."""

    name: str
    en: str
    vi: str
    unit_en: str
    unit_vi: str
    better: str | None = None  # "lower", "higher", or None
    fmt: str = "{:.1f}"
    scope: tuple[str, ...] = ("region",)

    def label(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return self.vi if lang == "vi" else self.en

    def unit(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return self.unit_vi if lang == "vi" else self.unit_en

    def label_with_unit(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return f"{self.label(lang)} ({self.unit(lang)})"

    @property
    def is_share(self) -> bool:
        return self.fmt == SHARE


FIGURES: dict[str, Figure] = {row[0]: Figure(*row) for row in FIGURE_ROWS}
#: The figures of the key-figure tables (``run``, ``compare``, reports), in reading order.
KEY_FIGURES = ("dossiers_arrived", "dossiers_completed", "dossiers_in_process", "dossiers_overdue_in_process",
               "dossiers_held_for_appointment",
               "mean_wait_minutes", "p50_wait_minutes", "p90_wait_minutes", "p95_wait_minutes",
               "probability_of_waiting", "mean_time_in_system_days", "p90_time_in_system_days",
               "mean_time_in_system_working_days", "p90_time_in_system_working_days", "on_time_share",
               "early_share", "on_due_date_share", "late_share")
#: The figures of one-line-per-variant tables (``sweep``, experiment reports).
SUMMARY_FIGURES = ("mean_wait_minutes", "p90_wait_minutes", "on_time_share", "communes_above_wait_target",
                   "communes_below_on_time_target")


def names_in(scope: str) -> tuple[str, ...]:
    """The figures that appear in ``scope`` ("region", "pool", "commune", "experiment", ...)."""
    return tuple(name for name, f in FIGURES.items() if scope in f.scope)


@dataclass(frozen=True)
class Parameter:
    """Something an experiment or a calibration varies (a scenario key path or a short name)."""

    name: str
    en: str
    vi: str
    unit_en: str
    unit_vi: str
    fmt: str = "{:g}"

    def label(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return self.vi if lang == "vi" else self.en

    def unit(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return self.unit_vi if lang == "vi" else self.unit_en


PARAMETERS: dict[str, Parameter] = {row[0]: Parameter(*row) for row in PARAMETER_ROWS}


def check_language(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"language {lang!r} is not one of {', '.join(LANGUAGES)}")
    return lang


# ------------------------------------------------------------------ figures
def figure(name: str) -> Figure:
    """The catalogue entry of ``name``; a breakdown such as ``pools.counter.utilisation``,
    ``by_field.land.on_time_share`` or a commune column ``utilisation_counter`` is looked up
    by its last part."""
    key = name.rsplit(".", 1)[-1]
    for prefix in ("utilisation_", "staff_"):
        if key.startswith(prefix) and key not in FIGURES:
            key = prefix.rstrip("_")
    if key not in FIGURES:
        raise KeyError(f"figure {name!r} is not in the catalogue (sim/study/catalogue_text.py)")
    return FIGURES[key]


def _pool_of(name: str) -> str | None:
    last = name.rsplit(".", 1)[-1]
    for prefix in ("utilisation_", "staff_"):
        if last.startswith(prefix) and last not in FIGURES:
            return last.removeprefix(prefix)
    return None


def label(name: str, lang: str = DEFAULT_LANGUAGE, with_unit: bool = True) -> str:
    """A figure's label as a reader says it, with the part it is about and its unit:
    ``pools.counter.utilisation`` -> "counter (intake): utilisation (share of staff time busy) (%)"."""
    entry = figure(name)
    base = entry.label(lang)
    parts = name.split(".")
    pool = _pool_of(name)
    if pool:
        base = f"{part(pool, lang)}: {base}"
    if parts[0] in ("pools", "by_field", "by_channel") and len(parts) == 3:
        base = f"{part(parts[1], lang)}: {base}"
    if parts[0] == "communes_max":
        base = text("worst_commune_of", lang, figure=base)
    return f"{base} ({entry.unit(lang)})" if with_unit else base


def unit(name: str, lang: str = DEFAULT_LANGUAGE) -> str:
    return figure(name).unit(lang)


def value(name: str, x, lang: str = DEFAULT_LANGUAGE, signed: bool = False) -> str:
    """``x`` printed the way figure ``name`` prints (a share as a percentage) in ``lang``; with
    ``signed``, a plus sign on a positive value that does not print as zero."""
    out = number(x, figure(name).fmt, lang)
    return ("+" + out) if signed and out != "—" and x > 0 and re.search(r"[1-9]", out) else out


def resolution(name: str) -> float:
    """Half the last digit figure ``name`` prints: a difference smaller than this prints as zero."""
    fmt = figure(name).fmt
    digits = int(re.search(r"\.(\d+)", fmt).group(1)) if "." in fmt else 0
    return 0.5 * 10 ** -(digits + (2 if "%" in fmt else 0))


def interval(name: str, mean, half_width, lang: str = DEFAULT_LANGUAGE, floor: float | None = None,
             ceiling: float | None = None, compact: bool = False) -> str:
    """"12.3 (95% interval 11.1–13.5)" in the figure's format (``compact``: "12.3 (11.1–13.5)", for a
    table whose heading says what the brackets hold); an interval on a count of things is kept
    within [``floor``, ``ceiling``]."""
    if mean is None or half_width is None or not finite(half_width) or not finite(mean):
        return value(name, mean, lang)
    if half_width == 0:  # every replication gave the same value: no interval to show
        whole = float(mean).is_integer() and not figure(name).is_share
        return number(mean, "{:,.0f}", lang) if whole else value(name, mean, lang)
    low, high = mean - half_width, mean + half_width
    if floor is not None:
        low = max(low, floor)
    if ceiling is not None:
        high = min(high, ceiling)
    return text("compact_interval" if compact else "value_interval", lang, value=value(name, mean, lang),
                low=value(name, low, lang), high=value(name, high, lang))


def finite(x) -> bool:
    """A real number (not None, NaN or infinite)."""
    return isinstance(x, (int, float)) and math.isfinite(x)


def difference(name: str, d, half_width, lang: str = DEFAULT_LANGUAGE, compact: bool = False) -> str:
    """A paired difference with its unit and interval: "−5.2 working minutes (95% interval −6.0 to −4.4)"
    (``compact``: "−5.2 (−6.0 to −4.4)"); a difference of shares reads in percentage points ("−1.2%")."""
    entry = figure(name)
    unit_text = "" if entry.is_share or compact else f" {entry.unit(lang)}"
    shown = value(name, d, lang, signed=True) + unit_text
    if not (finite(d) and finite(half_width)):
        return shown
    return text("compact_difference" if compact else "difference_interval", lang, value=shown,
                low=value(name, d - half_width, lang, signed=True), high=value(name, d + half_width, lang, signed=True))


# ------------------------------------------------------------------ parts and parameters
def part(name: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A pool, channel, field or policy name as a reader says it; a scenario's own names pass through."""
    entry = PARTS.get(name)
    return entry[lang] if entry else str(name).replace("_", " ")


def parameter(name: str, lang: str = DEFAULT_LANGUAGE, with_unit: bool = True, words: dict | None = None) -> str:
    """What an experiment varies, as an axis label: ``staff.per_commune.counter`` ->
    "counter staff per commune (staff)"; an unknown path reads as its words, or as the
    experiment file's own translation of it (``words``: its ``words[lang]``)."""
    if words and name in words:
        return words[name]
    entry = PARAMETERS.get(name)
    if entry is None:
        return name.rsplit(".", 1)[-1].replace("_", " ")
    return f"{entry.label(lang)} ({entry.unit(lang)})" if with_unit and entry.unit(lang) else entry.label(lang)


def parameter_value(name: str, x, lang: str = DEFAULT_LANGUAGE, scenario_names: dict | None = None,
                    words: dict | None = None) -> str:
    """A parameter's level as a reader says it (a share as %, a policy by its words, a scenario by its
    name, a level label by the experiment file's own translation in ``words``)."""
    if name == "scenario" and scenario_names and x in scenario_names:
        return (words or {}).get(x, scenario_names[x])
    if isinstance(x, str) and words and x in words:
        return words[x]
    if name == "communes.province" and isinstance(x, str):
        return _province_name(x)
    if isinstance(x, str):
        return part(x.rsplit("/", 1)[-1].removesuffix(".yaml"), lang)
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return str(x)
    entry = PARAMETERS.get(name)
    return number(x, entry.fmt if entry else "{:g}", lang)


def _province_name(text: str) -> str:
    """A province level ("48", "da nang") as its official name; as written when it names none."""
    from .. import reference

    try:
        return reference.find_province(text).name
    except LookupError:
        return text


def variant_label(parameters: dict, lang: str = DEFAULT_LANGUAGE, scenario_names: dict | None = None,
                  words: dict | None = None) -> str:
    """A variant named by its parameter levels: "counter staff per commune 4, share online 50%"."""
    if not parameters:
        return text("base_variant", lang)
    items = []
    for name, x in parameters.items():
        level = parameter_value(name, x, lang, scenario_names, words)
        items.append(level if name in ("scenario", "communes.province") else f"{parameter(name, lang, with_unit=False, words=words)} {level}")
    return ", ".join(items)


# ------------------------------------------------------------------ sentences
def text(key: str, lang: str = DEFAULT_LANGUAGE, **fields) -> str:
    return TEXT[key][lang].format(**fields)


def stop_reason(error: str | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """Why a run stopped early, in ``lang``. Manifests record it in English, in the catalogue's
    words (``stop_interrupted``, ``stop_worker_died``, then any detail); a reason of another kind
    (an error from the system) is given as it is."""
    error = error or TEXT["stop_interrupted"]["en"]
    for key in ("stop_interrupted", "stop_worker_died"):
        english = TEXT[key]["en"]
        if error.startswith(english):
            return TEXT[key][lang] + error[len(english):]
    return error


def number(x, fmt: str = "{:.1f}", lang: str = DEFAULT_LANGUAGE) -> str:
    """``x`` printed with ``fmt``; Vietnamese swaps the separators (1.234,5); None or NaN: —."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    out = fmt.format(x)
    if out.startswith("-") and re.fullmatch(r"-0([.,]0*)?%?", out):
        out = out[1:]  # no "-0.0": a difference that rounds to nothing has no sign
    if lang == "vi":
        out = out.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return out


# ------------------------------------------------------------------ place and period
def period(start: dt.date | str, days: float, lang: str = DEFAULT_LANGUAGE) -> str:
    """The simulated dates: "1–13 July 2025" / "1/7–13/7/2025"."""
    start = dt.date.fromisoformat(start) if isinstance(start, str) else start
    end = start + dt.timedelta(days=max(int(math.ceil(days)) - 1, 0))
    if lang == "vi":
        if start.year == end.year:
            return f"{start.day}/{start.month}–{end.day}/{end.month}/{end.year}"
        return f"{start.day}/{start.month}/{start.year}–{end.day}/{end.month}/{end.year}"
    if start.year != end.year:
        return f"{start.day} {MONTHS_EN[start.month - 1]} {start.year} – {end.day} {MONTHS_EN[end.month - 1]} {end.year}"
    if start.month != end.month:
        return f"{start.day} {MONTHS_EN[start.month - 1]} – {end.day} {MONTHS_EN[end.month - 1]} {end.year}"
    if start.day == end.day:
        return f"{start.day} {MONTHS_EN[start.month - 1]} {start.year}"
    return f"{start.day}–{end.day} {MONTHS_EN[end.month - 1]} {end.year}"


def date_text(day: dt.date | str, lang: str = DEFAULT_LANGUAGE) -> str:
    """One date: "13 July 2025" / "13/7/2025"."""
    day = dt.date.fromisoformat(day) if isinstance(day, str) else day
    return f"{day.day}/{day.month}/{day.year}" if lang == "vi" else f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"


def period_detail(p: dict, lang: str = DEFAULT_LANGUAGE) -> str:
    """The simulated dates of a run in a sentence, from its ``period`` (summary.json, manifest:
    ``sim.scenario.region.period``): ISO dates in English, day/month/year in Vietnamese."""
    def day(iso: str) -> str:
        return iso if lang != "vi" else dt.date.fromisoformat(iso).strftime("%d/%m/%Y")

    out = text("period_detail", lang, first=day(p["first_day"]), last=day(p["last_day"]),
               days=number(p["days"], "{:,}", lang), working_days=number(p["working_days"], "{:,}", lang))
    if p["days_open"] != p["working_days"]:
        out += text("period_open", lang, days_open=number(p["days_open"], "{:,}", lang))
    if p["warmup_days"]:
        out += text("period_warmup", lang, warmup=number(p["warmup_days"], "{:g}", lang))
    return out


def place(scenario_name: str) -> str:
    """The place a scenario is about: the part of its name before the first comma or colon
    ("Hà Nội, 1–13 July 2025 ..." -> "Hà Nội"). Scenario names keep their Vietnamese spelling."""
    return re.split(r"[,:(]", scenario_name, maxsplit=1)[0].strip() or scenario_name


def place_and_period(resolved: dict, lang: str = DEFAULT_LANGUAGE) -> str:
    """"Hà Nội, 1–13 July 2025" from a resolved scenario (a dict as the manifest holds it)."""
    horizon = resolved.get("horizon", {})
    when = period(horizon["start_date"], horizon["days"], lang) if "start_date" in horizon else ""
    return ", ".join(p for p in (place(resolved.get("name", "")), when) if p)


def short_names(names: list[str], width: int = 34) -> tuple[str, list[str]]:
    """Scenario names shortened for legends: the words all of them share go to the title, the rest
    is kept (cut at a word with "…" past ``width``). Returns (shared words, short names)."""
    if len(names) < 2 or len(set(names)) < len(names):
        return "", [_cut(n, width) for n in names]
    common = names[0]
    for n in names[1:]:
        k = 0
        while k < min(len(common), len(n)) and common[k] == n[k]:
            k += 1
        common = common[:k]
    common = common[: max(common.rfind(" "), common.rfind(","), 0)] if common and not all(
        n[len(common):len(common) + 1] in ("", ",", " ", "(", ":") for n in names) else common
    rest = [n[len(common):].strip(" ,:;–-").removeprefix("(").removesuffix(")").strip() for n in names]
    if not all(rest):
        return "", [_cut(n, width) for n in names]
    return common.strip(" ,:;–-"), [_cut(r, width) for r in rest]


def _cut(name: str, width: int) -> str:
    if len(name) <= width:
        return name
    cut = name[: width - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > width // 2 else cut).rstrip(" ,;:–-") + "…"
