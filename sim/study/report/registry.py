"""How a report is put together: kinds of folder, and sections registered for each kind.

A report is a list of sections, chosen by the kind of output folder it describes. Every module
of this package registers what it knows, and :func:`discover` imports them all, so a new kind
of folder or a new section is one new module here and no edit anywhere else:

* :func:`register_kind` names a kind of folder (``run``, ``compare``, ``sweep``, ``staff`` …),
  how to recognise one (``detect(folder, manifest)``) and how to read it (``load(folder,
  manifest)``, returning a :class:`Folder`);
* :func:`section` registers a function ``(Context) -> Section | None`` for one kind, several,
  or ``"*"`` (every kind), with an ``order``: 10 findings, 20 key figures, 30 differences,
  40 communes against targets, 50 plots, 60 maps, 80 assumptions, 85 limits, 90 provenance.
  A section that has nothing to say returns None and is left out.

The sections write HTML through :mod:`sim.study.report.html` and take every word from the
catalogue (``ctx.t``, ``ctx.label``, ``ctx.value``), so a report exists in every language of
the catalogue.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .. import catalogue as cat
from ..analysis import Targets


@dataclass
class Folder:
    """What a kind's ``load`` returns: enough for the common sections, plus the kind's own data."""

    path: Path
    manifest: dict
    name: str | Callable[[str], str]  # what the folder is about: a scenario's or an experiment's name (or lang -> name)
    resolved: dict  # the (first or base) resolved scenario: place, period, language, targets
    headers: list[dict] = field(default_factory=list)  # [{file, text}]: the scenario files' comment blocks
    scenario_files: list[str] = field(default_factory=list)  # where those files were, for a missing block
    provenance: list[tuple[str, str]] = field(default_factory=list)  # (catalogue TEXT key, value)
    data: Any = None  # the kind's own tables


@dataclass(frozen=True)
class Kind:
    name: str
    detect: Callable[[Path, dict], bool]
    load: Callable[[Path, dict], Folder]
    title_key: str  # TEXT key of the kind's title in the catalogue
    priority: int = 50  # lower is tried first


@dataclass
class Section:
    title: str
    html: str
    id: str = ""


@dataclass
class Context:
    """What a section function is given: the folder, the language, the targets, helpers for words."""

    folder: Folder
    kind: str
    lang: str
    targets: Targets
    notes: list[str] = field(default_factory=list)

    @property
    def data(self):
        return self.folder.data

    def t(self, key: str, **fields) -> str:
        return cat.text(key, self.lang, **fields)

    def label(self, name: str, with_unit: bool = True) -> str:
        return cat.label(name, self.lang, with_unit)

    def unit(self, name: str) -> str:
        return cat.unit(name, self.lang)

    def value(self, name: str, x, signed: bool = False) -> str:
        return cat.value(name, x, self.lang, signed)

    def interval(self, name: str, mean, half_width, floor=None, ceiling=None, compact: bool = False) -> str:
        return cat.interval(name, mean, half_width, self.lang, floor, ceiling, compact)

    def name(self) -> str:
        """What the folder is about, in the report's language where the folder says it in several."""
        name = self.folder.name
        return name(self.lang) if callable(name) else name

    def where(self) -> str:
        """Place and period, for titles."""
        return cat.place_and_period(self.folder.resolved, self.lang)


KINDS: dict[str, Kind] = {}
SECTIONS: list[tuple[int, str, str, Callable]] = []  # (order, kind or "*", name, function)


def register_kind(name: str, detect, load, title_key: str, priority: int = 50) -> None:
    KINDS[name] = Kind(name, detect, load, title_key, priority)


def section(kinds: str | tuple[str, ...], order: int):
    """Decorator: register ``function(ctx) -> Section | None`` for ``kinds`` ("*" = every kind)."""
    kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)

    def register(function):
        for kind in kinds:
            entry = (order, kind, f"{function.__module__}.{function.__name__}", function)
            if entry not in SECTIONS:
                SECTIONS.append(entry)
        return function

    return register


def sections_for(kind: str) -> list[Callable]:
    return [f for order, k, name, f in sorted(SECTIONS, key=lambda s: (s[0], s[2])) if k in (kind, "*")]


def discover() -> None:
    """Import every module of this package, so that each registers its kinds and sections."""
    package = __name__.rsplit(".", 1)[0]
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        importlib.import_module(f"{package}.{info.name}")


def kind_of(folder: Path, manifest: dict) -> Kind | None:
    """The first registered kind (by priority) that recognises ``folder``."""
    discover()
    for kind in sorted(KINDS.values(), key=lambda k: (k.priority, k.name)):
        if kind.detect(folder, manifest):
            return kind
    return None
