"""``commune-sim report DIR [--lang vi|en] [--out FILE.html] [--pdf]``."""
from __future__ import annotations

import sys
from pathlib import Path

from ...errors import UsageError
from ..files import write_text
from .browser import find_chromium, print_pdf
from .build import build_report, folder_language, read_manifest


def report_command(args) -> int:
    folder = Path(args.folder)
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder")
    if args.pdf and find_chromium() is None:
        raise UsageError("--pdf needs Chromium: install it (Debian: apt-get install chromium) or set COMMUNE_SIM_CHROMIUM")
    lang = args.lang or folder_language(read_manifest(folder))
    out = args.out or folder / f"report-{lang}.html"
    if out.exists() and out.is_dir():
        raise UsageError(f"--out {out} is a folder; give a file name such as report.html")
    try:
        text = build_report(folder, lang, args.wait_target, args.on_time_target)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    write_text(out, text)
    print(f"report: {out}")
    if args.pdf:
        pdf = out.with_suffix(".pdf")
        try:
            print_pdf(out, pdf)
        except (OSError, RuntimeError, TimeoutError) as exc:
            print(f"commune-sim: {exc}", file=sys.stderr)
            return 1
        print(f"pdf: {pdf}")
    return 0
