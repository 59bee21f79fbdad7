"""The report of a ``compare`` folder: scenarios run on the same dossiers, and their paired differences."""
from __future__ import annotations

from pathlib import Path

from ...engine.stats import mean_and_half_width
from .. import catalogue as cat
from .. import plots
from ..analysis import communes_missing, missing_counts, verdict
from ..files import read_json
from . import common, html
from .registry import Context, Folder, Section, register_kind, section

HEADLINE_FIGURES = ("p90_wait_minutes", "mean_wait_minutes", "on_time_share", "dossiers_in_process")
VERDICT_CLASS = {"better": "better", "worse": "worse", "no_clear_difference": "unclear", "negligible": "unclear",
                 "not_ranked": ""}


def _detect(folder: Path, manifest: dict) -> bool:
    return manifest.get("kind", "compare") == "compare" and "scenarios" in manifest and (folder / "comparison.csv").is_file()


def _load(folder: Path, manifest: dict) -> Folder:
    import pandas as pd

    scenarios = manifest["scenarios"]
    names = [s.get("scenario_name") or s.get("scenario_file") or f"{k + 1}" for k, s in enumerate(scenarios)]
    shared, short = cat.short_names(names, 44)
    rows = pd.read_csv(folder / "comparison.csv").to_dict("records")
    summaries = read_json(folder / "summaries.json") if (folder / "summaries.json").is_file() else None
    per_rep = folder / "communes_replications.csv"
    communes = pd.read_csv(per_rep) if per_rep.is_file() else None
    headers, seen = [], set()
    for s in scenarios:
        for h in s.get("scenario_headers", []):
            if h["file"] not in seen:
                seen.add(h["file"])
                headers.append(h)
    provenance = [row for s in scenarios for row in common.run_provenance(s)]
    provenance += common.shared_provenance({**scenarios[0], "command_line": manifest.get("command_line")})
    title = cat.place(names[0]) + ": " + " · ".join(short[:4]) + (" …" if len(short) > 4 else "")
    return Folder(folder, manifest, title, scenarios[0].get("resolved_scenario", {}), headers,
                  [s.get("scenario_file") or "" for s in scenarios], provenance,
                  {"names": names, "short": short, "rows": rows, "summaries": summaries, "communes": communes})


register_kind("compare", _detect, _load, "kind_compare", priority=40)


def _rows_of(ctx: Context, figure: str) -> list[dict]:
    return [r for r in ctx.data["rows"] if r["figure"] == figure]


def _commune_counts(ctx: Context) -> list[dict] | None:
    """Per scenario, the count of communes missing each target per replication."""
    table = ctx.data["communes"]
    if table is None:
        return None
    out = []
    for k in range(len(ctx.data["names"])):
        part = table[table["scenario"] == k]
        out.append(missing_counts([g.to_dict("records") for _, g in part.groupby("replication", sort=True)], ctx.targets))
    return out


@section("compare", 10)
def findings(ctx: Context) -> Section:
    short = ctx.data["short"]
    say = [html.p(ctx.t("headline_compare", first=short[0]))]
    counts = _commune_counts(ctx)
    for k in range(1, len(short)):
        differences = []
        for figure in HEADLINE_FIGURES:
            rows = _rows_of(ctx, figure)
            if k < len(rows):
                differences.append((figure, rows[k]["difference_to_first"], rows[k]["difference_ci95_half_width"]))
        for key, values in (counts[k].items() if counts else ()):
            differences.append((key, *mean_and_half_width([a - b for a, b in zip(values, counts[0][key])])))
        items, unclear = [], []
        for figure, d, hw in differences:
            judged = verdict(cat.figure(figure).better, d, hw, cat.resolution(figure))
            if judged in ("no_clear_difference", "negligible"):
                unclear.append(ctx.label(figure, with_unit=False))
            else:
                items.append(_difference_item(ctx, figure, d, hw))
        if unclear:
            items.append(f'<li class="unclear">{html.esc(ctx.t("no_clear_difference_in", figures="; ".join(unclear)))}</li>')
        say.append(f"<p><strong>{html.esc(short[k])}</strong></p><ul>" + "".join(items) + "</ul>")
    if counts:
        table = ctx.data["communes"]
        total = table.loc[table["scenario"] == 0, "commune"].nunique()
        for k, name in enumerate(short):
            say.append(html.p(f"{name}: " + _count_sentence(ctx, counts[k], total)))
    return Section(ctx.t("section_findings"), '<div class="findings">' + "".join(say) + "</div>")


def _count_sentence(ctx: Context, counts: dict, total: int) -> str:
    above = mean_and_half_width(counts["communes_above_wait_target"])
    below = mean_and_half_width(counts["communes_below_on_time_target"])
    return ctx.t("headline_communes", above=ctx.interval("communes_above_wait_target", *above, floor=0, ceiling=total),
                 below=ctx.interval("communes_below_on_time_target", *below, floor=0, ceiling=total), total=total,
                 wait=cat.number(ctx.targets.wait_minutes, "{:g}", ctx.lang),
                 on_time=ctx.value("on_time_share", ctx.targets.on_time_share))


def _difference_item(ctx: Context, figure: str, d, hw) -> str:
    judged = verdict(cat.figure(figure).better, d, hw, cat.resolution(figure))
    change = ctx.t("change_by", difference=cat.difference(figure, d, hw, ctx.lang))
    text = ctx.t("headline_difference", figure=ctx.label(figure, with_unit=False), change=change, verdict=ctx.t(judged))
    return f'<li class="{VERDICT_CLASS[judged]}">{html.esc(text)}</li>'


@section("compare", 20)
def key_figures(ctx: Context) -> Section:
    short = ctx.data["short"]
    headers = [ctx.t("figure"), ctx.t("scenario"), ctx.t("mean_with_interval"), ctx.t("difference_with_interval"), ""]
    body, classes = [], []
    figures = list(dict.fromkeys(r["figure"] for r in ctx.data["rows"]))
    for figure in figures:
        for k, r in enumerate(_rows_of(ctx, figure)):
            judged = verdict(cat.figure(figure).better, r["difference_to_first"], r["difference_ci95_half_width"],
                             cat.resolution(figure))
            first = k == 0
            body.append([ctx.label(figure) if first else "", short[k] if k < len(short) else r["scenario"],
                         ctx.interval(figure, r["mean"], r["ci95_half_width"], floor=0, compact=True),
                         "" if first else cat.difference(figure, r["difference_to_first"], r["difference_ci95_half_width"],
                                                         ctx.lang, compact=True),
                         "" if first else ctx.t(judged)])
            classes.append(["", "", "", "", "" if first else VERDICT_CLASS[judged]])
    note = html.p(ctx.t("verdict_note"), "note") + html.p(ctx.t("interval_note"), "note")
    return Section(ctx.t("section_key_figures"), html.table(headers, body, numeric={2, 3}, classes=classes) + note)


@section("compare", 40)
def communes(ctx: Context) -> Section | None:
    table = ctx.data["communes"]
    if table is None:
        return None
    from ..runner import commune_rows

    out = [html.p(ctx.t("communes_intro", wait=cat.number(ctx.targets.wait_minutes, "{:g}", ctx.lang),
                        on_time=ctx.value("on_time_share", ctx.targets.on_time_share)))]
    for k, name in enumerate(ctx.data["short"]):
        part = table[table["scenario"] == k].drop(columns=["scenario"])
        results = [{"communes": g.drop(columns=["replication"]).to_dict("records")} for _, g in part.groupby("replication")]
        rows = commune_rows(results) if results else []
        missing = communes_missing(rows, ctx.targets)
        out.append(f"<h3>{html.esc(ctx.t('communes_of', scenario=name, n=len(missing), total=len(rows)))}</h3>")
        out.append(common.communes_table(ctx, rows, limit=20))
    return Section(ctx.t("section_communes"), "".join(out))


@section("compare", 50)
def figures(ctx: Context) -> Section:
    import pandas as pd

    where, lang, short = ctx.where(), ctx.lang, ctx.data["short"]
    out = [common.plot(ctx, lambda f: plots.comparison_figure(ctx.data["rows"], short, f, where=where, lang=lang),
                       ctx.t("plot_comparison"))]
    summaries = ctx.data["summaries"]
    if summaries:
        rows = [row for k, s in enumerate(summaries) for row in common.backlog_rows(s, ctx.folder.resolved, str(k), short[k])]
        if rows:
            out.append(common.plot(ctx, lambda f: plots.draw_backlog(pd.DataFrame(rows), f, where=where, lang=lang),
                                   ctx.t("plot_backlog")))
    table = ctx.data["communes"]
    if table is not None and len(table):
        table = table.assign(variant=table["scenario"].astype(str))
        labels = {str(k): name for k, name in enumerate(short)}
        out.append(common.plot(ctx, lambda f: plots.commune_load(table, labels, "p90_wait_minutes", f, 10, where=where,
                                                                 lang=lang, reference=ctx.targets.wait_minutes),
                               ctx.label("p90_wait_minutes")))
    return Section(ctx.t("section_plots"), "".join(out))
