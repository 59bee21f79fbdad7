"""The report of a ``staff`` folder (``commune-sim staff``): the recommendation, in words and tables.

Sections: the answer (one sentence per pool, as printed, in the report's language); staff now
and recommended per pool with the worst commune before and after; the communes that still miss
a target and why; the plot of recommended against current staff; the staff-change maps on real
communes; then the common assumptions, limits and provenance.
"""
from __future__ import annotations

from pathlib import Path

from ..files import read_json
from . import common, html
from .registry import Context, Folder, Section, register_kind, section


def _detect(folder: Path, manifest: dict) -> bool:
    return manifest.get("kind") == "staff" and (folder / "summary.json").is_file()


def _load(folder: Path, manifest: dict) -> Folder:
    import pandas as pd

    summary = read_json(folder / "summary.json")
    table = pd.read_csv(folder / "staffing.csv") if (folder / "staffing.csv").is_file() else pd.DataFrame()
    provenance = [("prov_scenario", manifest.get("scenario_name")), ("prov_file", manifest.get("scenario_file")),
                  ("prov_hash", manifest.get("scenario_sha256")), ("prov_seed", manifest.get("seed")),
                  ("prov_replications", manifest.get("replications")), ("staffing_simulations", summary.get("simulations"))]
    return Folder(folder, manifest, manifest.get("scenario_name", folder.name), manifest.get("resolved_scenario") or {},
                  manifest.get("scenario_headers", []), [manifest.get("scenario_file") or ""],
                  provenance + common.shared_provenance(manifest), {"summary": summary, "table": table})


register_kind("staff", _detect, _load, "kind_staff", priority=40)


@section("staff", 10)
def answer(ctx: Context) -> Section:
    summary = ctx.data["summary"]
    lines = (summary.get("answer") or {}).get(ctx.lang) or []
    targets = (summary.get("targets_text") or {}).get(ctx.lang, "")
    body = '<div class="findings">' + "".join(html.p(line) for line in lines) + "</div>"  # styled as every kind's
    if targets:
        body += html.p(ctx.t("staffing_targets", targets=targets), "note")
    return Section(ctx.t("section_findings"), body)


@section("staff", 20)
def pools(ctx: Context) -> Section:
    summary = ctx.data["summary"]
    headers = [ctx.t("pool"), ctx.label("current_staff"), ctx.label("recommended_staff"), ctx.t("staffing_per_commune"),
               ctx.t("staffing_worst_now"), ctx.t("staffing_worst_after")]
    rows = []
    for pool, entry in summary.get("by_pool", {}).items():
        worst = [f"{name}: {ctx.value('p90_wait_minutes', value)} {ctx.unit('p90_wait_minutes')}"
                 for value, name in (entry["worst_p90_wait_minutes_now"], entry["worst_p90_wait_minutes_after"])]
        rows.append([_part(ctx, pool), ctx.value("current_staff", entry["staff_now"]),
                     ctx.value("recommended_staff", entry["staff_recommended"]),
                     f"{entry['min_per_commune_recommended']}–{entry['max_per_commune_recommended']}", *worst])
    meeting = ctx.t("staffing_meeting", now=summary["communes_meeting_now"]["all"]["by_estimate"],
                    after=summary["communes_meeting_after"]["all"]["by_estimate"], communes=summary.get("communes"))
    return Section(ctx.t("section_staffing_pools"), html.table(headers, rows, {1, 2}) + html.p(meeting))


def _part(ctx: Context, pool: str) -> str:
    from .. import catalogue as cat

    return cat.part(pool, ctx.lang)


@section("staff", 40)
def not_met(ctx: Context) -> Section | None:
    missed = ctx.data["summary"].get("not_met") or []
    if not missed:
        return None
    key = "reason_vi" if ctx.lang == "vi" else "reason"
    rows = [[m["commune"], m[key]] for m in missed[: common.MAX_COMMUNE_ROWS]]
    return Section(ctx.t("section_communes"), html.table([ctx.t("commune"), ctx.t("staffing_why")], rows))


@section("staff", 50)
def plot(ctx: Context) -> Section | None:
    path = ctx.folder.path / f"staffing.{ctx.lang}.png"
    path = path if path.is_file() else ctx.folder.path / "staffing.png"
    if not path.is_file():
        return None
    return Section(ctx.t("section_plots"), html.png(path.read_bytes(), ctx.t("staffing_title", scenario=ctx.folder.name)))


@section("staff", 60)
def maps(ctx: Context) -> Section | None:
    listed = ctx.folder.manifest.get("maps")
    if isinstance(listed, str):
        return Section(ctx.t("section_maps"), html.p(ctx.t("map_no_geography"), "note"))
    mine = [name for name in listed or [] if name.endswith(f".{ctx.lang}.png") and (ctx.folder.path / name).is_file()]
    if not mine:
        return None
    return Section(ctx.t("section_maps"), "".join(html.png((ctx.folder.path / n).read_bytes(), n) for n in mine))
