"""The scenario library: every YAML file under ``scenarios/``, with its one-line description."""
from __future__ import annotations

from pathlib import Path

from .problems import ScenarioError
from .reading import read_yaml
from .schema import scenario_dir


def scenario_files(root: Path | None = None) -> list[Path]:
    root = root or scenario_dir()
    return sorted(p for p in root.rglob("*.yaml") if p.is_file())


def library(root: Path | None = None) -> list[tuple[str, str]]:
    """(library name, description) for each scenario; the name is the path without .yaml."""
    root = root or scenario_dir()
    entries = []
    for path in scenario_files(root):
        try:
            data, _ = read_yaml(path)  # the same safe, bounded reader as everything else
        except ScenarioError:
            data = {}
        description = data.get("description") or data.get("name") or "(no description)"
        entries.append((path.relative_to(root).with_suffix("").as_posix(), str(description)))
    return entries
