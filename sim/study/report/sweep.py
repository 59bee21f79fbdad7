"""The report of a ``sweep`` folder: the variants of an experiment, paired with its baseline.

With the run files (``runs/``) and the experiment recorded in the manifest, the tables are
recomputed against the report's targets and the experiment's plots are redrawn in the report's
language; a folder that keeps only its tables and PNGs (a committed result) is reported from
``summary.csv`` with its plots as they were saved.
"""
from __future__ import annotations

import re
import tempfile
from pathlib import Path

from .. import catalogue as cat
from ..analysis import communes_missing, summary_table, verdict
from ..files import read_json
from . import common, html
from .registry import Context, Folder, Section, register_kind, section

RUN_FILE = re.compile(r"^(?P<variant>[\w-]+)-r(?P<replication>\d+)\.json$")


def _detect(folder: Path, manifest: dict) -> bool:
    return manifest.get("kind", "sweep") == "sweep" and "experiment_name" in manifest and (folder / "summary.csv").is_file()


def _records(folder: Path, manifest: dict) -> dict:
    """The finished runs the manifest counts, by (variant, replication)."""
    counts = manifest.get("replications_per_variant") or {}
    found = {}
    runs = folder / "runs"
    for path in sorted(runs.iterdir()) if runs.is_dir() else []:
        match = RUN_FILE.match(path.name)
        if match and match["variant"] in counts and int(match["replication"]) < counts[match["variant"]]:
            found[(match["variant"], int(match["replication"]))] = read_json(path)
    return found


def _load(folder: Path, manifest: dict) -> Folder:
    import pandas as pd

    from ..experiments import experiment_from_manifest

    experiment = experiment_from_manifest(manifest)
    records = _records(folder, manifest) if experiment else {}
    base = (manifest.get("variants") or [{}])[0].get("resolved_scenario") or \
        (manifest.get("base_scenario") or {}).get("resolved") or {}  # a variant: after the experiment's `set`
    source = manifest.get("source") or {}
    provenance = [("prov_experiment", manifest.get("experiment_file")), ("prov_scenario", base.get("name")),
                  ("prov_hash", manifest.get("experiment_sha256")), ("prov_seed", manifest.get("root_seed")),
                  ("prov_replications", _replications_text(manifest)),
                  ("prov_status", (lambda lang: cat.text(f"status_{manifest['status']}", lang))
                   if f"status_{manifest.get('status')}" in cat.TEXT else manifest.get("status")),
                  *common.shared_provenance(manifest),
                  ("prov_git", source.get("git_commit"))]
    data = {"experiment": experiment, "records": records, "summary": pd.read_csv(folder / "summary.csv"),
            "variants": manifest.get("variants", []), "baseline": manifest.get("baseline_variant")}
    name = manifest.get("experiment_name", folder.name)
    data["words_in"] = experiment.spec.words_in if experiment else (lambda lang: {})  # the file's own texts translated
    return Folder(folder, manifest, lambda lang: data["words_in"](lang).get(name, name), base,
                  manifest.get("scenario_headers", []), [str((manifest.get("base_scenario") or {}).get("reference", ""))],
                  provenance, data)


def _replications_text(manifest: dict) -> str:
    counts = sorted(set((manifest.get("replications_per_variant") or {}).values()))
    done = "–".join(str(c) for c in counts) if counts else "—"
    return f"{done} / {manifest.get('replications_requested')}"


register_kind("sweep", _detect, _load, "kind_sweep", priority=45)


# ------------------------------------------------------------------ tables against the report's targets
def _summary(ctx: Context):
    """summary.csv, or recomputed from the runs when the report's targets are not the experiment's."""
    m, data = ctx.folder.manifest, ctx.data
    same = (m.get("wait_target_minutes"), m.get("on_time_target")) == (ctx.targets.wait_minutes, ctx.targets.on_time_share)
    if same or not data["records"] or data["experiment"] is None:
        return data["summary"]
    if "recomputed" not in data:
        from ..runstore import results_table

        experiment = data["experiment"]
        spec = experiment.spec.model_copy(update={"wait_target_minutes": ctx.targets.wait_minutes,
                                                  "on_time_target": ctx.targets.on_time_share})
        experiment = type(experiment)(**{**experiment.__dict__, "spec": spec})
        data["recomputed"] = summary_table(results_table(experiment, data["records"]), experiment.baseline)
    return data["recomputed"]


def _labels(ctx: Context) -> dict[str, str]:
    from ..experiment_plots import scenario_names

    experiment = ctx.data["experiment"]
    names = scenario_names(experiment) if experiment else {}
    words = ctx.data["words_in"](ctx.lang)
    return {v["id"]: cat.variant_label(v["parameters"], ctx.lang, names, words) for v in ctx.data["variants"]}


def _column(ctx: Context) -> tuple[str, dict[str, str]]:
    """The heading and cells of the variant column: with one parameter, its name (and unit) in the
    heading and its levels in the cells; otherwise "variant" and the full labels."""
    variants = ctx.data["variants"]
    names = {n for v in variants for n in v["parameters"]}
    if len(names) == 1 and "scenario" not in names:
        name, words = names.pop(), ctx.data["words_in"](ctx.lang)
        return (cat.parameter(name, ctx.lang, words=words),
                {v["id"]: cat.parameter_value(name, v["parameters"][name], ctx.lang, words=words) for v in variants})
    return ctx.t("variant"), _labels(ctx)


def _row(summary, variant: str, figure: str):
    part = summary[(summary["variant"] == variant) & (summary["figure"] == figure)]
    return part.iloc[0] if len(part) else None


def _meets(summary, variant: str) -> bool:
    rows = [_row(summary, variant, f) for f in ("communes_above_wait_target", "communes_below_on_time_target")]
    return all(r is not None and r["mean"] == 0 for r in rows)


def _communes_total(ctx: Context) -> int | None:
    """How many communes the region has: from a run, else from the resolved scenario (a committed folder)."""
    for record in ctx.data["records"].values():
        return len(record["result"].get("communes", []))
    communes = ctx.folder.resolved.get("communes") or {}
    return len(communes["only"]) if communes.get("only") else communes.get("count")


@section("sweep", 10)
def findings(ctx: Context) -> Section:
    summary, labels = _summary(ctx), _labels(ctx)
    variants = [v["id"] for v in ctx.data["variants"]]
    counts = sorted(set((ctx.folder.manifest.get("replications_per_variant") or {}).values()))
    say = [ctx.t("headline_sweep", variants=len(variants), place_period=ctx.where(),
                 replications="–".join(str(c) for c in counts) or "—")]
    base = ctx.data["baseline"] or (variants[0] if variants else None)
    above, below = _row(summary, base, "communes_above_wait_target"), _row(summary, base, "communes_below_on_time_target")
    total = _communes_total(ctx)
    if above is not None and below is not None:
        say.append(ctx.t("headline_sweep_baseline", variant=labels.get(base, base),
                         above=ctx.interval("communes_above_wait_target", above["mean"], above["ci95_half_width"], 0, total),
                         below=ctx.interval("communes_below_on_time_target", below["mean"], below["ci95_half_width"], 0, total),
                         total=total if total is not None else "—",
                         wait=cat.number(ctx.targets.wait_minutes, "{:g}", ctx.lang),
                         on_time=ctx.value("on_time_share", ctx.targets.on_time_share)))
        meeting = next((v for v in variants if _meets(summary, v)), None)
        say.append(ctx.t("headline_sweep_first_meeting", variant=labels.get(meeting, meeting)) if meeting
                   else ctx.t("headline_sweep_none_meets"))
    for figure in ("p90_wait_minutes", "on_time_share"):
        rows = [(v, _row(summary, v, figure)) for v in variants]
        rows = [(v, r) for v, r in rows if r is not None and cat.finite(r["mean"])]
        if len(rows) > 1:
            better = cat.figure(figure).better
            best = (min if better == "lower" else max)(rows, key=lambda vr: vr[1]["mean"])
            name = ctx.label(figure, with_unit=False)
            say.append(f"{name[:1].upper() + name[1:]}: {ctx.t('best_variant', variant=labels.get(best[0], best[0]))} "
                       f"{ctx.interval(figure, best[1]['mean'], best[1]['ci95_half_width'], floor=0)}.")
    return Section(ctx.t("section_findings"), '<div class="findings">' + "".join(html.p(x) for x in say) + "</div>")


@section("sweep", 20)
def key_figures(ctx: Context) -> Section:
    summary = _summary(ctx)
    heading, labels = _column(ctx)
    headers = [heading, ctx.t("replications")] + [ctx.label(f) for f in cat.SUMMARY_FIGURES]
    rows = []
    for v in ctx.data["variants"]:
        cells = [labels.get(v["id"], v["id"]), ""]
        for figure in cat.SUMMARY_FIGURES:
            r = _row(summary, v["id"], figure)
            cells.append("—" if r is None else _mean_hw(ctx, figure, r["mean"], r["ci95_half_width"]))
            if r is not None:
                cells[1] = str(int(r["replications"]))
        rows.append(cells)
    note = html.p(ctx.t("interval_note"), "note")
    return Section(ctx.t("section_key_figures"), html.table(headers, rows, numeric=set(range(1, 2 + len(cat.SUMMARY_FIGURES))))
                   + note)


def _mean_hw(ctx: Context, figure: str, mean, hw) -> str:
    return ctx.value(figure, mean) + (f" ± {ctx.value(figure, hw)}" if cat.finite(hw) else "")


@section("sweep", 30)
def differences(ctx: Context) -> Section | None:
    summary, labels = _summary(ctx), _labels(ctx)
    heading, cells = _column(ctx)
    base = ctx.data["baseline"]
    others = [v["id"] for v in ctx.data["variants"] if v["id"] != base]
    if not others or "difference_to_baseline" not in summary:
        return None
    headers = [heading] + [ctx.label(f) for f in cat.SUMMARY_FIGURES]
    rows, classes = [], []
    for vid in others:
        row, styles = [cells.get(vid, vid)], [""]
        for figure in cat.SUMMARY_FIGURES:
            r = _row(summary, vid, figure)
            if r is None:
                row.append("—")
                styles.append("")
                continue
            d, hw = r["difference_to_baseline"], r["difference_ci95_half_width"]
            judged = verdict(cat.figure(figure).better, d, hw, cat.resolution(figure))
            text = ctx.value(figure, d, signed=True) + (f" ± {ctx.value(figure, hw)}" if cat.finite(hw) else "")
            row.append(f"{text} ({ctx.t(judged)})")
            styles.append({"better": "better", "worse": "worse"}.get(judged, "unclear"))
        rows.append(row)
        classes.append(styles)
    intro = html.p(ctx.t("differences_intro", baseline=labels.get(base, base)))
    return Section(ctx.t("section_differences"), intro + html.table(headers, rows, set(range(1, 6)), classes)
                   + html.p(ctx.t("verdict_note"), "note"))


@section("sweep", 40)
def communes(ctx: Context) -> Section | None:
    records = ctx.data["records"]
    if not records:
        return None
    from ..runner import commune_rows

    summary, labels = _summary(ctx), _labels(ctx)
    variants = [v["id"] for v in ctx.data["variants"]]
    base = ctx.data["baseline"] or variants[0]
    meeting = next((v for v in variants if _meets(summary, v)), None)
    shown = list(dict.fromkeys([base, meeting or variants[-1]]))
    out = [html.p(ctx.t("communes_intro", wait=cat.number(ctx.targets.wait_minutes, "{:g}", ctx.lang),
                        on_time=ctx.value("on_time_share", ctx.targets.on_time_share)))]
    for vid in shown:
        results = [records[k]["result"] for k in sorted(records) if k[0] == vid]
        rows = commune_rows(results) if results else []
        missing = communes_missing(rows, ctx.targets)
        out.append(f"<h3>{html.esc(ctx.t('communes_of', scenario=labels.get(vid, vid), n=len(missing), total=len(rows)))}</h3>")
        out.append(common.communes_table(ctx, rows, limit=20))
    return Section(ctx.t("section_communes"), "".join(out))


@section("sweep", 50)
def figures(ctx: Context) -> Section | None:
    experiment, records = ctx.data["experiment"], ctx.data["records"]
    if experiment is not None and records and experiment.spec.plots:
        return Section(ctx.t("section_plots"), _redrawn(ctx, experiment, records))
    saved = sorted((ctx.folder.path / "plots").glob("*.png")) or sorted(ctx.folder.path.glob("*.png"))
    if not saved:
        return None
    images = "".join(html.png(p.read_bytes(), p.stem, p.name) for p in saved)
    return Section(ctx.t("section_plots"), html.p(ctx.t("plots_as_saved"), "note") + images)


def _redrawn(ctx: Context, experiment, records) -> str:
    from ..experiment_plots import experiment_plots
    from ..runstore import results_table

    spec = experiment.spec.model_copy(update={"wait_target_minutes": ctx.targets.wait_minutes,
                                              "on_time_target": ctx.targets.on_time_share})
    experiment = type(experiment)(**{**experiment.__dict__, "spec": spec})
    table = results_table(experiment, records)
    summary = summary_table(table, experiment.baseline)
    with tempfile.TemporaryDirectory(prefix="commune-sim-report-") as tmp:
        files, warnings = experiment_plots(experiment, Path(tmp), table, summary, records, ctx.lang, folder=Path(tmp))
        ctx.notes.extend(warnings)
        return "".join(html.png(p.read_bytes(), p.stem) for p in files if p.suffix == ".png")

