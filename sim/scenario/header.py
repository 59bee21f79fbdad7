"""The comment block at the top of a scenario file: its reported figures, derivations and assumptions.

Every library scenario opens with a block of ``#`` lines (REPORTED FIGURES with sources,
DERIVED arithmetic, ASSUMPTIONS with reasons, CHANGES for a variant). A run copies the block
of the scenario file and of every file it ``extends`` into its manifest, so a report can show
the assumptions even after the files have moved or changed. :func:`sections` splits a block
into headed parts for display.
"""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from .loading import _find
from .schema import scenario_dir

# A pattern, compiled (and cached) by re when a report splits a block, not at every start-up.
_HEADING = r"^([A-Z][A-Z ]{3,})(\s*\([^)]*\))?\s*:?\s*(.*)$"
MAX_FILES = 8  # an extends chain longer than this is not a library scenario; stop reading


def comment_block(path: Path) -> str:
    """The leading ``#`` lines of ``path`` without the ``# `` prefix (the editor's schema line left out)."""
    lines = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            stripped = line.strip()
            if not stripped.startswith("#"):
                if stripped:
                    break
                continue
            body = stripped[1:]
            body = body[1:] if body.startswith(" ") else body
            if body.startswith("yaml-language-server:"):
                continue
            lines.append(body.rstrip())
    return "\n".join(lines).strip("\n")


# Only ``extends`` is wanted from a file the loader has already read safely: libyaml's safe
# loader, where PyYAML has it, reads it ten times faster than the pure-Python one.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _bases(path: Path) -> list[Path]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)  # noqa: S506 — a safe loader
    except (OSError, yaml.YAMLError):
        return []
    refs = data.get("extends") if isinstance(data, dict) else None
    refs = [refs] if isinstance(refs, str) else refs if isinstance(refs, list) else []
    found = (_find(str(ref), [path.parent, scenario_dir()]) for ref in refs if isinstance(ref, str))
    return [p for p in found if p is not None]


def _display(path: Path) -> str:
    """``scenarios/hanoi/2025-q3.yaml`` for a library file (installed copies too); other files
    relative to the source tree when inside it, else as given."""
    path, library = path.resolve(), scenario_dir().resolve()
    if path.is_relative_to(library):
        return "scenarios/" + path.relative_to(library).as_posix()
    try:
        return path.relative_to(library.parent).as_posix()
    except ValueError:
        return str(path)


def scenario_headers(source: str | Path | None) -> list[dict]:
    """[{file, text}] for the scenario ``source`` (a path or a library name) and every file it
    extends, the scenario itself first; empty when the file cannot be found."""
    if source is None:
        return []
    path = Path(source)
    if not path.is_file():
        path = _find(str(source), [scenario_dir()]) or path
    out, queue, seen = [], [path], set()
    while queue and len(out) < MAX_FILES:
        current = queue.pop(0)
        if not current.is_file() or current.resolve() in seen:
            continue
        seen.add(current.resolve())
        text = comment_block(current)
        if text:
            out.append({"file": _display(current), "text": text})
        queue.extend(_bases(current))
    return out


def sections(text: str) -> list[dict]:
    """Split a comment block into parts: [{heading, qualifier, items: [str]}]; the opening lines
    come first with heading None. A ``- `` line starts an item, an indented line continues it."""
    parts = [{"heading": None, "qualifier": "", "items": []}]
    for raw in text.splitlines():
        line = raw.strip()
        match = re.match(_HEADING, line)
        if match and not raw.startswith(" "):
            parts.append({"heading": match.group(1).strip(), "qualifier": (match.group(2) or "").strip(),
                          "items": [match.group(3)] if match.group(3) else []})
            continue
        items = parts[-1]["items"]
        if not line:
            if items and items[-1]:
                items.append("")  # a blank line ends a paragraph
            continue
        if line.startswith("- ") or not items or items[-1] == "":
            if items and items[-1] == "":
                items.pop()
            items.append(line.removeprefix("- "))
        else:
            items[-1] = f"{items[-1]} {line}"
    for part in parts:
        part["items"] = [i for i in part["items"] if i]
    return [p for p in parts if p["heading"] or p["items"]]
