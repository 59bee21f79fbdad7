"""The maps of a ``run`` or ``compare`` folder, in the report's language.

``run`` and ``compare --out`` draw per-commune maps when the communes are real units
(:mod:`sim.study.maps`) and list them in the manifest's ``maps`` (or say there why none were
drawn). This section embeds the ones in the report's language, in the order drawn.
"""
from __future__ import annotations

from . import html
from .registry import Context, Section, section


@section(("run", "compare"), 60)
def maps(ctx: Context) -> Section | None:
    listed = ctx.folder.manifest.get("maps")
    if not listed:
        return None
    if isinstance(listed, str):  # why there are none: synthetic communes, or different communes compared
        why = "map_other_communes" if ctx.kind == "compare" else "map_no_geography"
        return Section(ctx.t("section_maps"), html.p(ctx.t(why), "note"))
    mine = [name for name in listed if name.endswith(f".{ctx.lang}.png") and (ctx.folder.path / name).is_file()]
    if not mine:
        return None
    body = "".join(html.png((ctx.folder.path / name).read_bytes(), name) for name in mine)
    return Section(ctx.t("section_maps"), body)
