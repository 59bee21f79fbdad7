"""Sections every report has (assumptions, limits, provenance) and pieces the kinds share.

* assumptions: the comment block of each scenario file (REPORTED FIGURES with sources, DERIVED
  arithmetic, ASSUMPTIONS with reasons, CHANGES), as the manifest recorded it, with headings
  in the report's language and the text as written;
* limits: what the model does not represent (the catalogue's ``LIMITS``);
* provenance: the folder's scenario hashes, seeds, replications, version, command line, dates.
"""
from __future__ import annotations

import datetime as dt
import math

from ...engine.stats import mean_and_half_width
from ...scenario.header import scenario_headers, sections as header_sections
from .. import catalogue as cat
from ..analysis import communes_missing, missing_counts
from . import html
from .registry import Context, Section, section

HEADINGS = {"REPORTED FIGURES": "header_reported", "DERIVED": "header_derived", "ASSUMPTIONS": "header_assumptions",
            "CHANGES": "header_changes", "WHAT AND WHY": "header_what_and_why"}
MAX_COMMUNE_ROWS = 40


# ------------------------------------------------------------------ common sections
@section("*", 80)
def assumptions(ctx: Context) -> Section | None:
    blocks = []
    headers = ctx.folder.headers or [h for f in ctx.folder.scenario_files if f for h in scenario_headers(f)]
    for header in headers:  # recorded by the run; for an older folder, read from the file if it is still there
        parts = []
        for part in header_sections(header["text"]):
            heading = part["heading"]
            if heading:
                key = next((v for k, v in HEADINGS.items() if heading.startswith(k)), None)
                title = ctx.t(key) if key else heading.capitalize()
                qualifier = f" {part['qualifier']}" if part["qualifier"] else ""
                parts.append(f"<h4>{html.esc(title + qualifier)}</h4>")
                parts.append("<ul>" + "".join(f"<li>{html.esc(i)}</li>" for i in part["items"]) + "</ul>")
            else:
                parts.append("".join(html.p(i) for i in part["items"]))
        blocks.append(f'<div class="header-block"><h3>{html.esc(ctx.t("header_file", file=header["file"]))}</h3>'
                      + "".join(parts) + "</div>")
    if not blocks:
        files = ", ".join(ctx.folder.scenario_files) or "—"
        return Section(ctx.t("section_assumptions"), html.p(ctx.t("header_missing", file=files), "note"))
    return Section(ctx.t("section_assumptions"), html.p(ctx.t("header_note"), "note") + "".join(blocks))


@section("*", 85)
def limits(ctx: Context) -> Section:
    items = "".join(f"<li>{html.esc(item[ctx.lang])}</li>" for item in cat.LIMITS)
    return Section(ctx.t("section_limits"), html.p(ctx.t("limits_intro")) + f"<ul>{items}</ul>")


@section("*", 90)
def provenance(ctx: Context) -> Section | None:
    rows = [(ctx.t(key), value(ctx.lang) if callable(value) else value) for key, value in ctx.folder.provenance]
    rows = [(k, v) for k, v in rows if v not in (None, "")]
    if not rows:
        return None
    body = "".join(f"<dt>{html.esc(k)}</dt><dd>{html.esc(v)}</dd>" for k, v in rows)
    return Section(ctx.t("section_provenance"), f'<dl class="prov">{body}</dl>')


# ------------------------------------------------------------------ pieces
def run_provenance(m: dict) -> list[tuple]:
    """Provenance rows of one run's manifest (a ``run`` folder, or one scenario of a comparison);
    a value that depends on the language is a function of it."""
    resolved = m.get("resolved_scenario") or {}
    horizon = resolved.get("horizon") or {}
    status = m.get("status")
    return [
        ("prov_scenario", m.get("scenario_name")),
        ("prov_file", m.get("scenario_file")),
        ("prov_period", (lambda lang: cat.period(horizon["start_date"], horizon["days"], lang)) if "start_date" in horizon
         else None),
        ("prov_hash", m.get("scenario_sha256")),
        ("prov_seed", m.get("seed")),
        ("prov_replications", f"{m.get('replications_completed')} / {m.get('replications_requested')}"),
        ("prov_status", (lambda lang: cat.text(f"status_{status}", lang)) if f"status_{status}" in cat.TEXT else status),
    ]


def shared_provenance(m: dict) -> list[tuple[str, str]]:
    versions = m.get("versions") or {}
    dates = " – ".join(d for d in (m.get("started_at"), m.get("finished_at")) if d)
    command = m.get("command_line")
    return [("prov_version", versions.get("commune-sim")), ("prov_command", " ".join(command) if command else None),
            ("prov_date", dates)]


def staff_pools(rows: list[dict]) -> list[str]:
    return [k.removeprefix("staff_") for k in (rows[0] if rows else {}) if k.startswith("staff_")]


def communes_table(ctx: Context, rows: list[dict], limit: int = MAX_COMMUNE_ROWS) -> str:
    """The communes that miss a target: name, type, population, staff, utilisation, p90 wait, on time."""
    missing = communes_missing(rows, ctx.targets)
    if not missing:
        return html.p(ctx.t("all_communes_meet"))
    pools = staff_pools(rows)
    pool_names = " / ".join(cat.part(p, ctx.lang) for p in pools)
    headers = [ctx.t("commune"), ctx.t("type"), ctx.label("population"), ctx.t("staff_by_pool", pools=pool_names),
               f"{ctx.t('short_utilisation')} ({pool_names}, %)", ctx.label("p90_wait_minutes"),
               ctx.label("on_time_share"), ctx.t("misses")]
    body, classes = [], []
    for row in missing[:limit]:
        staff = " / ".join(ctx.value("staff", row.get(f"staff_{p}")) for p in pools)
        busy = " / ".join(ctx.value("utilisation", row.get(f"utilisation_{p}")) for p in pools)
        misses = [ctx.t(k) for k, flag in (("miss_wait", row["misses_wait"]), ("miss_on_time", row["misses_on_time"])) if flag]
        body.append([row.get("commune"), cat.part(str(row.get("type", "")), ctx.lang), ctx.value("population", row.get("population")),
                     staff, busy, _with_hw(ctx, "p90_wait_minutes", row), _with_hw(ctx, "on_time_share", row),
                     ", ".join(misses)])
        classes.append(["", "", "", "", "", "worse" if row["misses_wait"] else "", "worse" if row["misses_on_time"] else "", ""])
    out = html.table(headers, body, numeric={2, 3, 4, 5, 6}, classes=classes)
    if len(missing) > limit:
        out += html.p(ctx.t("more_rows", n=len(missing) - limit), "note")
    return out


def _with_hw(ctx: Context, name: str, row: dict) -> str:
    hw = row.get(f"{name}_ci95_half_width")
    text = ctx.value(name, row.get(name))
    return text + (f" ± {ctx.value(name, hw)}" if isinstance(hw, (int, float)) and math.isfinite(hw) else "")


def missing_sentence(ctx: Context, per_replication: list[list[dict]], total: int) -> str:
    """"3.2 of 126 communes (95% interval 2.1–4.3) have a 90% waiting time above 30 …" over replications."""
    counts = missing_counts(per_replication, ctx.targets)
    above = mean_and_half_width(counts["communes_above_wait_target"])
    below = mean_and_half_width(counts["communes_below_on_time_target"])
    return ctx.t("headline_communes",
                 above=ctx.interval("communes_above_wait_target", *above, floor=0, ceiling=total),
                 below=ctx.interval("communes_below_on_time_target", *below, floor=0, ceiling=total),
                 total=total, wait=cat.number(ctx.targets.wait_minutes, "{:g}", ctx.lang),
                 on_time=ctx.value("on_time_share", ctx.targets.on_time_share))


def is_working_day(resolved: dict, day: str) -> bool:
    """Whether the centres open on ``day`` (ISO date) under a resolved scenario's calendar."""
    calendar = resolved.get("calendar") or {}
    if calendar.get("always_open"):
        return True
    date = dt.date.fromisoformat(day[:10])
    if date.isoformat() in {str(h)[:10] for h in calendar.get("holidays", [])}:
        return False
    key = "weekday_hours" if date.weekday() < 5 else "saturday_hours" if date.weekday() == 5 else "sunday_hours"
    default = [["08:00", "12:00"], ["13:00", "17:00"]] if key == "weekday_hours" else []
    return bool(calendar.get(key, default))


def backlog_rows(summary: dict, resolved: dict, variant: str, label: str) -> list[dict]:
    """A summary's daily backlog, working days only, as rows for :func:`sim.study.plots.draw_backlog`."""
    rows, n = [], 0
    for day in summary.get("backlog_by_day", []):
        if is_working_day(resolved, day["date"]):
            n += 1
            rows.append({"variant": variant, "label": label, "working_day": n, "date": day["date"],
                         "mean": day.get("dossiers_in_process_end_of_day"),
                         "ci95_half_width": day.get("dossiers_in_process_end_of_day_ci95_half_width")})
    return rows


def plot(ctx: Context, draw, alt: str) -> str:
    """A plot drawn into the page; a plot that cannot be drawn is left out with a note."""
    try:
        return html.image(draw, alt)
    except (KeyError, ValueError, TypeError, IndexError) as exc:
        ctx.notes.append(f"{alt}: {type(exc).__name__}: {exc}")
        return ""
