"""Plain HTML for reports: escaped text, tables, embedded images, the page with its print style.

A report is one file that opens offline and by e-mail: no script, no web font, no link to
anything outside it; images are PNG data URIs. The style sheet keeps every element inside a
1280-pixel window and inside an A4 page when printed (tables wrap their cells, images shrink
to the column), and names fonts with Vietnamese coverage that Debian and Windows install.
"""
from __future__ import annotations

import base64
import html
import io

CSS = """
@page { size: A4; margin: 14mm 12mm; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { font-family: "Noto Sans", "DejaVu Sans", "Segoe UI", Arial, sans-serif; color: #1c2430;
       margin: 0; background: #f4f6f8; line-height: 1.45; font-size: 15px; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 28px 40px; background: #fff; }
header.report { border-bottom: 3px solid #1f5f8b; margin-bottom: 18px; padding-bottom: 10px; }
header.report .kind { color: #1f5f8b; font-weight: 600; text-transform: uppercase; letter-spacing: .04em;
                      font-size: 12px; margin: 0; }
h1 { font-size: 24px; margin: 4px 0 6px; line-height: 1.25; }
h2 { font-size: 19px; color: #1f5f8b; border-bottom: 1px solid #d5dde5; padding-bottom: 4px; margin: 30px 0 10px;
     break-after: avoid; }
h3 { font-size: 16px; margin: 18px 0 6px; break-after: avoid; }
p, li { overflow-wrap: break-word; }
.meta { color: #5a6673; font-size: 13px; margin: 0; }
.findings { background: #eef5fb; border-left: 5px solid #1f5f8b; padding: 10px 16px; margin: 0; }
.findings p { margin: 6px 0; font-size: 16px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 14px; font-size: 13.5px; table-layout: auto; }
th, td { border-bottom: 1px solid #e1e6eb; padding: 5px 7px; text-align: left; vertical-align: top;
         overflow-wrap: break-word; hyphens: auto; }
th { font-size: 12.5px; }
th { background: #f0f3f6; font-weight: 600; }
td.num, th.num { text-align: right; }
@media screen { td.num { white-space: nowrap; } }
tr { break-inside: avoid; }
.better { color: #16703a; font-weight: 600; }
.worse { color: #b3261e; font-weight: 600; }
.unclear { color: #5a6673; }
figure { margin: 14px 0 20px; break-inside: avoid; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid #e1e6eb; }
figcaption { font-size: 13px; color: #5a6673; margin-top: 4px; }
.note { font-size: 13px; color: #5a6673; }
.header-block { border: 1px solid #e1e6eb; border-radius: 4px; padding: 4px 14px 8px; margin: 10px 0; }
.header-block h3 { font-size: 15px; }
.header-block h4 { font-size: 14px; margin: 10px 0 2px; color: #1f5f8b; }
.header-block ul { margin: 2px 0 6px; padding-left: 20px; }
.header-block li, .header-block p { font-size: 13.5px; margin: 2px 0; }
code, .mono { font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: 12.5px; overflow-wrap: anywhere; }
dl.prov { display: grid; grid-template-columns: minmax(160px, 28%) 1fr; gap: 4px 14px; font-size: 13.5px; }
dl.prov dt { color: #5a6673; }
dl.prov dd { margin: 0; overflow-wrap: anywhere; }
footer { margin-top: 30px; font-size: 12px; color: #5a6673; border-top: 1px solid #e1e6eb; padding-top: 8px; }
@media print {
  body { background: #fff; font-size: 11pt; }
  main { max-width: none; padding: 0; }
  h2 { margin-top: 18px; }
}
"""


def esc(text) -> str:
    return html.escape(str(text), quote=True)


def _class(cls: str) -> str:
    return f' class="{esc(cls)}"' if cls else ""


def p(text: str, cls: str = "") -> str:
    return f"<p{_class(cls)}>{esc(text)}</p>"


def table(headers: list[str], rows: list[list], numeric: set[int] = frozenset(), classes: list[list[str]] | None = None) -> str:
    """A table of escaped cells; columns in ``numeric`` align right; ``classes[i][j]`` styles a cell."""
    head = "".join(f"<th{_class('num' if j in numeric else '')}>{esc(h)}</th>" for j, h in enumerate(headers))
    body = []
    for i, row in enumerate(rows):
        cells = []
        for j, cell in enumerate(row):
            cls = " ".join(c for c in ("num" if j in numeric else "", classes[i][j] if classes else "") if c)
            cells.append(f"<td{_class(cls)}>{esc(cell)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def image(draw, alt: str, caption: str = "") -> str:
    """``draw(file)`` writes a PNG into an open binary file; the result is embedded as a data URI."""
    buffer = io.BytesIO()
    draw(buffer)
    return png(buffer.getvalue(), alt, caption)


def png(data: bytes, alt: str, caption: str = "") -> str:
    uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return f'<figure><img src="{uri}" alt="{esc(alt)}">{cap}</figure>'


def page(lang: str, title: str, kind: str, subtitle: str, sections: list, footer: str) -> str:
    """The whole document: header, the sections in order (each an ``<h2>`` and its HTML), footer."""
    body = "\n".join(f'<section id="{esc(s.id)}"><h2>{esc(s.title)}</h2>\n{s.html}</section>' for s in sections)
    return (f'<!DOCTYPE html>\n<html lang="{esc(lang)}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
            f'<header class="report"><p class="kind">{esc(kind)}</p><h1>{esc(title)}</h1>'
            f'<p class="meta">{esc(subtitle)}</p></header>\n{body}\n'
            f"<footer>{esc(footer)}</footer>\n</main>\n</body>\n</html>\n")
