"""The words themselves: every label, unit and sentence a planner reads, English and Vietnamese.

Plain tables, no logic; :mod:`sim.study.catalogue` looks them up. To add a word, add a row in
both languages (``tests/test_catalogue.py`` fails on a missing or empty one). Vietnamese terms
follow ``../shared/glossary-vi.md``: hồ sơ, tiếp nhận, đã giải quyết, đang giải quyết, trước
hạn / đúng hạn / quá hạn, công chức, bộ phận một cửa, xã / phường.
"""

_DOSSIERS = ("dossiers", "hồ sơ")
_WMIN = ("working minutes", "phút làm việc")
_DAYS = ("calendar days", "ngày")
_WDAYS = ("working days", "ngày làm việc")
_PCT = ("%", "%")
_COMMUNES = ("communes", "xã, phường")
_STAFF = ("staff", "người")
_PEOPLE = ("people", "người")
_POOLS = ("pools", "nhóm")
_SHARE = "{:.1%}"
_COUNT = "{:,.0f}"
_R, _P, _C, _E, _L, _K = "region", "pool", "commune", "experiment", "littles_law", "calibration"

#: name, English, Vietnamese, unit (en), unit (vi), better, format, where it appears
FIGURE_ROWS = [
    ("dossiers_arrived", "dossiers received", "hồ sơ tiếp nhận", *_DOSSIERS, None, _COUNT, (_R, _C, _K)),
    ("dossiers_completed", "dossiers resolved", "hồ sơ đã giải quyết", *_DOSSIERS, None, _COUNT, (_R, _C, _K)),
    ("dossiers_resolved", "dossiers resolved", "hồ sơ đã giải quyết", *_DOSSIERS, None, _COUNT, (_K,)),
    ("dossiers_in_process", "dossiers in process at the end", "hồ sơ đang giải quyết cuối kỳ", *_DOSSIERS, None,
     _COUNT, (_R, _C, _K)),
    ("dossiers_overdue_in_process", "dossiers in process and already overdue", "hồ sơ đang giải quyết đã quá hạn",
     *_DOSSIERS, "lower", _COUNT, (_R, _C, _K)),
    ("dossiers_in_process_tracked", "dossiers in process at the end, counted one by one",
     "hồ sơ đang giải quyết cuối kỳ (đếm từng hồ sơ)", *_DOSSIERS, None, _COUNT, (_R,)),
    ("mean_wait_minutes", "mean waiting time before first service", "thời gian chờ trung bình trước khi được xử lý",
     *_WMIN, "lower", "{:.1f}", (_R, _P, _C, _K)),
    ("p50_wait_minutes", "median waiting time", "thời gian chờ trung vị", *_WMIN, "lower", "{:.1f}", (_R, _C)),
    ("p90_wait_minutes", "waiting time that 90% of dossiers stay under",
     "thời gian chờ mà 90% hồ sơ không vượt quá", *_WMIN, "lower", "{:.1f}", (_R, _C, _K)),
    ("p95_wait_minutes", "waiting time that 95% of dossiers stay under",
     "thời gian chờ mà 95% hồ sơ không vượt quá", *_WMIN, "lower", "{:.1f}", (_R, _C)),
    ("probability_of_waiting", "share of dossiers that wait", "tỷ lệ hồ sơ phải chờ", *_PCT, "lower", _SHARE,
     (_R, _P, _C)),
    ("mean_time_in_system_days", "mean time from filing to result", "thời gian giải quyết trung bình", *_DAYS,
     "lower", "{:.2f}", (_R, _C, _K)),
    ("p90_time_in_system_days", "time from filing to result that 90% stay under",
     "thời gian giải quyết mà 90% hồ sơ không vượt quá", *_DAYS, "lower", "{:.2f}", (_R, _C)),
    ("mean_time_in_system_working_days", "mean time from filing to result", "thời gian giải quyết trung bình",
     *_WDAYS, "lower", "{:.2f}", (_R, _C)),
    ("p90_time_in_system_working_days", "time from filing to result that 90% stay under",
     "thời gian giải quyết mà 90% hồ sơ không vượt quá", *_WDAYS, "lower", "{:.2f}", (_R, _C)),
    ("on_time_share", "on-time share (resolved by the deadline)", "tỷ lệ giải quyết đúng hạn (trước và đúng hạn)",
     *_PCT, "higher", _SHARE, (_R, _C, _K)),
    # early / on time / late as Vietnamese reports count them, and what is in process (README: "Appointment dates")
    ("early_share", "early: result handed back before the deadline day", "tỷ lệ giải quyết trước hạn", *_PCT,
     None, _SHARE, (_R, _C)),
    ("on_due_date_share", "on time: handed back on the deadline day (the appointment date)",
     "tỷ lệ giải quyết đúng hạn (trả kết quả đúng ngày hẹn)", *_PCT, None, _SHARE, (_R, _C)),
    ("late_share", "late: handed back after the deadline", "tỷ lệ giải quyết quá hạn", *_PCT, "lower", _SHARE, (_R, _C)),
    ("dossiers_in_process_within_deadline", "dossiers in process and still within the deadline",
     "hồ sơ đang giải quyết còn trong hạn", *_DOSSIERS, None, _COUNT, (_R, _C)),
    ("dossiers_held_for_appointment", "dossiers in process whose work is done, waiting for the appointment date",
     "hồ sơ đã xử lý xong, chờ trả kết quả theo ngày hẹn", *_DOSSIERS, None, _COUNT, (_R, _C)),
    # staff pools
    ("pools", "pools of this kind", "số nhóm công chức loại này", *_POOLS, None, _COUNT, (_P,)),
    ("utilisation", "utilisation (share of staff time busy)", "tỷ lệ thời gian bận của công chức", *_PCT, None,
     _SHARE, (_P, _C, _K)),
    ("mean_service_minutes", "mean service time", "thời gian xử lý trung bình", *_WMIN, None, "{:.1f}", (_P,)),
    ("mean_staff", "mean staff present", "số công chức có mặt bình quân", *_STAFF, None, "{:.1f}", (_P,)),
    ("max_staff", "most staff in one commune's pool", "số công chức nhiều nhất của một xã", *_STAFF, None, _COUNT,
     (_P,)),
    ("max_busy_staff", "most staff busy at once", "số công chức bận cùng lúc nhiều nhất", *_STAFF, None, _COUNT,
     (_P,)),
    ("staff", "staff", "số công chức", *_STAFF, None, _COUNT, (_C,)),
    ("dossiers_served", "dossiers served", "hồ sơ đã xử lý", *_DOSSIERS, None, _COUNT, (_P,)),
    ("analytic_mean_wait_minutes", "mean waiting time by the Erlang C / Allen–Cunneen formula",
     "thời gian chờ trung bình theo công thức Erlang C / Allen–Cunneen", *_WMIN, "lower", "{:.1f}", (_P,)),
    ("analytic_probability_of_waiting", "share of dossiers that wait, by the Erlang C formula",
     "tỷ lệ hồ sơ phải chờ theo công thức Erlang C", *_PCT, "lower", _SHARE, (_P,)),
    ("analytic_saturated_pools", "pools the formula finds overloaded", "số nhóm quá tải theo công thức",
     *_POOLS, "lower", _COUNT, (_P,)),
    # communes
    ("population", "population", "dân số", *_PEOPLE, None, _COUNT, (_C,)),
    # communes against targets (experiments)
    ("communes_below_on_time_target", "communes below the on-time target",
     "số xã, phường dưới mục tiêu giải quyết đúng hạn", *_COMMUNES, "lower", "{:.1f}", (_E,)),
    ("communes_above_wait_target", "communes whose 90% waiting time is above the target",
     "số xã, phường có thời gian chờ (90% hồ sơ) vượt mục tiêu", *_COMMUNES, "lower", "{:.1f}", (_E,)),
    # maps (sim/study/maps.py)
    ("staff_change", "recommended change in staff", "thay đổi số công chức theo đề xuất bố trí nhân sự", *_STAFF, None,
     "{:+.0f}", ("map",)),
    # Little's law
    ("mean_in_system", "mean dossiers in the system", "số hồ sơ trong hệ thống bình quân", *_DOSSIERS, None,
     "{:,.1f}", (_L,)),
    ("arrival_rate_per_minute", "dossiers received per minute", "hồ sơ tiếp nhận mỗi phút",
     "dossiers per minute", "hồ sơ mỗi phút", None, "{:.3f}", (_L,)),
    ("mean_time_in_system_minutes", "mean time from filing to result", "thời gian giải quyết trung bình",
     "minutes", "phút", "lower", "{:,.0f}", (_L,)),
    # what the calibration's sensitivity analysis reports (calibration/targets.yaml, key_figures)
    ("back_office_utilisation", "back office: utilisation (share of staff time busy)",
     "bộ phận chuyên môn: tỷ lệ thời gian bận", *_PCT, None, _SHARE, (_K,)),
    ("counter_utilisation", "counter: utilisation (share of staff time busy)", "quầy tiếp nhận: tỷ lệ thời gian bận",
     *_PCT, None, _SHARE, (_K,)),
    ("directive_done_share", "directive tasks done", "nhiệm vụ được giao đã hoàn thành", *_PCT, "higher", _SHARE, (_K,)),
    ("directive_in_progress_share", "directive tasks in progress, within their deadline",
     "nhiệm vụ được giao đang thực hiện, trong hạn", *_PCT, None, _SHARE, (_K,)),
    ("directive_overdue_share", "directive tasks overdue", "nhiệm vụ được giao quá hạn", *_PCT, "lower", _SHARE, (_K,)),
    ("directive_on_time_share", "directive tasks done on time", "nhiệm vụ được giao hoàn thành đúng hạn", *_PCT,
     "higher", _SHARE, (_K,)),
    ("citizen_dossiers_in_process", "citizens' dossiers in process at the end",
     "hồ sơ của người dân đang giải quyết cuối kỳ", *_DOSSIERS, None, _COUNT, (_K,)),
    # staffing decisions (commune-sim staff)
    ("communes_meeting_targets", "communes meeting every target", "số xã, phường đạt mọi mục tiêu", "communes", "xã, phường", "higher", "{:.1f}", ("staffing",)),
    ("current_staff", "staff now", "số công chức hiện có", "staff", "người", None, "{:,.0f}", ("staffing",)),
    ("recommended_staff", "recommended staff", "số công chức đề xuất bố trí", "staff", "người", None, "{:,.0f}", ("staffing",)),
    ("offered_load_erlangs", "workload (staff busy on average)", "khối lượng công việc (số người bận bình quân)", "staff", "người", None, "{:.2f}", ("staffing",)),
    ("expected_utilisation", "expected utilisation (workload ÷ staff)", "tỷ lệ thời gian bận dự kiến (khối lượng ÷ số người)", *_PCT, None, _SHARE, ("staffing",)),
    ("pool_p90_wait_minutes", "waiting time at this desk that 90% of dossiers stay under", "thời gian chờ tại bộ phận này mà 90% hồ sơ không vượt quá", "working minutes", "phút làm việc", "lower", "{:.1f}", ("staffing",)),
]

#: Pools, channels, fields and policy values a scenario uses, as a reader says them.
PARTS = {
    "counter": {"en": "counter (intake)", "vi": "quầy tiếp nhận"},
    "back_office": {"en": "back office", "vi": "bộ phận chuyên môn"},
    "leader": {"en": "leader sign-off", "vi": "lãnh đạo ký duyệt"},
    "region_back_office": {"en": "central back office", "vi": "bộ phận chuyên môn tập trung"},
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
    # policy values
    "as_given": {"en": "as given", "vi": "như hiện trạng"},
    "equal": {"en": "equal shares", "vi": "chia đều"},
    "proportional": {"en": "by workload", "vi": "theo khối lượng công việc"},
    "home": {"en": "filed at home commune", "vi": "nộp tại xã nơi cư trú"},
    "least_loaded_cluster": {"en": "location-independent filing", "vi": "tiếp nhận không phụ thuộc địa giới hành chính"},
    "central_pool": {"en": "central back office", "vi": "bộ phận chuyên môn tập trung"},
    "three_tier": {"en": "three tiers (before the reform)", "vi": "ba cấp (trước sắp xếp)"},
    # commune types
    "phường": {"en": "ward", "vi": "phường"},
    "xã": {"en": "commune", "vi": "xã"},
    "đặc khu": {"en": "special zone", "vi": "đặc khu"},
}

#: name, English, Vietnamese, unit (en), unit (vi), format of a level
PARAMETER_ROWS = [
    ("staff.per_commune.counter", "counter staff per commune", "công chức quầy tiếp nhận mỗi xã", "staff", "người", "{:g}"),
    ("staff.per_commune.back_office", "back-office staff per commune", "công chức bộ phận chuyên môn mỗi xã",
     "staff", "người", "{:g}"),
    ("staff.per_commune.leader", "leaders who sign per commune", "lãnh đạo ký duyệt mỗi xã", "staff", "người", "{:g}"),
    ("staff.allocation.policy", "staff allocation", "cách phân bổ công chức", "", "", "{}"),
    ("routing.policy", "where dossiers are handled", "nơi giải quyết hồ sơ", "", "", "{}"),
    ("routing.eligible_share", "share of in-person dossiers that may be filed at a neighbour",
     "tỷ lệ hồ sơ trực tiếp được nộp tại xã lân cận", "%", "%", "{:.0%}"),
    ("routing.cluster_size", "communes per cluster", "số xã mỗi cụm", "communes", "xã, phường", "{:g}"),
    ("online_share", "share filed online", "tỷ lệ nộp trực tuyến", "%", "%", "{:.0%}"),
    ("demand.dossiers_per_working_day", "dossiers per working day", "hồ sơ mỗi ngày làm việc", "dossiers", "hồ sơ",
     "{:,.0f}"),
    ("horizon.days", "simulated days", "số ngày mô phỏng", "calendar days", "ngày", "{:g}"),
    ("scenario", "scenario", "kịch bản", "", "", "{}"),
    ("communes.province", "province", "tỉnh, thành phố", "", "", "{}"),
    # calibration assumptions (calibration/targets.yaml)
    ("lead_time_working_days", "waiting on other agencies before back-office work",
     "thời gian chờ cơ quan khác trước khi xử lý", "working days", "ngày làm việc", "{:.3g}"),
    ("back_office_minutes", "back-office minutes per dossier", "số phút xử lý của bộ phận chuyên môn mỗi hồ sơ",
     "working minutes", "phút làm việc", "{:.3g}"),
    ("citizen_back_office_minutes", "back-office minutes per citizens' dossier",
     "số phút xử lý mỗi hồ sơ của người dân", "working minutes", "phút làm việc", "{:.3g}"),
    ("intake_minutes", "counter intake minutes per dossier", "số phút tiếp nhận tại quầy mỗi hồ sơ",
     "working minutes", "phút làm việc", "{:.3g}"),
    ("back_office_staff", "back-office staff", "công chức bộ phận chuyên môn", "staff", "người", "{:g}"),
    ("counter_staff", "counter staff per commune", "công chức quầy tiếp nhận mỗi xã", "staff", "người", "{:g}"),
    ("supplementation_share", "share returned for supplementation", "tỷ lệ hồ sơ phải bổ sung, hoàn thiện",
     "%", "%", "{:.0%}"),
    ("citizen_delay", "time citizens take to supplement", "thời gian người dân bổ sung hồ sơ", "working days",
     "ngày làm việc", "{:.3g}"),
    ("province_delay", "time at the province", "thời gian chờ cấp tỉnh giải quyết", "working days",
     "ngày làm việc", "{:.3g}"),
    ("sign_off_minutes", "sign-off minutes per dossier", "số phút lãnh đạo ký duyệt mỗi hồ sơ", "working minutes",
     "phút làm việc", "{:.3g}"),
    ("directive_lead_time_mean", "directive tasks: waiting on others", "nhiệm vụ được giao: thời gian chờ phối hợp",
     "working days", "ngày làm việc", "{:.3g}"),
    ("directive_lead_time_cv", "directive tasks: spread of that wait", "nhiệm vụ được giao: độ phân tán thời gian chờ",
     "", "", "{:.3g}"),
    ("directive_deadline", "directive tasks: deadline", "nhiệm vụ được giao: thời hạn", "working days",
     "ngày làm việc", "{:g}"),
    ("directive_minutes", "directive tasks: back-office minutes", "nhiệm vụ được giao: số phút xử lý",
     "working minutes", "phút làm việc", "{:.3g}"),
]

MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December")


def _t(en: str, vi: str) -> dict[str, str]:
    return {"en": en, "vi": vi}


#: Every other string a planner reads, by key. ``{name}`` fields are filled by ``catalogue.text``.
TEXT = {
    # numbers and intervals
    "figure": _t("figure", "chỉ số"),
    "unit": _t("unit", "đơn vị"),
    "mean": _t("mean", "trung bình"),
    "ci95": _t("± 95%", "± 95%"),
    "difference_interval": _t("{value} (95% interval {low} to {high})", "{value} (khoảng tin cậy 95%: {low} đến {high})"),
    "compact_interval": _t("{value} ({low}–{high})", "{value} ({low}–{high})"),
    "compact_difference": _t("{value} ({low} to {high})", "{value} ({low} đến {high})"),
    "mean_with_interval": _t("mean (95% interval)", "trung bình (khoảng tin cậy 95%)"),
    "difference_with_interval": _t("difference to the first (95% interval)",
                                   "chênh lệch so với kịch bản đầu (khoảng tin cậy 95%)"),
    "value_interval": _t("{value} (95% interval {low}–{high})", "{value} (khoảng tin cậy 95%: {low}–{high})"),
    "interval_note": _t("95% intervals over replications (Student t)",
                        "khoảng tin cậy 95% qua các lần mô phỏng (phân phối Student)"),
    "replications": _t("replications", "lần mô phỏng"),
    "seed": _t("seed", "hạt giống ngẫu nhiên"),
    "simulated": _t("simulated", "mô phỏng"),
    "formula": _t("formula (Erlang C / Allen–Cunneen)", "công thức (Erlang C / Allen–Cunneen)"),
    "worst_commune_of": _t("worst commune: {figure}", "xã, phường kém nhất: {figure}"),
    "base_variant": _t("base", "phương án gốc"),
    "target_line": _t("target {value}", "mục tiêu {value}"),
    # the terminal table of `run`
    "run_heading": _t("{name} — {replications} replication(s), seed {seed}",
                      "{name} — {replications} lần mô phỏng, hạt giống ngẫu nhiên {seed}"),
    "where_heading": _t("{place_period}; {communes} communes", "{place_period}; {communes} xã, phường"),
    "period_detail": _t("simulated {first} to {last}: {days} days, {working_days} working days",
                        "mô phỏng từ {first} đến {last}: {days} ngày, {working_days} ngày làm việc"),
    "period_open": _t(", open {days_open}", ", mở cửa {days_open} ngày"),
    "period_warmup": _t(" (the first {warmup} days are warm-up, left out of the figures)",
                        " ({warmup} ngày đầu là giai đoạn khởi động, không tính vào các chỉ số)"),
    "pool": _t("staff pool", "nhóm công chức"),
    "mean_wait_at_pool": _t("mean waiting time (working minutes)", "thời gian chờ trung bình (phút làm việc)"),
    "pools_note": _t("The formula reads each commune's pool as a steady queue open around the clock; where it is "
                     "below the simulation, opening hours, surges and sign-off batches add waiting time.",
                     "Công thức coi mỗi nhóm công chức như một hàng đợi ổn định làm việc liên tục; khi kết quả thấp "
                     "hơn mô phỏng, phần chênh lệch do giờ làm việc, lúc cao điểm và việc ký duyệt theo đợt."),
    "targets_line": _t("Targets: 90% of dossiers wait at most {wait} working minutes; on-time share at least {on_time}",
                       "Mục tiêu: 90% hồ sơ chờ không quá {wait} phút làm việc; tỷ lệ đúng hạn ít nhất {on_time}"),
    "communes_missing": _t("Communes that miss a target: {n} of {total}", "Số xã, phường chưa đạt mục tiêu: {n}/{total}"),
    "all_communes_meet": _t("Every commune meets both targets.", "Tất cả xã, phường đều đạt cả hai mục tiêu."),
    "more_communes": _t("… and {n} more (all of them in the report: commune-sim report {folder})",
                        "… và {n} xã, phường khác (xem đủ trong báo cáo: commune-sim report {folder})"),
    "commune": _t("commune", "xã, phường"),
    "type": _t("type", "loại"),
    "short_p90_wait": _t("90% wait within", "90% hồ sơ chờ ≤"),
    "short_on_time": _t("on time", "đúng hạn"),
    "short_utilisation": _t("utilisation", "tỷ lệ bận"),
    "utilisation_highest": _t("busiest pool", "nhóm bận nhất"),
    "misses": _t("misses", "chưa đạt"),
    "miss_wait": _t("wait", "thời gian chờ"),
    "miss_on_time": _t("on time", "đúng hạn"),
    "sweep_heading": _t("{name} — root seed {seed}, 95% intervals over replications",
                        "{name} — hạt giống ngẫu nhiên {seed}, khoảng tin cậy 95% qua các lần mô phỏng"),
    "variant": _t("variant", "phương án"),
    "scenario": _t("scenario", "kịch bản"),
    "difference_to_first": _t("difference to the first", "chênh lệch so với kịch bản đầu"),
    "short_difference": _t("Δ to the first", "Δ so với đầu"),
    "difference_to_baseline": _t("difference to the baseline", "chênh lệch so với phương án gốc"),
    # verdicts of a paired difference
    "better": _t("better", "tốt hơn"),
    "worse": _t("worse", "kém hơn"),
    "no_clear_difference": _t("no clear difference", "chưa khác biệt rõ"),
    "negligible": _t("too small to matter", "không đáng kể"),
    "not_ranked": _t("neither better nor worse", "không xếp hơn kém"),
    # plots
    "plot_backlog": _t("Dossiers in process at the end of each working day", "Hồ sơ đang giải quyết cuối mỗi ngày làm việc"),
    "axis_working_day": _t("working day (number and date)", "ngày làm việc (thứ tự và ngày)"),
    "axis_backlog": _t("dossiers in process (dossiers)", "hồ sơ đang giải quyết (hồ sơ)"),
    "plot_staffing": _t("Waiting time, on-time share and utilisation against staff",
                        "Thời gian chờ, tỷ lệ đúng hạn và tỷ lệ thời gian bận theo số công chức"),
    "panel_waiting": _t("Waiting time before first service", "Thời gian chờ trước khi được xử lý"),
    "panel_shares": _t("On-time share and utilisation", "Tỷ lệ đúng hạn và tỷ lệ thời gian bận"),
    "axis_wait_log": _t("waiting time (working minutes; log scale above 1)",
                        "thời gian chờ (phút làm việc; thang log trên 1)"),
    "axis_percent": _t("per cent (%)", "phần trăm (%)"),
    "plot_wait_ecdf": _t("How long dossiers wait before first service", "Hồ sơ phải chờ bao lâu trước khi được xử lý"),
    "axis_wait_ecdf": _t("waiting time (working minutes, log scale; no wait drawn at {floor})",
                         "thời gian chờ (phút làm việc, thang log; không chờ vẽ tại {floor})"),
    "axis_share_at_most": _t("dossiers waiting at most this long (%)", "hồ sơ chờ không quá mức này (%)"),
    "plot_commune_load": _t("Communes from the worst: {figure}", "Các xã, phường từ kém nhất: {figure}"),
    "panel_all_communes": _t("All communes, sorted", "Tất cả xã, phường, đã sắp xếp"),
    "panel_worst_communes": _t("The {n} worst communes (95% intervals)", "{n} xã, phường kém nhất (khoảng tin cậy 95%)"),
    "axis_rank": _t("communes ranked from the worst (1 = worst)", "thứ hạng xã, phường (1 = kém nhất)"),
    "plot_figures": _t("Key figures per variant", "Các chỉ số chính theo phương án"),
    "plot_by_field": _t("By procedure field", "Theo lĩnh vực thủ tục"),
    "axis_field": _t("procedure field", "lĩnh vực thủ tục"),
    "plot_comparison": _t("Scenarios compared", "So sánh các kịch bản"),
    "comparison_note": _t("Δ = paired difference to the first scenario (same dossiers in each)",
                          "Δ = chênh lệch so với kịch bản đầu (so sánh cặp, cùng dữ liệu đầu vào)"),
    "plot_communes_staff": _t("Communes: waiting time and utilisation", "Các xã, phường: thời gian chờ và tỷ lệ thời gian bận"),
    "axis_population": _t("population (people)", "dân số (người)"),
    "part_of_series": _t("{series}, part {k} of {n}", "{series}, phần {k}/{n}"),
    # calibration
    "reported": _t("reported", "số liệu công bố"),
    "calibrated": _t("calibrated (95% interval)", "sau hiệu chỉnh (khoảng tin cậy 95%)"),
    "before_calibration": _t("before calibration", "trước hiệu chỉnh"),
    "tolerance": _t("tolerance", "sai số cho phép"),
    "derived": _t("derived", "suy ra"),
    "acceptable_range": _t("acceptable range (assumption)", "khoảng chấp nhận (giả định)"),
    "checkpoint_at": _t("at {date}", "tại ngày {date}"),
    "range_unmet": _t("UNMET", "KHÔNG ĐẠT"),
    "prediction_interval": _t("not fitted: 95% prediction interval", "không dùng để hiệu chỉnh: khoảng dự báo 95%"),
    "plot_calibration": _t("Reported figures beside the model", "Số liệu công bố so với mô hình"),
    "calibration_kind_simulated": _t("simulated", "mô phỏng"),
    "calibration_kind_input": _t("scenario input", "đầu vào của kịch bản"),
    "calibration_kind_context": _t("context only", "chỉ để tham khảo"),
    "plot_sensitivity": _t("Each assumption changed by ±{percent}", "Mỗi giả định thay đổi ±{percent}"),
    "axis_change_percent": _t("change (% of the base value)", "thay đổi (% so với giá trị gốc)"),
    "base_value": _t("base {value}", "gốc {value}"),
    "fitted": _t("fitted", "được hiệu chỉnh"),
    # the report
    "report_title": _t("Simulation report", "Báo cáo mô phỏng"),
    "kind_run": _t("Simulation run", "Kết quả mô phỏng một kịch bản"),
    "kind_compare": _t("Comparison of scenarios", "So sánh các kịch bản"),
    "kind_sweep": _t("Experiment: variants of a scenario", "Thí nghiệm: các phương án của một kịch bản"),
    "kind_staff": _t("Staffing recommendation", "Đề xuất bố trí nhân sự"),
    "generated": _t("Generated by commune-sim {version} on {date} from the folder {folder}",
                    "Tạo bởi commune-sim {version} ngày {date} từ thư mục {folder}"),
    "section_findings": _t("Findings", "Kết luận chính"),
    "section_key_figures": _t("Key figures", "Các chỉ số chính"),
    "section_differences": _t("Differences between the options", "Chênh lệch giữa các phương án"),
    "section_communes": _t("Communes that miss a target", "Các xã, phường chưa đạt mục tiêu"),
    "section_pools": _t("Staff pools: simulation and formula", "Các nhóm công chức: mô phỏng và công thức"),
    "section_plots": _t("Plots", "Biểu đồ"),
    "section_maps": _t("Maps", "Bản đồ"),
    "section_assumptions": _t("Assumptions and sources", "Giả định và nguồn số liệu"),
    "section_limits": _t("What the model does not represent", "Những điều mô hình chưa thể hiện"),
    "section_provenance": _t("Provenance", "Thông tin về lần chạy"),
    "headline_run": _t(
        "In {place_period}, the {communes} communes receive {arrived} dossiers in the simulation and resolve "
        "{completed}; {in_process} are still in process at the end.",
        "Tại {place_period}, theo mô phỏng, {communes} xã, phường tiếp nhận {arrived} hồ sơ và giải quyết "
        "{completed} hồ sơ; {in_process} hồ sơ còn đang giải quyết cuối kỳ."),
    "headline_wait": _t("90% of dossiers wait at most {p90} working minutes before first service (mean {mean}).",
                        "90% hồ sơ chờ không quá {p90} phút làm việc trước khi được xử lý (trung bình {mean})."),
    "headline_on_time": _t("{on_time} of the resolved dossiers are resolved by their deadline.",
                           "Tỷ lệ hồ sơ giải quyết đúng hạn (trước và đúng hạn) là {on_time}."),
    "headline_communes": _t(
        "{above} of {total} communes have a 90% waiting time above {wait} working minutes, and {below} have an "
        "on-time share below {on_time}.",
        "{above}/{total} xã, phường có thời gian chờ (90% hồ sơ) trên {wait} phút làm việc, và {below} xã, phường có "
        "tỷ lệ đúng hạn dưới {on_time}."),
    "headline_busiest_pool": _t("The busiest staff pool is {pool}, busy {utilisation} of its working time.",
                                "Nhóm công chức bận nhất là {pool}, bận {utilisation} thời gian làm việc."),
    "headline_compare": _t("Compared with {first}, under the same dossiers:", "So với {first}, với cùng dữ liệu hồ sơ:"),
    "headline_difference": _t("{figure} {change} ({verdict}).", "{figure} {change} ({verdict})."),
    "no_clear_difference_in": _t("No clear difference in: {figures}.", "Chưa khác biệt rõ về: {figures}."),
    "change_by": _t("changes by {difference}", "thay đổi {difference}"),
    "headline_sweep": _t("{variants} variants of {place_period}, {replications} replications each.",
                         "{variants} phương án tại {place_period}, mỗi phương án {replications} lần mô phỏng."),
    "headline_sweep_baseline": _t("With the baseline ({variant}), {above} of {total} communes have a 90% waiting "
                                  "time above {wait} working minutes and {below} an on-time share below {on_time}.",
                                  "Với phương án gốc ({variant}), {above}/{total} xã, phường có thời gian chờ (90% "
                                  "hồ sơ) trên {wait} phút làm việc và {below} xã, phường có tỷ lệ đúng hạn dưới "
                                  "{on_time}."),
    "headline_sweep_first_meeting": _t("The first variant in which no commune misses a target, in any replication, "
                                       "is {variant}.",
                                       "Phương án đầu tiên mà không xã, phường nào chưa đạt mục tiêu, trong mọi lần mô "
                                       "phỏng, là {variant}."),
    "best_variant": _t("best with {variant},", "tốt nhất với {variant}:"),
    "differences_intro": _t("Paired differences to the baseline ({baseline}), with their 95% intervals.",
                            "Chênh lệch so với phương án gốc ({baseline}) (so sánh cặp), kèm khoảng tin cậy 95%."),
    "headline_sweep_none_meets": _t("In no variant does every commune meet both targets.",
                                    "Không có phương án nào mà mọi xã, phường đều đạt cả hai mục tiêu."),
    "headline_interrupted": _t("The run was interrupted: {done} of {requested} replications were finished and are "
                               "reported here.",
                               "Lần chạy bị dừng giữa chừng: mới hoàn thành {done}/{requested} lần mô phỏng, báo "
                               "cáo dựa trên các lần này."),
    "communes_intro": _t("Targets: 90% of dossiers wait at most {wait} working minutes before first service, and at "
                         "least {on_time} are resolved on time. Figures are means over the replications with their "
                         "95% intervals; communes are listed from the longest wait.",
                         "Mục tiêu: 90% hồ sơ chờ không quá {wait} phút làm việc trước khi được xử lý, và ít nhất "
                         "{on_time} hồ sơ được giải quyết đúng hạn. Số liệu là trung bình các lần mô phỏng kèm khoảng "
                         "tin cậy 95%; xếp theo thời gian chờ dài nhất."),
    "communes_of": _t("{scenario}: {n} of {total} communes miss a target", "{scenario}: {n}/{total} xã, phường chưa đạt mục tiêu"),
    "more_rows": _t("… and {n} more communes (communes.csv in the folder holds all of them).",
                    "… và {n} xã, phường khác (tệp communes.csv trong thư mục có đầy đủ)."),
    "staff_by_pool": _t("staff ({pools})", "số công chức ({pools})"),
    "verdict_note": _t("Better or worse: the paired 95% interval of the difference excludes zero, in the direction "
                       "that is better for that figure; otherwise no clear difference.",
                       "Tốt hơn hoặc kém hơn: khi khoảng tin cậy 95% của chênh lệch (so sánh cặp) không chứa 0, theo "
                       "chiều có lợi của chỉ số đó; nếu không thì chưa khác biệt rõ."),
    "header_note": _t("From the comment block at the top of the scenario file, as written there.",
                      "Trích nguyên văn phần ghi chú đầu tệp kịch bản (bằng tiếng Anh)."),
    "header_missing": _t("The scenario file's notes were not recorded in this folder and the file is no longer at "
                         "{file}.",
                         "Thư mục này không lưu phần ghi chú của tệp kịch bản và không còn tìm thấy tệp tại {file}."),
    "header_file": _t("Scenario file {file}", "Tệp kịch bản {file}"),
    "header_reported": _t("Reported figures", "Số liệu công bố"),
    "header_derived": _t("Derived (arithmetic)", "Số liệu suy ra (tính toán)"),
    "header_assumptions": _t("Assumptions", "Giả định"),
    "header_changes": _t("Changes", "Thay đổi"),
    "header_what_and_why": _t("What and why", "Nội dung và lý do"),
    "prov_scenario": _t("scenario", "kịch bản"),
    "prov_file": _t("scenario file", "tệp kịch bản"),
    "prov_hash": _t("scenario hash (SHA-256)", "mã băm kịch bản (SHA-256)"),
    "prov_seed": _t("random seed", "hạt giống ngẫu nhiên"),
    "prov_replications": _t("replications (finished / requested)", "số lần mô phỏng (hoàn thành / yêu cầu)"),
    "prov_version": _t("commune-sim version", "phiên bản commune-sim"),
    "prov_command": _t("command line", "câu lệnh"),
    "prov_date": _t("run started – finished", "thời gian chạy (bắt đầu – kết thúc)"),
    "prov_status": _t("status", "trạng thái"),
    "prov_period": _t("simulated period", "thời kỳ mô phỏng"),
    "prov_experiment": _t("experiment file", "tệp thí nghiệm"),
    "prov_git": _t("source version (git commit)", "phiên bản mã nguồn (git commit)"),
    "status_complete": _t("complete", "hoàn thành"),
    "status_interrupted": _t("interrupted", "bị dừng giữa chừng"),
    "status_failed": _t("failed", "lỗi"),
    "plots_as_saved": _t("These plots are shown as the folder holds them (the runs needed to redraw them in this "
                         "language are not in the folder).",
                         "Các biểu đồ này được lấy nguyên từ thư mục (thư mục không còn dữ liệu các lần chạy để vẽ lại "
                         "bằng ngôn ngữ này)."),
    "left_out": _t("Left out of this report (could not be drawn): {notes}",
                   "Không đưa vào báo cáo (không vẽ được): {notes}"),
    "limits_intro": _t("Read the figures with these limits in mind:", "Cần lưu ý các giới hạn sau khi đọc số liệu:"),
    # maps (sim/study/maps.py)
    "utilisation_of": _t("utilisation of {pool}", "tỷ lệ thời gian bận — {pool}"),
    "map_of": _t("{figure}", "Bản đồ: {figure}"),
    "map_difference": _t("Change in {figure}", "Chênh lệch {figure}"),
    "map_difference_of": _t("{scenario} compared with {baseline}", "{scenario} so với {baseline}"),
    "map_staff": _t("Recommended change in staff: {pool}", "Thay đổi số công chức đề xuất: {pool}"),
    "map_mean_over": _t("mean over {n} replications", "trung bình của {n} lần mô phỏng"),
    "map_paired": _t("paired difference (same dossiers), mean over {n} replications; 0 = no change",
                     "chênh lệch so sánh cặp (cùng dữ liệu đầu vào), trung bình của {n} lần mô phỏng; 0 = không đổi"),
    "map_named": _t("named: the {k} communes that fare worst", "ghi tên: {k} xã, phường kém nhất"),
    "map_named_changes": _t("named: the {k} largest changes", "ghi tên: {k} xã, phường thay đổi nhiều nhất"),
    "map_no_data": _t("grey: no data", "màu xám: không có số liệu"),
    "map_better": _t("better", "tốt hơn"),
    "map_worse": _t("worse", "kém hơn"),
    "map_more_staff": _t("more staff", "cần thêm công chức"),
    "map_fewer_staff": _t("fewer staff", "có thể giảm công chức"),
    "map_north": _t("N", "B"),
    "map_source": _t("Boundaries: sapnhap.bando.com.vn, simplified (github.com/thanglequoc/vietnamese-provinces-database, MIT)",
                     "Ranh giới: sapnhap.bando.com.vn, đã giản lược (github.com/thanglequoc/vietnamese-provinces-database, MIT)"),
    "map_no_geography": _t("no maps: synthetic communes have no geography (real communes come from "
                           "communes.province, or a commune table with a code column)",
                           "không vẽ bản đồ: xã, phường giả lập không có vị trí địa lý (dùng communes.province, "
                           "hoặc bảng xã, phường có cột code)"),
    "map_other_communes": _t("no map: the scenarios do not have the same communes",
                             "không vẽ bản đồ: các kịch bản không có cùng các xã, phường"),
    "section_staffing_pools": _t("Staff now and recommended", "Số công chức hiện có và đề xuất"),
    "staffing_per_commune": _t("recommended per commune (staff)", "đề xuất mỗi xã, phường (người)"),
    "staffing_worst_now": _t("longest 90% waiting time now", "thời gian chờ (90% hồ sơ) cao nhất hiện nay"),
    "staffing_worst_after": _t("longest 90% waiting time as recommended",
                               "thời gian chờ (90% hồ sơ) cao nhất theo đề xuất"),
    "staffing_meeting": _t("Communes meeting the targets: {now} of {communes} now, {after} as recommended.",
                           "Số xã, phường đạt mục tiêu: hiện nay {now}/{communes}, theo đề xuất {after}/{communes}."),
    "staffing_why": _t("why not", "lý do"),
    "staffing_simulations": _t("simulations of the search", "số lần mô phỏng của việc tìm kiếm"),
    # staffing decisions (commune-sim staff) and every commune against the targets
    'worst_commune_wait': _t('worst commune, 90% waiting time: {name}, {value} working minutes',
        'xã, phường có thời gian chờ (90% hồ sơ) cao nhất: {name}, {value} phút làm việc'),
    'worst_commune_on_time': _t('worst commune, on-time share: {name}, {value}',
        'xã, phường có tỷ lệ đúng hạn thấp nhất: {name}, {value}'),
    'staffing_title': _t('Staffing recommendation: {scenario}',
        'Đề xuất bố trí nhân sự: {scenario}'),
    'staffing_axis_staff': _t('staff per commune (staff)',
        'số công chức mỗi xã, phường (người)'),
    'staffing_axis_load': _t('workload of the commune at this desk (staff busy on average)',
        'khối lượng công việc của xã, phường tại bộ phận này (số người bận bình quân)'),
    'staffing_now': _t('staff now',
        'hiện có'),
    'staffing_axis_population': _t('population of the commune (people)',
        'dân số của xã, phường (người)'),
    'allocation_equal': _t('equal share of the same total',
        'chia đều cùng tổng số'),
    'allocation_proportional': _t('share proportional to workload, same total',
        'chia theo khối lượng công việc, cùng tổng số'),
    'staffing_recommended': _t('recommended',
        'đề xuất'),
    'staffing_missed': _t('misses a target even so',
        'vẫn chưa đạt mục tiêu'),
    'staffing_targets': _t('targets: {targets}',
        'mục tiêu: {targets}'),
    'target_wait': _t('90% of dossiers wait at most {value} working minutes at each desk',
        '90% hồ sơ chờ không quá {value} phút làm việc tại mỗi bộ phận'),
    'target_on_time': _t('on-time share at least {value}',
        'tỷ lệ giải quyết đúng hạn ít nhất {value}'),
    'target_confident': _t('each with its whole 95% interval',
        'tính cả khoảng tin cậy 95%'),
    'target_utilisation': _t('expected utilisation at most {value}',
        'tỷ lệ thời gian bận dự kiến không quá {value}'),
    'staffing_minimum_sentence': _t('{pool}: {total} staff in all (now {now}), {low} to {high} per commune, are the fewest with which {meeting} of {communes} communes meet the targets ({targets}).',
        '{pool}: cần ít nhất {total} công chức (hiện có {now}), mỗi xã, phường từ {low} đến {high} người, để {meeting}/{communes} xã, phường đạt mục tiêu ({targets}).'),
    'staffing_budget_sentence': _t('{pool}: sharing {total} staff (now {now}) as recommended, {meeting} of {communes} communes meet the targets (now {meeting_now}); the longest 90% waiting time at this desk is {worst} working minutes, in {worst_name} (now {worst_now}, in {worst_now_name}).',
        '{pool}: phân bổ {total} công chức (hiện có {now}) theo đề xuất thì {meeting}/{communes} xã, phường đạt mục tiêu (hiện nay {meeting_now}); thời gian chờ (90% hồ sơ) cao nhất tại bộ phận này là {worst} phút làm việc, ở {worst_name} (hiện nay {worst_now}, ở {worst_now_name}).'),
    'reason_on_time_ceiling': _t('even with unlimited {pools} staff its on-time share is {share} ± {hw}, below {target}: the rest is late for reasons staff at these desks cannot change (statutory deadlines shorter than the work, sign-off batch times, province delays, supplementation, other desks)',
        'dù bố trí không giới hạn công chức ở {pools}, tỷ lệ đúng hạn vẫn chỉ {share} ± {hw}, dưới {target}: phần còn lại quá hạn vì những lý do mà nhân sự các bộ phận này không thay đổi được (thời hạn theo quy định ngắn hơn thời gian xử lý, giờ ký duyệt theo đợt, chờ cấp tỉnh, yêu cầu bổ sung hồ sơ, bộ phận khác)'),
    'reason_wait_cap': _t('even {cap} staff at {pool} leave its 90% waiting time there above {target} working minutes',
        'dù có {cap} công chức ở {pool}, thời gian chờ (90% hồ sơ) tại đó vẫn vượt {target} phút làm việc'),
    'reason_rounds': _t("the on-time target was not reached within the search's rounds",
        'chưa đạt tỷ lệ đúng hạn sau số vòng tìm kiếm cho phép'),
    'reason_budget': _t("the budget of {budget} {pool} staff is {short} short of what every commune's targets need ({needed}); the positions went where they bring the most communes to the targets",
        'biên chế {budget} người cho {pool} còn thiếu {short} người so với mức để mọi xã, phường đạt mục tiêu ({needed}); số biên chế đã được phân bổ để nhiều xã, phường đạt mục tiêu nhất'),
    'reason_budget_unreachable': _t('no number of {pool} staff up to {top} brings it to the targets (with the other desks as they are)',
        'không số công chức nào ở {pool} (đến {top} người) giúp đạt mục tiêu (các bộ phận khác giữ nguyên)'),
    'reason_unknown': _t('it misses a target in the final simulation',
        'chưa đạt mục tiêu trong lần mô phỏng cuối'),
    'staffing_not_met': _t('Not met in {count} commune(s): {names}. Because: {reasons}',
        'Chưa đạt ở {count} xã, phường: {names}. Lý do: {reasons}'),
    # maps of an experiment over many provinces (sim/study/experiment_maps.py)
    "map_above_title": _t("Communes whose {figure} exceeds {threshold}",
                          "Các xã, phường có {figure} trên {threshold}"),
    "map_above": _t("coloured: {n} of {total} communes (grey: the rest)", "tô màu: {n}/{total} xã, phường (xám: còn lại)"),
    "provinces_above_title": _t("The {k} provinces with the most communes whose {figure} exceeds {threshold}",
                                "{k} tỉnh, thành phố có nhiều xã, phường có {figure} trên {threshold} nhất"),
    "axis_communes_above": _t("communes above {threshold} (label: of the province's communes)",
                              "số xã, phường trên {threshold} (nhãn: trên tổng số xã, phường của tỉnh, thành phố)"),
    "provinces_none_above": _t("no commune above {threshold}", "không có xã, phường nào trên {threshold}"),
    # progress and stop lines on stderr while run, compare, sweep, staff and calibrate work
    # (the language of the command's tables: --lang, else the scenario's outputs.language)
    "progress_eta": _t("ETA {seconds} s", "còn khoảng {seconds} giây"),
    "progress_replication": _t("replication {k}/{n}", "lần mô phỏng {k}/{n}"),
    "progress_replications_done": _t("{done}/{n} replications", "{done}/{n} lần mô phỏng"),
    "progress_runs": _t("{done}/{n} runs", "{done}/{n} lần chạy"),
    "progress_pilot_runs": _t("{done}/{n} runs (pilot)", "{done}/{n} lần chạy thử"),
    "progress_compare": _t("compare", "so sánh"),
    "progress_staff": _t("simulation {k} ({replications} replications)…", "lượt mô phỏng {k} ({replications} lần mô phỏng)…"),
    "stop_interrupted": _t("interrupted (Ctrl-C or SIGTERM)", "đã dừng (Ctrl-C hoặc SIGTERM)"),
    "stop_worker_died": _t("a worker process died (killed, or out of memory?)",
                           "một tiến trình tính toán đã dừng đột ngột (bị tắt, hoặc hết bộ nhớ?)"),
    "stop_interrupted_short": _t("interrupted", "đã dừng"),
    "stop_failed_short": _t("failed", "thất bại"),
    "signal_stopping": _t("commune-sim: stopping; everything finished is kept (a moment, please)",
                          "commune-sim: đang dừng; mọi kết quả đã xong đều được giữ lại (xin chờ một chút)"),
    "signal_writing": _t("commune-sim: writing the results; everything finished is kept (a moment, please)",
                         "commune-sim: đang ghi kết quả; mọi kết quả đã xong đều được giữ lại (xin chờ một chút)"),
    "run_kept": _t("{why}: {kept} of {total} replications kept in {folder}",
                   "{why}: giữ lại {kept}/{total} lần mô phỏng trong {folder}"),
    "write_failed_nothing_saved": _t("commune-sim: could not write {folder}: {reason}; nothing was saved",
                                     "commune-sim: không ghi được {folder}: {reason}; chưa lưu kết quả nào"),
    "compare_nothing": _t("interrupted before a replication of the first scenario finished: nothing to compare",
                          "đã dừng trước khi xong một lần mô phỏng của kịch bản đầu tiên: không có gì để so sánh"),
    "compare_incomplete": _t("{why}: the comparison is incomplete", "{why}: kết quả so sánh chưa đầy đủ"),
    "sweep_cannot_start": _t("commune-sim: cannot write to {folder}: {reason}; nothing was run",
                             "commune-sim: không ghi được vào {folder}: {reason}; chưa chạy gì"),
    "sweep_write_stopped": _t("commune-sim: {error}; the sweep stopped with every finished run kept in {folder}; free "
                              "space or make the folder writable, then continue with --resume",
                              "commune-sim: {error}; đợt chạy đã dừng, mọi lần chạy đã xong được giữ lại trong {folder}; "
                              "hãy giải phóng dung lượng đĩa hoặc cấp quyền ghi cho thư mục, rồi chạy tiếp với --resume"),
    "sweep_resume": _t("resume: {found} runs found on disk, {run} run now",
                       "chạy tiếp: {found} lần chạy đã có trên đĩa, chạy thêm {run} lần"),
    "sweep_stopped": _t("{status}: {finished} of {expected} runs finished; {error}; continue with --resume",
                        "{status}: xong {finished}/{expected} lần chạy; {error}; chạy tiếp với --resume"),
    "staff_worker_died": _t("commune-sim: {why}; the search stopped, nothing was written",
                            "commune-sim: {why}; việc tìm kiếm đã dừng, chưa ghi kết quả nào"),
    "calibrate_log": _t("[calibrate {seconds} s] {message}", "[hiệu chỉnh {seconds} giây] {message}"),
    "calibrate_resuming": _t("resuming: {runs} replication runs already in {path}",
                             "chạy tiếp: đã có {runs} lần mô phỏng trong {path}"),
    "calibrate_fitting": _t("fitting {names} on replications {replications} ({targets} targets)",
                            "đang hiệu chỉnh {names} trên các lần mô phỏng {replications} ({targets} mục tiêu)"),
    "calibrate_targets": _t("targets: {path}", "mục tiêu: {path}"),
    "calibrate_targets_bundled": _t("targets: {path} (no calibration/targets.yaml in the current folder: the one "
                                    "shipped with commune-sim)",
                                    "mục tiêu: {path} (thư mục hiện tại không có calibration/targets.yaml: dùng tệp "
                                    "đi kèm commune-sim)"),
    "calibrate_stage_fit": _t("fit", "hiệu chỉnh"),
    "calibrate_stage_refit": _t("refit replication {replication}", "hiệu chỉnh lại lần mô phỏng {replication}"),
    "calibrate_evaluation": _t("{stage} #{n}: {values} -> objective {cost} ({simulated}) [{seconds} s]",
                               "{stage} #{n}: {values} -> hàm mục tiêu {cost} ({simulated}) [{seconds} giây]"),
    "calibrate_budget_used": _t("{stage}: evaluation budget ({budget}) used; keeping the best point seen",
                                "{stage}: đã dùng hết số lần đánh giá cho phép ({budget}); giữ điểm tốt nhất đã thấy"),
    "calibrate_fitted": _t("fitted {values}; refitting each of replications {replications} alone for the uncertainty",
                           "đã hiệu chỉnh: {values}; hiệu chỉnh lại riêng từng lần mô phỏng {replications} để ước "
                           "lượng độ bất định"),
    "calibrate_no_parameters": _t("no free parameters: evaluating the scenario as it is",
                                  "không có tham số tự do: đánh giá kịch bản như hiện có"),
    "calibrate_final": _t("final evaluation on replications {replications}",
                          "đánh giá cuối trên các lần mô phỏng {replications}"),
    "sensitivity_base": _t("{scenario}: base ({replications} replications)",
                           "{scenario}: kịch bản gốc ({replications} lần mô phỏng)"),
    "sensitivity_step": _t("{scenario}: {name} x {factor} (applied x {applied})",
                           "{scenario}: {name} x {factor} (áp dụng x {applied})"),
    "calibrate_kept": _t("{runs} replication runs kept in {path}", "giữ lại {runs} lần mô phỏng trong {path}"),
    "calibrate_resume_hint": _t("continue with --resume --out {folder}", "chạy tiếp với --resume --out {folder}"),
    "calibrate_interrupted": _t("interrupted: {kept}; {resume}", "đã dừng: {kept}; {resume}"),
    "calibrate_worker_died": _t("commune-sim: a worker process died (killed, or out of memory?): {kept}; {resume}",
                                "commune-sim: một tiến trình tính toán đã dừng đột ngột (bị tắt, hoặc hết bộ nhớ?): "
                                "{kept}; {resume}"),
    "calibrate_cannot_write": _t("commune-sim: cannot write to {folder}: {reason}; {kept}; free space or make the "
                                 "folder writable, then {resume}",
                                 "commune-sim: không ghi được vào {folder}: {reason}; {kept}; hãy giải phóng dung lượng "
                                 "đĩa hoặc cấp quyền ghi cho thư mục, rồi {resume}"),
    "calibrate_cannot_write_report": _t("commune-sim: cannot write the report to {folder}: {reason}; every replication "
                                        "run is kept in {path}: free space or make the folder writable, then {resume} "
                                        "(nothing is computed again)",
                                        "commune-sim: không ghi được báo cáo vào {folder}: {reason}; mọi lần mô phỏng "
                                        "đều được giữ lại trong {path}: hãy giải phóng dung lượng đĩa hoặc cấp quyền "
                                        "ghi cho thư mục, rồi {resume} (không phải tính lại)"),
    "calibrate_outside_tolerance": _t("warning: outside tolerance after calibration: {targets}",
                                      "cảnh báo: ngoài dung sai sau khi hiệu chỉnh: {targets}"),
    # overload warnings before a run (sim/study/overload_words.py; data: sim/scenario/checks.py). The
    # English is word for word what Overload.text() has always said; the manifests keep that English.
    "warning_line": _t("warning: {line}", "cảnh báo: {line}"),
    "overload_pool": _t("pool {pool}: {count} of {of} {places} at expected utilisation 1 or more on an ordinary "
                        "working day; the worst, {worst} (staff {staff}), at expected utilisation {utilisation}: "
                        "their queues can only grow",
                        "nhóm công chức {pool}: {count}/{of} {places} có tỷ lệ thời gian bận dự kiến từ 1 trở lên "
                        "trong một ngày làm việc bình thường; cao nhất là {worst} ({staff} công chức), tỷ lệ thời "
                        "gian bận dự kiến {utilisation}: quá tải, hồ sơ tồn sẽ ngày càng nhiều"),
    "overload_central_pool": _t("central pool {pool}: expected utilisation {utilisation} on an ordinary working day "
                                "(staff {staff}): its queue can only grow",
                                "nhóm công chức tập trung {pool}: tỷ lệ thời gian bận dự kiến {utilisation} trong "
                                "một ngày làm việc bình thường ({staff} công chức): quá tải, hồ sơ tồn sẽ ngày càng "
                                "nhiều"),
    "overload_communes": _t("communes", "xã, phường"),
    "overload_district_centres": _t("district centres", "trung tâm cấp huyện"),
    "overload_central_pools": _t("central pools", "nhóm công chức tập trung"),
    "overload_across": _t("pool {pool}: expected utilisation 1 or more on an ordinary working day in {variants} of "
                          "{of} variants ({each}the worst, variant {label}, {where}, at {utilisation}): their queues "
                          "can only grow",
                          "nhóm công chức {pool}: tỷ lệ thời gian bận dự kiến từ 1 trở lên trong một ngày làm việc "
                          "bình thường ở {variants}/{of} phương án ({each}cao nhất là phương án {label}, {where}, ở "
                          "mức {utilisation}): quá tải, hồ sơ tồn sẽ ngày càng nhiều"),
    "overload_across_each": _t("up to {most} of {of} {places} each; ", "mỗi phương án có đến {most}/{of} {places}; "),
    "overload_across_where": _t("{worst} (staff {staff})", "{worst} ({staff} công chức)"),
}

#: What the model does not represent: shown in every report, in both languages.
LIMITS = [
    _t("Staff absence: leave, sickness, training, meetings and other duties. Staff counts are the people at work in "
       "the pool during opening hours.",
       "Công chức vắng mặt: nghỉ phép, ốm, đi học, họp và các nhiệm vụ khác. Số công chức là số người có mặt làm "
       "việc trong giờ mở cửa."),
    _t("Citizens who give up or come back another day without being served: everyone who arrives waits their turn.",
       "Người dân bỏ về hoặc hẹn hôm khác khi chưa được phục vụ: mọi người đến đều chờ đến lượt."),
    _t("Appointment booking, queue numbers with priority groups, and staff who help each other across pools "
       "(unless a scenario shares a pool): service is first come, first served within a pool.",
       "Đặt lịch hẹn, lấy số ưu tiên và công chức hỗ trợ chéo giữa các nhóm (trừ khi kịch bản dùng chung nhóm): hồ sơ "
       "được xử lý theo thứ tự đến trước, xử lý trước trong từng nhóm."),
    _t("Each of the hundreds of procedures with its own rules: they are grouped into a few fields, each with one "
       "service-time distribution and one statutory deadline.",
       "Quy định riêng của từng thủ tục trong hàng trăm thủ tục: các thủ tục được gộp thành vài lĩnh vực, mỗi lĩnh vực "
       "có một phân phối thời gian xử lý và một thời hạn giải quyết."),
    _t("Outages of the online public service system, software data entry, and errors or complaints: only time is "
       "modelled, not the quality of decisions.",
       "Sự cố của hệ thống dịch vụ công trực tuyến, thời gian nhập liệu trên phần mềm, sai sót hay khiếu nại: mô hình "
       "chỉ tính thời gian, không đánh giá chất lượng giải quyết."),
    _t("Demand commune by commune: unless a table is given, each commune's dossiers are in proportion to its "
       "population, because no per-commune volumes are reported.",
       "Số hồ sơ của từng xã: nếu không có bảng số liệu riêng, số hồ sơ tỷ lệ với dân số, vì chưa có số liệu công bố "
       "theo từng xã."),
    _t("Citizens' travel and choice of desk: with location-independent filing, a dossier goes to the least busy "
       "desk nearby, not to the one the citizen would choose.",
       "Việc đi lại và lựa chọn nơi nộp của người dân: khi tiếp nhận không phụ thuộc địa giới hành chính, hồ sơ được "
       "đưa tới quầy ít việc nhất gần đó, không theo lựa chọn của người dân."),
    _t("All staff of a pool work equally fast, and time at other agencies (verification, the province) is a random "
       "delay that uses no commune staff.",
       "Mọi công chức trong một nhóm làm việc nhanh như nhau; thời gian chờ cơ quan khác (xác minh, cấp tỉnh) là một "
       "khoảng chờ ngẫu nhiên, không dùng thời gian của công chức xã."),
]
