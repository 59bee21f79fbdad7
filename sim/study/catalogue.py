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
    _f("communes_meeting_targets", "communes meeting every target", "số xã, phường đạt mọi chỉ tiêu", *_COMMUNES,
       "higher", "{:.1f}"),
    # staffing decisions (commune-sim staff)
    _f("current_staff", "staff now", "số công chức hiện có", *_STAFF, None, "{:,.0f}"),
    _f("recommended_staff", "recommended staff", "số công chức đề xuất bố trí", *_STAFF, None, "{:,.0f}"),
    _f("offered_load_erlangs", "workload (staff busy on average)", "khối lượng công việc (số người bận bình quân)",
       "staff", "người", None, "{:.2f}"),
    _f("expected_utilisation", "expected utilisation (workload ÷ staff)", "tỷ lệ thời gian bận dự kiến (khối lượng ÷ số người)",
       *_SHARE, None, "{:.2f}"),
    _f("pool_p90_wait_minutes", "waiting time at this desk that 90% of dossiers stay under",
       "thời gian chờ tại bộ phận này mà 90% hồ sơ không vượt quá", *_WMIN, "lower"),
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
    # every-commune figures (run, compare, sweep)
    "communes_above_wait_target_line": {
        "en": "communes whose 90% waiting time is above {target} working minutes",
        "vi": "số xã, phường có thời gian chờ (90% hồ sơ) vượt {target} phút làm việc"},
    "communes_below_on_time_target_line": {
        "en": "communes below the on-time target of {target}",
        "vi": "số xã, phường dưới chỉ tiêu giải quyết đúng hạn {target}"},
    "worst_commune_wait": {"en": "worst commune, 90% waiting time: {name}, {value} working minutes",
                           "vi": "xã, phường có thời gian chờ (90% hồ sơ) cao nhất: {name}, {value} phút làm việc"},
    "worst_commune_on_time": {"en": "worst commune, on-time share: {name}, {value}",
                              "vi": "xã, phường có tỷ lệ đúng hạn thấp nhất: {name}, {value}"},
    # staffing decisions
    "staffing_title": {"en": "Staffing recommendation: {scenario}", "vi": "Đề xuất bố trí nhân sự: {scenario}"},
    "staffing_axis_staff": {"en": "staff per commune (staff)", "vi": "số công chức mỗi xã, phường (người)"},
    "staffing_axis_load": {"en": "workload of the commune at this desk (staff busy on average)",
                           "vi": "khối lượng công việc của xã, phường tại bộ phận này (số người bận bình quân)"},
    "staffing_now": {"en": "staff now", "vi": "hiện có"},
    "staffing_axis_population": {"en": "population of the commune (people)", "vi": "dân số của xã, phường (người)"},
    "allocation_equal": {"en": "equal share of the same total", "vi": "chia đều cùng tổng số"},
    "allocation_proportional": {"en": "share proportional to workload, same total",
                                "vi": "chia theo khối lượng công việc, cùng tổng số"},
    "staffing_recommended": {"en": "recommended", "vi": "đề xuất"},
    "staffing_missed": {"en": "misses a target even so", "vi": "vẫn chưa đạt chỉ tiêu"},
    "staffing_targets": {"en": "targets: {targets}", "vi": "chỉ tiêu: {targets}"},
    "target_wait": {"en": "90% of dossiers wait at most {value} working minutes at each desk",
                    "vi": "90% hồ sơ chờ không quá {value} phút làm việc tại mỗi bộ phận"},
    "target_on_time": {"en": "on-time share at least {value}", "vi": "tỷ lệ giải quyết đúng hạn ít nhất {value}"},
    "target_confident": {"en": "each with its whole 95% interval", "vi": "tính cả khoảng tin cậy 95%"},
    "target_utilisation": {"en": "expected utilisation at most {value}", "vi": "tỷ lệ thời gian bận dự kiến không quá {value}"},
    "staffing_minimum_sentence": {
        "en": "{pool}: {total} staff in all (now {now}), {low} to {high} per commune, are the fewest with which "
              "{meeting} of {communes} communes meet the targets ({targets}).",
        "vi": "{pool}: cần ít nhất {total} công chức (hiện có {now}), mỗi xã, phường từ {low} đến {high} người, để "
              "{meeting}/{communes} xã, phường đạt chỉ tiêu ({targets})."},
    "staffing_budget_sentence": {
        "en": "{pool}: sharing {total} staff (now {now}) as recommended, {meeting} of {communes} communes meet the "
              "targets (now {meeting_now}); the longest 90% waiting time at this desk is {worst} working minutes, "
              "in {worst_name} (now {worst_now}, in {worst_now_name}).",
        "vi": "{pool}: phân bổ {total} công chức (hiện có {now}) theo đề xuất thì {meeting}/{communes} xã, phường "
              "đạt chỉ tiêu (hiện nay {meeting_now}); thời gian chờ (90% hồ sơ) cao nhất tại bộ phận này là {worst} "
              "phút làm việc, ở {worst_name} (hiện nay {worst_now}, ở {worst_now_name})."},
    "reason_on_time_ceiling": {
        "en": "even with unlimited {pools} staff its on-time share is {share} ± {hw}, below {target}: the rest is late "
              "for reasons staff at these desks cannot change (statutory deadlines shorter than the work, sign-off "
              "batch times, province delays, supplementation, other desks)",
        "vi": "dù bố trí không giới hạn công chức ở {pools}, tỷ lệ đúng hạn vẫn chỉ {share} ± {hw}, dưới {target}: phần "
              "còn lại quá hạn vì những lý do mà nhân sự các bộ phận này không thay đổi được (thời hạn theo quy định "
              "ngắn hơn thời gian xử lý, giờ ký duyệt theo đợt, chờ cấp tỉnh, yêu cầu bổ sung hồ sơ, bộ phận khác)"},
    "reason_wait_cap": {"en": "even {cap} staff at {pool} leave its 90% waiting time there above {target} working minutes",
                        "vi": "dù có {cap} công chức ở {pool}, thời gian chờ (90% hồ sơ) tại đó vẫn vượt {target} phút làm việc"},
    "reason_rounds": {"en": "the on-time target was not reached within the search's rounds",
                      "vi": "chưa đạt tỷ lệ đúng hạn sau số vòng tìm kiếm cho phép"},
    "reason_budget": {"en": "the budget of {budget} {pool} staff is {short} short of what every commune's targets need "
                            "({needed}); the positions went where they bring the most communes to the targets",
                      "vi": "biên chế {budget} người cho {pool} còn thiếu {short} người so với mức để mọi xã, phường đạt "
                            "chỉ tiêu ({needed}); số biên chế đã được phân bổ để nhiều xã, phường đạt chỉ tiêu nhất"},
    "reason_budget_unreachable": {
        "en": "no number of {pool} staff up to {top} brings it to the targets (with the other desks as they are)",
        "vi": "không số công chức nào ở {pool} (đến {top} người) giúp đạt chỉ tiêu (các bộ phận khác giữ nguyên)"},
    "reason_unknown": {"en": "it misses a target in the final simulation",
                       "vi": "chưa đạt chỉ tiêu trong lần mô phỏng cuối"},
    "staffing_not_met": {"en": "Not met in {count} commune(s): {names}. Because: {reasons}",
                         "vi": "Chưa đạt ở {count} xã, phường: {names}. Lý do: {reasons}"},
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
