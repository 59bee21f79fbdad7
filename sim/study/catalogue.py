"""The words of every output a person reads, in English and Vietnamese, from one place.

``FIGURES`` names every figure the tool reports: its label and unit in both languages, how
to print it, and which direction is better (``"lower"`` for waits, ``"higher"`` for on-time
shares, ``None`` for counts that are neither). ``PARTS`` names the parts a figure can be
broken down by (pools, fields, channels). ``TEXT`` holds every other string a planner reads:
table headings, plot titles and axes, report sentences. Terminal tables, ``compare``,
``sweep``, plots, reports and the calibration report all take their words from here, so a
label is changed once and a missing translation is a failing test
(``tests/test_catalogue.py``), not a silent English word in a Vietnamese report.

Vietnamese follows the terms of Vietnamese administrative reports (hồ sơ, tiếp nhận, đã giải
quyết, đang giải quyết, trước hạn / đúng hạn / quá hạn, công chức, bộ phận một cửa), with
full diacritics. Numbers are printed the Vietnamese way in Vietnamese (1.234,5) and the
English way in English (1,234.5).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "en"


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

    def label(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return self.vi if lang == "vi" else self.en

    def unit(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return self.unit_vi if lang == "vi" else self.unit_en

    def label_with_unit(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return f"{self.label(lang)} ({self.unit(lang)})"


def _f(name, en, vi, unit_en, unit_vi, better=None, fmt="{:.1f}") -> Figure:
    return Figure(name, en, vi, unit_en, unit_vi, better, fmt)


_DOSSIERS = ("dossiers", "hồ sơ")
_WMIN = ("working minutes", "phút làm việc")
_DAYS = ("calendar days", "ngày")
_WDAYS = ("working days", "ngày làm việc")
_SHARE = ("share", "tỷ lệ")
_COMMUNES = ("communes", "xã, phường")
_STAFF = ("staff", "người")

FIGURES: dict[str, Figure] = {f.name: f for f in [
    _f("dossiers_arrived", "dossiers received", "hồ sơ tiếp nhận", *_DOSSIERS, None, "{:,.0f}"),
    _f("dossiers_completed", "dossiers resolved", "hồ sơ đã giải quyết", *_DOSSIERS, None, "{:,.0f}"),
    _f("dossiers_in_process", "dossiers in process at the end", "hồ sơ đang giải quyết cuối kỳ", *_DOSSIERS,
       None, "{:,.0f}"),
    _f("dossiers_overdue_in_process", "dossiers in process and already overdue", "hồ sơ đang giải quyết đã quá hạn",
       *_DOSSIERS, "lower", "{:,.0f}"),
    _f("mean_wait_minutes", "mean waiting time before first service", "thời gian chờ trung bình trước khi được xử lý",
       *_WMIN, "lower"),
    _f("p50_wait_minutes", "median waiting time", "thời gian chờ trung vị", *_WMIN, "lower"),
    _f("p90_wait_minutes", "waiting time that 90% of dossiers stay under", "thời gian chờ mà 90% hồ sơ không vượt quá",
       *_WMIN, "lower"),
    _f("p95_wait_minutes", "waiting time that 95% of dossiers stay under", "thời gian chờ mà 95% hồ sơ không vượt quá",
       *_WMIN, "lower"),
    _f("probability_of_waiting", "share of dossiers that wait", "tỷ lệ hồ sơ phải chờ", *_SHARE, "lower", "{:.3f}"),
    _f("mean_time_in_system_days", "mean time from filing to result", "thời gian giải quyết trung bình", *_DAYS,
       "lower", "{:.2f}"),
    _f("p90_time_in_system_days", "time from filing to result that 90% stay under",
       "thời gian giải quyết mà 90% hồ sơ không vượt quá", *_DAYS, "lower", "{:.2f}"),
    _f("mean_time_in_system_working_days", "mean time from filing to result", "thời gian giải quyết trung bình",
       *_WDAYS, "lower", "{:.2f}"),
    _f("p90_time_in_system_working_days", "time from filing to result that 90% stay under",
       "thời gian giải quyết mà 90% hồ sơ không vượt quá", *_WDAYS, "lower", "{:.2f}"),
    _f("on_time_share", "on-time share (resolved by the deadline)", "tỷ lệ giải quyết đúng hạn (trước và đúng hạn)",
       *_SHARE, "higher", "{:.3f}"),
    # early / on time / late, as Vietnamese reports count them (README: "Appointment dates")
    _f("early_share", "early share (result handed back before the deadline day)",
       "tỷ lệ giải quyết trước hạn", *_SHARE, None, "{:.3f}"),
    _f("on_due_date_share", "share handed back on the deadline day (the appointment date)",
       "tỷ lệ giải quyết đúng hạn (trả kết quả đúng ngày hẹn)", *_SHARE, None, "{:.3f}"),
    _f("late_share", "late share (result handed back after the deadline)", "tỷ lệ giải quyết quá hạn",
       *_SHARE, "lower", "{:.3f}"),
    _f("dossiers_in_process_within_deadline", "dossiers in process and still within the deadline",
       "hồ sơ đang giải quyết còn trong hạn", *_DOSSIERS, None, "{:,.0f}"),
    _f("dossiers_held_for_appointment", "dossiers in process whose work is done, waiting for the appointment date",
       "hồ sơ đã xử lý xong, chờ trả kết quả theo ngày hẹn", *_DOSSIERS, None, "{:,.0f}"),
    # pools
    _f("utilisation", "utilisation (share of staff time busy)", "tỷ lệ thời gian bận của công chức", *_SHARE,
       None, "{:.3f}"),
    _f("mean_service_minutes", "mean service time", "thời gian xử lý trung bình", *_WMIN, None),
    _f("mean_staff", "mean staff present", "số công chức bình quân", *_STAFF, None, "{:.1f}"),
    _f("dossiers_served", "dossiers served", "hồ sơ đã xử lý", *_DOSSIERS, None, "{:,.0f}"),
    _f("analytic_mean_wait_minutes", "mean waiting time by the Erlang C / Allen–Cunneen formula",
       "thời gian chờ trung bình theo công thức Erlang C / Allen–Cunneen", *_WMIN, "lower"),
    _f("analytic_probability_of_waiting", "share of dossiers that wait, by the Erlang C formula",
       "tỷ lệ hồ sơ phải chờ theo công thức Erlang C", *_SHARE, "lower", "{:.3f}"),
    # communes against targets
    _f("communes_below_on_time_target", "communes below the on-time target",
       "số xã, phường dưới chỉ tiêu giải quyết đúng hạn", *_COMMUNES, "lower", "{:.1f}"),
    _f("communes_above_wait_target", "communes whose 90% waiting time is above the target",
       "số xã, phường có thời gian chờ (90% hồ sơ) vượt chỉ tiêu", *_COMMUNES, "lower", "{:.1f}"),
]}

#: Parts a figure can be broken down by; names of pools, channels and fields a scenario uses.
PARTS: dict[str, dict[str, str]] = {
    "counter": {"en": "counter (intake)", "vi": "quầy tiếp nhận"},
    "back_office": {"en": "back office", "vi": "bộ phận chuyên môn"},
    "leader": {"en": "leader sign-off", "vi": "lãnh đạo ký duyệt"},
    "in_person": {"en": "in person", "vi": "trực tiếp"},
    "online": {"en": "online", "vi": "trực tuyến"},
    "postal": {"en": "by post", "vi": "qua bưu chính công ích"},
    "directive": {"en": "directive tasks", "vi": "nhiệm vụ được giao"},
    "civil_status": {"en": "civil status", "vi": "hộ tịch"},
    "certification": {"en": "certification", "vi": "chứng thực"},
    "land": {"en": "land", "vi": "đất đai"},
    "construction": {"en": "construction permits", "vi": "cấp phép xây dựng"},
    "business_household": {"en": "household business registration", "vi": "đăng ký hộ kinh doanh"},
    "social_protection": {"en": "social protection", "vi": "bảo trợ xã hội"},
    "any": {"en": "all procedures", "vi": "mọi thủ tục"},
    "other_same_day": {"en": "other same-day procedures", "vi": "thủ tục khác giải quyết trong ngày"},
    "directive_task": {"en": "directive tasks", "vi": "nhiệm vụ được giao"},
}

#: Every other string a planner reads, by key. ``{name}`` fields are filled by :func:`text`.
TEXT: dict[str, dict[str, str]] = {
    "figure": {"en": "figure", "vi": "chỉ số"},
    "mean": {"en": "mean", "vi": "trung bình"},
    "ci95": {"en": "± 95% interval", "vi": "± khoảng tin cậy 95%"},
    "replications": {"en": "replications", "vi": "lần mô phỏng"},
    "seed": {"en": "seed", "vi": "hạt giống ngẫu nhiên"},
    "utilisation_of": {"en": "utilisation of {pool}", "vi": "tỷ lệ thời gian bận — {pool}"},
    "simulated": {"en": "simulated", "vi": "mô phỏng"},
    "formula": {"en": "formula", "vi": "công thức"},
}


def figure(name: str) -> Figure:
    """The catalogue entry of ``name``; a breakdown such as ``pools.counter.utilisation`` or
    ``by_field.land.on_time_share`` is looked up by its last part."""
    key = name.rsplit(".", 1)[-1]
    if key not in FIGURES:
        raise KeyError(f"figure {name!r} is not in the catalogue (sim/study/catalogue.py)")
    return FIGURES[key]


def part(name: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A pool, channel or field name as a reader says it; a scenario's own names pass through."""
    entry = PARTS.get(name)
    return entry[lang] if entry else name.replace("_", " ")


def text(key: str, lang: str = DEFAULT_LANGUAGE, **fields) -> str:
    return TEXT[key][lang].format(**fields)


def number(value, fmt: str = "{:.1f}", lang: str = DEFAULT_LANGUAGE) -> str:
    """``value`` printed with ``fmt``; Vietnamese swaps the separators (1.234,5); None or NaN: —."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    out = fmt.format(value)
    if lang == "vi":
        out = out.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return out
