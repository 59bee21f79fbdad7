"""Build a report: recognise the folder, read it, run its sections in order, write one HTML page."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from .. import catalogue as cat
from ..analysis import targets_for
from . import html
from .registry import Context, Section, kind_of, sections_for


def read_manifest(folder: Path) -> dict:
    path = Path(folder) / "manifest.json"
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def folder_language(manifest: dict) -> str:
    """The language a folder was made in: its (first) scenario's ``outputs.language``."""
    scenarios = [manifest.get("resolved_scenario"), *(s.get("resolved_scenario") for s in manifest.get("scenarios", [])),
                 *(v.get("resolved_scenario") for v in manifest.get("variants", []))]
    for resolved in scenarios:
        if isinstance(resolved, dict):
            lang = (resolved.get("outputs") or {}).get("language")
            return lang if lang in cat.LANGUAGES else cat.DEFAULT_LANGUAGE
    return cat.DEFAULT_LANGUAGE


def build_report(folder: Path, lang: str | None = None, wait_target: float | None = None,
                 on_time_target: float | None = None) -> str:
    """The report of ``folder`` as an HTML string; ValueError when the folder is not one we know."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    kind = kind_of(folder, manifest)
    if kind is None:
        raise ValueError(f"{folder} is not the output folder of run, compare or sweep (no manifest.json of theirs)")
    lang = cat.check_language(lang or folder_language(manifest))
    loaded = kind.load(folder, manifest)
    recorded = manifest.get("targets") or {}
    targets = targets_for(loaded.resolved,
                          wait_target if wait_target is not None else recorded.get("wait_minutes"),
                          on_time_target if on_time_target is not None else recorded.get("on_time_share"))
    ctx = Context(loaded, kind.name, lang, targets)
    sections = []
    for function in sections_for(kind.name):
        result = function(ctx)
        if isinstance(result, Section):
            result.id = result.id or function.__name__.strip("_").replace("_", "-")
            sections.append(result)
    version = _version()
    footer = cat.text("generated", lang, version=version, date=dt.date.today().isoformat(), folder=folder.name)
    if ctx.notes:  # what a section could not draw: said, not hidden
        footer += ". " + cat.text("left_out", lang, notes="; ".join(ctx.notes))
    return html.page(lang, ctx.name(), cat.text(kind.title_key, lang), ctx.where(), sections, footer)


def _version() -> str:
    from ... import __version__

    return __version__
