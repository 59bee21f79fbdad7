"""Turn scenario YAML files into validated pydantic models, with precise error messages.

The pipeline is ``read_yaml`` -> ``resolve`` (``extends`` + ``--set`` overrides) -> ``validate``;
``load`` runs all three.  Nothing here knows the concrete scenario schema.

Every problem found is collected and reported together as a ``Problem``, rendered as
``file:line:column: key.path: message (got VALUE)``, inside one ``ScenarioError``.  Positions
are 1-based and kept for every mapping key and list item, keyed by the tuple path
(``("communes", 3, "staff")``).  YAML is read safely: tags that would construct objects, duplicate
keys and non-mapping documents are refused; NaN/infinity are rejected before pydantic runs.
"""
from __future__ import annotations

import difflib
import math
import os
import types
from collections import abc
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Sequence, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

__all__ = ["MISSING", "Position", "Problem", "ScenarioError", "ScenarioLoader",
           "read_yaml", "resolve", "deep_merge", "validate", "load"]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"

    def __reduce__(self) -> str:  # unpickles as the module-level singleton
        return "MISSING"


MISSING: Any = _Missing()
_Y = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_Y + t for t in ("null", "bool", "int", "float", "str", "timestamp")}


@dataclass(frozen=True)
class Position:
    file: str
    line: int | None
    column: int | None

    def __str__(self) -> str:
        return ":".join(str(x) for x in (self.file, self.line, self.line and self.column) if x is not None)


@dataclass(frozen=True)
class Problem:
    position: Position | None
    key_path: str
    message: str
    got: object = MISSING

    def __str__(self) -> str:
        parts = [str(self.position)] if self.position else []
        parts += [self.key_path] if self.key_path else []
        text, got = ": ".join(parts + [self.message]), repr(self.got)
        got = got if len(got) <= 80 else got[:77] + "..."
        return text if self.got is MISSING else f"{text} (got {got})"


def _sort_key(p: Problem) -> tuple:
    pos = p.position or Position("\uffff", None, None)  # problems without a position go last
    return (pos.file, pos.line or 0, pos.column or 0)


class ScenarioError(Exception):
    """One or more problems with a scenario; ``str()`` gives one problem per line."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = sorted(problems, key=_sort_key)
        super().__init__("\n".join(map(str, self.problems)))

    def __reduce__(self):
        return (ScenarioError, (self.problems,))


def _dotted(path: Sequence) -> str:
    return ".".join(map(str, path))


def _walk(value: Any, prefix: tuple = ()):
    """Yield (path, value) for everything nested inside `value` (not `value` itself)."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, sub in items:
        yield prefix + (key,), sub
        yield from _walk(sub, prefix + (key,))


class ScenarioLoader(yaml.SafeLoader):
    """SafeLoader that builds plain data from the composed node tree itself, recording the
    position of every key and list item and collecting problems instead of stopping at the first."""

    def __init__(self, stream: str, file: str):
        super().__init__(stream)
        self.file = file
        self.positions: dict[tuple, Position] = {}
        self.value_positions: dict[tuple, Position] = {}
        self.problems: list[Problem] = []
        self._active: set = set()   # nodes being built (guards against recursive aliases)
        self._checked: set = set()  # mapping nodes already duplicate-checked and flattened

    def pos(self, node_or_mark) -> Position:
        mark = getattr(node_or_mark, "start_mark", node_or_mark)
        return Position(self.file, mark.line + 1, mark.column + 1)

    def parse(self) -> Any:
        """Compose and build the single document (None if empty); raise ScenarioError on problems."""
        try:
            node = self.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            msg = exc.problem or exc.context or "syntax error"
            if exc.context and exc.problem and exc.problem.startswith("but "):
                msg = f"{exc.context}, {exc.problem}"
            elif exc.context and exc.problem:
                where = f" at line {exc.context_mark.line + 1}" if exc.context_mark else ""
                msg += f" ({exc.context}{where})"
            pos = self.pos(mark) if mark else Position(self.file, None, None)
            raise ScenarioError([Problem(pos, "", f"invalid YAML: {msg}")]) from None
        except yaml.YAMLError as exc:
            raise ScenarioError([Problem(Position(self.file, None, None), "", f"invalid YAML: {exc}")]) from None
        finally:
            self.dispose()
        value = None if node is None else self.build(node, ())
        if node is not None:
            self.positions[()] = self.pos(node)
        if self.problems:
            raise ScenarioError(self.problems)
        return value

    def problem(self, node, path, message: str, got: object = MISSING) -> None:
        self.problems.append(Problem(self.pos(node), _dotted(path), message, got))

    def refuse(self, node, path) -> None:
        tag = "!!" + node.tag[len(_Y):] if node.tag.startswith(_Y) else node.tag
        if node.tag.startswith(_Y + "python/"):
            msg = f"YAML tag '{tag}' is refused: tags that construct Python objects are not allowed"
        else:
            msg = (f"unsupported YAML tag '{tag}': only mappings, lists, strings, numbers, "
                   "booleans, null and dates are allowed")
        self.problem(node, path, msg)

    def scalar(self, node, path) -> tuple[bool, Any]:
        if not isinstance(node, yaml.ScalarNode):
            self.problem(node, path, "mapping keys must be plain strings or numbers")
            return False, None
        if node.tag not in _SCALAR_TAGS:
            self.refuse(node, path)
            return False, None
        try:
            return True, self.construct_object(node)
        except (ValueError, yaml.YAMLError) as exc:
            self.problem(node, path, f"invalid value: {exc}", node.value)
            return False, None

    def build(self, node, path: tuple) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, path)[1]
        if node in self._active:
            self.problem(node, path, "recursive YAML alias (a value that contains itself)")
            return None
        if node.tag != _Y + ("seq" if isinstance(node, yaml.SequenceNode) else "map"):
            return self.refuse(node, path)
        self._active.add(node)
        try:
            if isinstance(node, yaml.SequenceNode):
                for i, item in enumerate(node.value):
                    self.positions[path + (i,)] = self.pos(item)
                return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
            return self.build_mapping(node, path)
        finally:
            self._active.discard(node)

    def build_mapping(self, node, path: tuple) -> dict:
        if node not in self._checked:  # duplicates among this mapping's own keys, before `<<` merging
            first: dict = {}
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _SCALAR_TAGS:
                    continue  # merge keys are handled below; bad keys are reported below
                try:
                    key = self.construct_object(key_node)
                except (ValueError, yaml.YAMLError):
                    continue
                if key in first:
                    self.problem(key_node, path + (key,), f"duplicate key {key!r} (first at line {first[key]})")
                else:
                    first[key] = key_node.start_mark.line + 1
            try:
                self.flatten_mapping(node)
            except yaml.YAMLError as exc:
                self.problem(node, path, f"invalid merge ('<<'): {getattr(exc, 'problem', exc)}")
                return {}
            self._checked.add(node)
        out: dict = {}
        for key_node, value_node in node.value:
            ok, key = self.scalar(key_node, path)
            if not ok:
                continue
            self.positions[path + (key,)] = self.pos(key_node)
            self.value_positions[path + (key,)] = self.pos(value_node)
            out[key] = self.build(value_node, path + (key,))
        return out


def _read(path) -> tuple[dict, dict[tuple, Position], dict[tuple, Position]]:
    file = str(path)
    here = Position(file, None, None)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([Problem(here, "", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(here, "", f"cannot read file: {exc}")]) from None
    loader = ScenarioLoader(text, file)
    data = loader.parse()
    if not isinstance(data, dict):
        if data is None:
            raise ScenarioError([Problem(here, "", "file is empty; expected a mapping of keys")])
        kind = "a list" if isinstance(data, list) else f"a single {type(data).__name__} value"
        raise ScenarioError([Problem(loader.positions.get((), here), "",
                                     f"top level must be a mapping of keys, not {kind}", data)])
    return data, loader.positions, loader.value_positions


def read_yaml(path) -> tuple[dict, dict[tuple, Position]]:
    """Safely read one YAML file that must contain a mapping; return (data, positions)."""
    data, positions, _ = _read(path)
    return data, positions


def _under(paths, prefix: tuple) -> list[tuple]:
    return [p for p in paths if p[: len(prefix)] == prefix]


def _merge(base: dict, over: dict, bpos: dict, opos: dict, prefix: tuple = ()) -> dict:
    """Deep-merge `over` onto a copy of `base` (mappings merged, everything else replaced),
    updating the positions `bpos` in place so each key keeps where it was last set."""
    out = dict(base)
    for key, value in over.items():
        path = prefix + (key,)
        if isinstance(out.get(key), dict) and isinstance(value, dict):
            out[key] = _merge(out[key], value, bpos, opos, path)
        else:  # replaced: forget the positions of the old subtree, take the new one's
            if isinstance(out.get(key), (dict, list)):
                for p in _under(bpos, path):
                    del bpos[p]
            if isinstance(value, (dict, list)):
                bpos.update({p: opos[p] for p in _under(opos, path)})
            out[key] = value
        if path in opos:
            bpos[path] = opos[path]
    return out


def deep_merge(base: dict, override: dict) -> dict:
    """Return `override` deep-merged on top of `base`; neither input is modified."""
    return _merge(base, override, {}, {})


def _find(ref: str, folders: Sequence[Path]) -> Path | None:
    names = [ref] if ref.endswith((".yaml", ".yml")) else [ref, ref + ".yaml", ref + ".yml"]
    for folder in folders:
        for name in names:
            if (folder / name).is_file():
                return folder / name
    return None


def _resolve_file(path: Path, chain: tuple, search_dirs: tuple) -> tuple[dict, dict]:
    data, positions, value_positions = _read(path)
    if "extends" not in data:
        return data, positions
    refs, key_pos = data.pop("extends"), positions[("extends",)]
    if isinstance(refs, str):
        refs = [(refs, value_positions[("extends",)])]
    elif isinstance(refs, list) and refs and all(isinstance(r, str) for r in refs):
        refs = [(r, positions.get(("extends", i), key_pos)) for i, r in enumerate(refs)]
    else:
        raise ScenarioError([Problem(key_pos, "extends", "must be a file name or a list of file names", refs)])
    for p in _under(list(positions), ("extends",)):
        del positions[p]
    chain = chain + ((path.resolve(), os.path.normpath(path)),)
    merged: dict = {}
    mpos: dict = {}
    problems: list[Problem] = []
    for ref, pos in refs:
        folders = [path.parent, *search_dirs]
        target = _find(ref, folders)
        if target is None:
            looked = ", ".join(os.path.normpath(f) for f in folders)
            problems.append(Problem(pos, "extends", f"file {ref!r} not found (looked in: {looked})"))
            continue
        seen = [real for real, _ in chain]
        if target.resolve() in seen:
            cycle = [name for _, name in chain[seen.index(target.resolve()):]] + [os.path.normpath(target)]
            problems.append(Problem(pos, "extends", "cyclic extends: " + " -> ".join(cycle)))
            continue
        try:
            base, bpos = _resolve_file(target, chain, search_dirs)
        except ScenarioError as exc:
            problems.extend(exc.problems)
            continue
        merged = _merge(merged, base, mpos, bpos)
    if problems:
        raise ScenarioError(problems)
    merged = _merge(merged, data, mpos, positions)
    mpos[()] = positions[()]
    return merged, mpos


def _apply_override(data: dict, positions: dict, text: str) -> list[Problem]:
    here = Position("--set", None, None)
    key, eq, raw = text.partition("=")
    parts = key.strip().split(".")
    if not eq or not all(parts):
        return [Problem(here, "", "malformed override; expected key.path=value", text)]
    loader = ScenarioLoader(raw, "--set")
    try:
        value = loader.parse()
    except ScenarioError as exc:
        return [Problem(here, key.strip(), f"cannot parse value: {p.message}", raw) for p in exc.problems]
    node: Any = data
    path: tuple = ()
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        where = f"'{_dotted(path)}'" if path else "the top level"
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                return [Problem(here, key, f"index {part!r} out of range: {where} has {len(node)} items "
                                           f"(valid indexes 0..{len(node) - 1})")]
            step: Any = int(part)
        elif isinstance(node, dict):
            step = int(part) if part not in node and part.lstrip("-").isdigit() and int(part) in node else part
            if step not in node and not last:
                # A section the file leaves to its defaults (e.g. routing): create it, and let
                # the schema reject it, with a did-you-mean, if no such key exists.
                node[step] = {}
                positions[path + (step,)] = here
        else:
            return [Problem(here, key, f"cannot set {part!r}: {where} is not a mapping or list", node)]
        path += (step,)
        if not last:
            node = node[step]
    node[step] = value
    for p in _under(list(positions), path):
        del positions[p]
    positions.update({p: here for p in [path, *(p for p, _ in _walk(value, path))]})
    return []


def resolve(path, overrides: Sequence[str] = (), search_dirs: Sequence[Path] = ()) -> tuple[dict, dict[tuple, Position]]:
    """Read `path`, apply its `extends` chain, then the `key.path=value` overrides in order."""
    data, positions = _resolve_file(Path(path), (), tuple(Path(d) for d in search_dirs))
    problems = [p for text in overrides for p in _apply_override(data, positions, text)]
    if problems:
        raise ScenarioError(problems)
    return data, positions


def _position(path: tuple, positions: dict, file: str) -> Position:
    for n in range(len(path), -1, -1):
        if path[:n] in positions:
            return positions[path[:n]]
    return Position(file, None, None)


def _data_path(loc: tuple, data: Any, keep_last: bool) -> tuple:
    """Map a pydantic `loc` onto the data, dropping the union/validator tags pydantic inserts."""
    out, node = [], data
    for i, part in enumerate(loc):
        if (isinstance(node, dict) and part in node) or (
                isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)):
            node = node[part]
            out.append(part)
        elif keep_last and i == len(loc) - 1:
            out.append(part)
    return tuple(out)


def _candidates(tp: Any, value: Any) -> list:
    """Concrete types behind Annotated / Optional / unions; models picked by Literal tags if possible."""
    if get_origin(tp) is Annotated:
        return _candidates(get_args(tp)[0], value)
    if get_origin(tp) in (Union, types.UnionType):
        found = [c for arg in get_args(tp) if arg is not type(None) for c in _candidates(arg, value)]
        tagged = [c for c in found if isinstance(c, type) and issubclass(c, BaseModel) and isinstance(value, dict)
                  and any(get_origin(f.annotation) is Literal and value.get(f.alias or n) in get_args(f.annotation)
                          for n, f in c.model_fields.items())]
        return tagged or found
    return [tp]


def _allowed_keys(model_cls: type, path: tuple, data: Any) -> list[str]:
    found, value = _candidates(model_cls, data), data
    for step in path:
        value = value[step]
        nxt = []
        for tp in found:
            origin, args = get_origin(tp), get_args(tp)
            if isinstance(tp, type) and issubclass(tp, BaseModel):
                nxt += [a for n, f in tp.model_fields.items() if step in (n, f.alias)
                        for a in _candidates(f.annotation, value)]
            elif origin in (list, set, frozenset, abc.Sequence, tuple) and isinstance(step, int) and args:
                arg = args[0] if origin is not tuple or args[-1] is Ellipsis or step >= len(args) else args[step]
                nxt += _candidates(arg, value)
            elif origin in (dict, abc.Mapping) and len(args) == 2:
                nxt += _candidates(args[1], value)
        found = nxt
    return sorted({f.alias or n for tp in found if isinstance(tp, type) and issubclass(tp, BaseModel)
                   for n, f in tp.model_fields.items()})


def _unknown_key(model_cls: type, path: tuple, data: Any) -> str:
    key, msg = str(path[-1]), f"unknown key {path[-1]!r}"
    try:
        names = _allowed_keys(model_cls, path[:-1], data)
    except (KeyError, IndexError, TypeError):
        names = []
    close = difflib.get_close_matches(key, names, n=1)
    if close:
        return f"{msg}; did you mean {close[0]!r}?"
    return f"{msg}; allowed keys: {', '.join(names)}" if names else msg


def validate(model_cls: type[BaseModel], data: dict, positions: dict[tuple, Position], file: str,
             context: dict | None = None) -> Any:
    """Validate `data` with `model_cls`, reporting every problem with its position."""
    problems = [Problem(_position(p, positions, file), _dotted(p),
                        "must be a finite number (NaN and infinity are not allowed)", v)
                for p, v in _walk(data) if isinstance(v, float) and not math.isfinite(v)]
    seen = {(p.key_path, None) for p in problems}
    try:
        result = model_cls.model_validate(data, context=context)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            path = _data_path(tuple(err["loc"]), data, keep_last=err["type"] == "missing")
            msg = err["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
            got = MISSING if err["type"] == "missing" else err.get("input", MISSING)
            if err["type"] == "extra_forbidden" and path:
                msg = _unknown_key(model_cls, path, data)
            key_path = _dotted(path)
            if (key_path, None) in seen or (key_path, msg) in seen:
                continue
            seen.add((key_path, msg))
            problems.append(Problem(_position(path, positions, file), key_path, msg, got))
    if problems:
        raise ScenarioError(problems)
    return result


def position_of(key_path: str, positions: dict[tuple, Position], file: str) -> Position:
    """Where a dotted key path was set (its deepest located prefix)."""
    path = tuple(int(p) if p.isdigit() else p for p in key_path.split(".")) if key_path else ()
    return _position(path, positions, file)


def load(model_cls: type[BaseModel], path, overrides: Sequence[str] = (), search_dirs: Sequence[Path] = ()) -> Any:
    """Read, resolve and validate one scenario file; raise ScenarioError listing every problem."""
    data, positions = resolve(path, overrides, search_dirs)
    return validate(model_cls, data, positions, str(path))
