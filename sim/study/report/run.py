"""The report of a ``run`` folder: one scenario, its replications, its communes."""
from __future__ import annotations

from pathlib import Path

from .. import catalogue as cat
from .. import plots
from ..files import read_json
from . import common, html
from .registry import Context, Folder, Section, register_kind, section


def _detect(folder: Path, manifest: dict) -> bool:
    return manifest.get("kind", "run") == "run" and "resolved_scenario" in manifest and (folder / "summary.json").is_file()


def _load(folder: Path, manifest: dict) -> Folder:
    import pandas as pd

    summary = read_json(folder / "summary.json")
    communes = pd.read_csv(folder / "communes.csv") if (folder / "communes.csv").is_file() else pd.DataFrame()
    per_rep = folder / "communes_replications.csv"
    replications = pd.read_csv(per_rep) if per_rep.is_file() else None
    return Folder(folder, manifest, manifest.get("scenario_name", folder.name), manifest["resolved_scenario"],
                  manifest.get("scenario_headers", []), [manifest.get("scenario_file") or ""],
                  common.run_provenance(manifest) + common.shared_provenance(manifest),
                  {"summary": summary, "communes": communes, "replications": replications})


register_kind("run", _detect, _load, "kind_run", priority=50)


def by_replication(replications, communes) -> list[list[dict]]:
    """Per replication, its commune rows (the means alone when the folder has no per-replication file)."""
    if replications is None:
        return [communes.to_dict("records")]
    return [part.to_dict("records") for _, part in replications.groupby("replication", sort=True)]


@section("run", 10)
def findings(ctx: Context) -> Section:
    s, communes = ctx.data["summary"], ctx.data["communes"]
    say = []
    m = ctx.folder.manifest
    if m.get("status") == "interrupted":
        say.append(ctx.t("headline_interrupted", done=m.get("replications_completed"), requested=m.get("replications_requested")))
    fig = (lambda name: ctx.interval(name, s.get(name), s.get(f"{name}_ci95_half_width"), floor=0))
    say.append(ctx.t("headline_run", place_period=ctx.where(), communes=len(communes), arrived=fig("dossiers_arrived"),
                     completed=fig("dossiers_completed"), in_process=fig("dossiers_in_process")))
    say.append(ctx.t("headline_wait", p90=fig("p90_wait_minutes"), mean=fig("mean_wait_minutes")))
    say.append(ctx.t("headline_on_time", on_time=fig("on_time_share")))
    if len(communes):
        say.append(common.missing_sentence(ctx, by_replication(ctx.data["replications"], communes), len(communes)))
    pools = {k: v for k, v in s.get("pools", {}).items() if isinstance(v, dict) and cat.finite(v.get("utilisation"))}
    if pools:
        name, pool = max(pools.items(), key=lambda kv: kv[1]["utilisation"])
        say.append(ctx.t("headline_busiest_pool", pool=cat.part(name, ctx.lang),
                         utilisation=ctx.interval("utilisation", pool["utilisation"], pool.get("utilisation_ci95_half_width"))))
    return Section(ctx.t("section_findings"), '<div class="findings">' + "".join(html.p(x) for x in say) + "</div>")


@section("run", 20)
def key_figures(ctx: Context) -> Section:
    s = ctx.data["summary"]
    rows = [[ctx.label(n, with_unit=False), ctx.unit(n), ctx.value(n, s.get(n)),
             ctx.value(n, s.get(f"{n}_ci95_half_width"))] for n in cat.KEY_FIGURES if n in s]
    headers = [ctx.t("figure"), ctx.t("unit"), ctx.t("mean"), ctx.t("ci95")]
    return Section(ctx.t("section_key_figures"), html.table(headers, rows, numeric={2, 3})
                   + html.p(ctx.t("interval_note") + f" — {s.get('replications')} {ctx.t('replications')}.", "note"))


@section("run", 25)
def pools(ctx: Context) -> Section | None:
    found = {k: v for k, v in ctx.data["summary"].get("pools", {}).items() if isinstance(v, dict)}
    if not found:
        return None
    wait = "mean_wait_minutes"
    headers = [ctx.t("pool"), f"{ctx.t('short_utilisation')} (%): {ctx.t('mean_with_interval')}",
               f"{ctx.t('mean_wait_at_pool')}: {ctx.t('simulated')}, {ctx.t('mean_with_interval')}",
               f"{ctx.t('mean_wait_at_pool')}: {ctx.t('formula')}"]
    rows = [[cat.part(name, ctx.lang),
             ctx.interval("utilisation", p.get("utilisation"), p.get("utilisation_ci95_half_width"), compact=True),
             ctx.interval(wait, p.get(wait), p.get(f"{wait}_ci95_half_width"), floor=0, compact=True),
             ctx.value(wait, p.get("analytic_mean_wait_minutes"))] for name, p in found.items()]
    return Section(ctx.t("section_pools"), html.table(headers, rows, numeric={1, 2, 3}) + html.p(ctx.t("pools_note"), "note"))


@section("run", 40)
def communes(ctx: Context) -> Section | None:
    rows = ctx.data["communes"].to_dict("records")
    if not rows:
        return None
    intro = ctx.t("communes_intro", wait=cat.number(ctx.targets.wait_minutes, "{:g}", ctx.lang),
                  on_time=ctx.value("on_time_share", ctx.targets.on_time_share))
    return Section(ctx.t("section_communes"), html.p(intro) + common.communes_table(ctx, rows))


@section("run", 50)
def figures(ctx: Context) -> Section | None:
    import pandas as pd

    s, where, lang = ctx.data["summary"], ctx.where(), ctx.lang
    name = ctx.name()
    out = []
    rows = common.backlog_rows(s, ctx.folder.resolved, "run", cat.place(name))
    if rows:
        out.append(common.plot(ctx, lambda f: plots.draw_backlog(pd.DataFrame(rows), f, where=where, lang=lang),
                               ctx.t("plot_backlog")))
    table = ctx.data["replications"] if ctx.data["replications"] is not None else ctx.data["communes"]
    if len(table):
        table = table.assign(variant="run")
        labels = {"run": cat.place(name)}
        out.append(common.plot(ctx, lambda f: plots.commune_load(table, labels, "p90_wait_minutes", f, 10, where=where,
                                                                 lang=lang, reference=ctx.targets.wait_minutes),
                               ctx.label("p90_wait_minutes")))
        busiest = _busiest_pool(s)
        if busiest and f"utilisation_{busiest}" in table:
            out.append(common.plot(ctx, lambda f: plots.commune_load(table, labels, f"utilisation_{busiest}", f, 10,
                                                                     where=where, lang=lang),
                                   ctx.label(f"utilisation_{busiest}")))
    fields = list(s.get("by_field", {}))
    if fields:
        frame = pd.DataFrame([{"variant": "run", "figure": f"by_field.{fld}.{k}", "mean": v.get(k),
                               "ci95_half_width": v.get(f"{k}_ci95_half_width")}
                              for fld, v in s["by_field"].items() for k in ("mean_wait_minutes", "on_time_share")])
        out.append(common.plot(ctx, lambda f: plots.by_field(frame, ["mean_wait_minutes", "on_time_share"], fields,
                                                             [("run", cat.place(name))], f, where=where, lang=lang,
                                                             targets=ctx.targets), ctx.t("plot_by_field")))
    body = "".join(out)
    return Section(ctx.t("section_plots"), body) if body else None


def _busiest_pool(summary: dict) -> str | None:
    pools = {k: v.get("utilisation") for k, v in summary.get("pools", {}).items() if isinstance(v, dict)}
    pools = {k: v for k, v in pools.items() if cat.finite(v)}
    return max(pools, key=pools.get) if pools else None
