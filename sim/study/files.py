"""Writing files so that a reader never sees half of one.

Every file the tool writes goes through :func:`write_atomic`: it is written beside its
final name, flushed to disk, then renamed onto it (``os.replace`` is atomic on one file
system), so Ctrl-C, a full disk or a killed process leaves the old file or the new one,
never a torn one. A whole output folder is written the same way by :func:`atomic_folder`.
JSON goes through one cleaner (:func:`clean_json`): JSON has no NaN or infinity, so they
become null, and dates and paths become text.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


#: Read once, at import: reading it means setting it, which other threads must not see.
UMASK = _umask()


def write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(temporary_path)``, then rename the temporary file onto ``path``. The file gets
    the permissions of any file the user creates (a temporary file is private by default)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~UMASK)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())

    write_atomic(path, write)


def write_json(path: Path, data: Any) -> None:
    write_text(path, json_text(data))


def json_text(data: Any) -> str:
    return json.dumps(clean_json(data), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def read_json(path: Path) -> Any:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def clean_json(value):
    """A value JSON can hold: NaN and infinity become null; dates and paths become text."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: clean_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_json(v) for v in value]
    if isinstance(value, (dt.date, Path)):
        return str(value)
    return value


def scenario_hash(resolved: dict) -> str:
    """SHA-256 of a resolved scenario (as JSON with sorted keys): what the manifest records."""
    text = json.dumps(resolved, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@contextmanager
def atomic_folder(out_dir: Path, force: bool = False):
    """Yield a hidden temporary folder beside ``out_dir``; on success it becomes ``out_dir``
    (replacing it with ``force``), on any failure it is removed: whole or nothing."""
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()) and not force:
        raise FileExistsError(f"{out_dir} is not empty; choose another --out or pass --force")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~UMASK)  # a temporary folder is private by default; an output folder is not
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def folder_problem(out: Path, inside: bool = False, option: str = "--out") -> str | None:
    """Why an output folder cannot be written, known before any computing; None if it can.

    ``inside``: files are written inside ``out`` itself (a sweep, a calibration); otherwise
    the folder is written beside it and renamed into place (:func:`atomic_folder`), so its
    parent must be writable. Missing folders are created: the nearest existing one decides.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        return f"{option} {out} is a file, not a folder"
    folder = out if inside and out.exists() else out.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if folder.exists() and not folder.is_dir():
        return f"{option} {out}: {folder} is a file, not a folder"
    if not os.access(folder if str(folder) else ".", os.W_OK | os.X_OK):
        return f"{option} {out}: cannot write in {folder or '.'} (permission denied or a read-only file system)"
    return None


def file_problem(path: Path, option: str = "--out") -> str | None:
    """Why a single output file cannot be written, known before writing; None if it can.
    Its folder must exist (a mistyped folder is not created for one file)."""
    path = Path(path)
    if path.is_dir():
        return f"{option} {path} is a folder; give a file name"
    folder = path.parent
    if not folder.exists():
        return f"{option} {path}: the folder {folder} does not exist"
    if not folder.is_dir():
        return f"{option} {path}: {folder} is a file, not a folder"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"{option} {path}: cannot write in {folder} (permission denied or a read-only file system)"
    return None
