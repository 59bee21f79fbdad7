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

import math
import os
import re
import types
from collections import abc
from pathlib import Path
from typing import Annotated, Any, Literal, Sequence, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from .problems import MISSING, Position, Problem, ScenarioError
from .reading import ScenarioLoader, read_mapping, read_yaml

__all__ = ["MISSING", "Position", "Problem", "ScenarioError", "ScenarioLoader",
           "read_yaml", "resolve", "deep_merge", "validate", "load"]


def _dotted(path: Sequence) -> str:
    return ".".join(map(str, path))


def _walk(value: Any, prefix: tuple = ()):
    """Yield (path, value) for everything nested inside `value` (not `value` itself)."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, sub in items:
        yield prefix + (key,), sub
        yield from _walk(sub, prefix + (key,))


def _read(path) -> tuple[dict, dict[tuple, Position], dict[tuple, Position]]:
    return read_mapping(path)


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
    for test in (Path.is_file, Path.exists):  # a file first; else whatever is there (the reader says what)
        for folder in folders:
            for name in names:
                if test(folder / name):
                    return folder / name
    return None


def library_names(search_dirs: Sequence[Path]) -> list[str]:
    """Names of the scenario files under the library folders (``hanoi/2025-q3``)."""
    return sorted({p.relative_to(d).with_suffix("").as_posix() for d in search_dirs if Path(d).is_dir()
                   for p in Path(d).rglob("*.yaml")})


def did_you_mean(ref: str, names: Sequence[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest of ``names``, or ``""``."""
    import difflib  # did-you-mean hints: imported when a name is unknown, not at every start-up

    bare = ref.removesuffix(".yaml").removesuffix(".yml")
    close = [n for n in difflib.get_close_matches(bare, names, n=1, cutoff=0.75) if n != bare]
    return f"; did you mean {close[0]!r}?" if close else ""


def _anchor_paths(data: dict, path_keys: Sequence[tuple], folder: Path) -> None:
    """Relative file names at ``path_keys`` (e.g. communes.table) are relative to the file
    that declares them: rewrite them relative to the working directory, before merging."""
    for key in path_keys:
        node: Any = data
        for part in key[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        value = node.get(key[-1]) if isinstance(node, dict) else None
        if isinstance(value, str) and value and not os.path.isabs(value):
            node[key[-1]] = str(folder / value)


def _resolve_file(path: Path, chain: tuple, search_dirs: tuple, path_keys: tuple = ()) -> tuple[dict, dict]:
    data, positions, value_positions = _read(path)
    _anchor_paths(data, path_keys, path.parent)
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
            hint = did_you_mean(ref, library_names(search_dirs))
            problems.append(Problem(pos, "extends", f"file {ref!r} not found (looked in: {looked}){hint}"))
            continue
        seen = [real for real, _ in chain]
        if target.resolve() in seen:
            cycle = [name for _, name in chain[seen.index(target.resolve()):]] + [os.path.normpath(target)]
            problems.append(Problem(pos, "extends", "cyclic extends: " + " -> ".join(cycle)))
            continue
        try:
            base, bpos = _resolve_file(target, chain, search_dirs, path_keys)
        except ScenarioError as exc:
            problems.extend(exc.problems)
            continue
        merged = _merge(merged, base, mpos, bpos)
    if problems:
        raise ScenarioError(problems)
    merged = _merge(merged, data, mpos, positions)
    mpos[()] = positions[()]
    return merged, mpos


def _apply_override(data: dict, positions: dict, text: str, path_keys: Sequence[tuple] = (),
                    folder: Path | None = None) -> list[Problem]:
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
    if folder is not None:  # a file named by this override is relative to `folder`
        _anchor_paths(data, [k for k in path_keys if k[: len(path)] == path], folder)
    for p in _under(list(positions), path):
        del positions[p]
    positions.update({p: here for p in [path, *(p for p, _ in _walk(value, path))]})
    return []


def resolve(path, overrides: Sequence[str] = (), search_dirs: Sequence[Path] = (), path_keys: Sequence[tuple] = (),
            override_dir: Path | None = None) -> tuple[dict, dict[tuple, Position]]:
    """Read `path`, apply its `extends` chain, then the `key.path=value` overrides in order.

    File names at ``path_keys`` are relative to the file that declares them; set by an
    override, relative to ``override_dir`` (default: the working directory)."""
    data, positions = _resolve_file(Path(path), (), tuple(Path(d) for d in search_dirs), tuple(path_keys))
    problems = [p for text in overrides for p in _apply_override(data, positions, text, path_keys, override_dir)]
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


def _allowed_keys(model_cls: type, path: tuple, data: Any, branch: str | None = None) -> list[str]:
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
    models = [tp for tp in found if isinstance(tp, type) and issubclass(tp, BaseModel)]
    named = [tp for tp in models if branch and re.search(rf"\b{tp.__name__}\b", branch)]
    return sorted({f.alias or n for tp in named or models for n, f in tp.model_fields.items()})


def _branch_at(loc: tuple, data: Any, missing: bool) -> int | None:
    """Index in a pydantic ``loc`` of the first union branch tag (a part that is no key of the data)."""
    node = data
    for i, part in enumerate(loc):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return None if missing and i == len(loc) - 1 else i
    return None


def _best_branches(errors: list[dict], data: Any) -> list[tuple[dict, str | None]]:
    """For a value of a union type pydantic reports every branch's errors; keep one branch:
    not one whose type the value does not even have, then the one with the fewest errors.
    Returns (error, branch tag or None) pairs."""
    tagged = []
    for err in errors:
        loc = tuple(err["loc"])
        i = _branch_at(loc, data, err["type"] == "missing")
        tagged.append((err, None if i is None else (loc[:i], loc[i])))
    branches: dict[tuple, dict[str, list]] = {}
    for err, where in tagged:
        if where is not None:
            branches.setdefault(where[0], {}).setdefault(where[1], []).append(err)
    chosen = {}
    for prefix, by_tag in branches.items():
        def wrong_type(tag, prefix=prefix, by_tag=by_tag):
            return any(tuple(e["loc"]) == prefix + (tag,) and e["type"].endswith("_type") for e in by_tag[tag])
        fitting = [t for t in by_tag if not wrong_type(t)] or list(by_tag)
        chosen[prefix] = min(fitting, key=lambda t: len(by_tag[t]))
    return [(err, None if where is None else where[1]) for err, where in tagged
            if where is None or chosen[where[0]] == where[1]]


def _close_key(key: str, names: list[str]) -> str | None:
    """The allowed key ``key`` most likely mistypes (a transposition first), never ``key`` itself."""
    import difflib  # did-you-mean hints: imported when a name is unknown, not at every start-up

    names = [n for n in names if n != key]
    swapped = [n for n in names if sorted(n) == sorted(key)]
    close = swapped or difflib.get_close_matches(key, names, n=1)
    return close[0] if close else None


def _unknown_key(model_cls: type, path: tuple, data: Any, branch: str | None = None) -> str:
    key, msg = str(path[-1]), f"unknown key {path[-1]!r}"
    try:
        names = _allowed_keys(model_cls, path[:-1], data, branch)
    except (KeyError, IndexError, TypeError):
        names = []
    close = _close_key(key, names)
    close = [close] if close else []
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
        for err, branch in _best_branches(exc.errors(include_url=False), data):
            path = _data_path(tuple(err["loc"]), data, keep_last=err["type"] == "missing")
            msg = err["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
            got = MISSING if err["type"] == "missing" else err.get("input", MISSING)
            if err["type"] == "extra_forbidden" and path:
                msg = _unknown_key(model_cls, path, data, branch)
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
