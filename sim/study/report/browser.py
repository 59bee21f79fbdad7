"""Headless Chromium: where it is, how it is started, and printing a report to PDF.

The same browser checks the reports in the tests (``tests/browser.py`` drives it through the
DevTools protocol). It is started with no network, no extensions and a throw-away profile.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..files import write_atomic

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--disable-default-apps", "--hide-scrollbars", "--mute-audio")
PDF_TIMEOUT_SECONDS = 120


def find_chromium() -> str | None:
    """The Chromium to use: ``$COMMUNE_SIM_CHROMIUM``, else the first of :data:`NAMES` on the PATH."""
    given = os.environ.get("COMMUNE_SIM_CHROMIUM")
    if given:
        return given if Path(given).is_file() else None
    return next((path for path in map(shutil.which, NAMES) if path), None)


def command(executable: str, profile: Path, *extra: str) -> list[str]:
    return [executable, *FLAGS, f"--user-data-dir={profile}", *extra]


def print_pdf(html_file: Path, pdf_file: Path, executable: str | None = None) -> Path:
    """Print ``html_file`` to ``pdf_file`` (A4, the page's own print style), atomically."""
    executable = executable or find_chromium()
    if executable is None:
        raise FileNotFoundError("Chromium was not found; install it (Debian: apt-get install chromium) "
                                "or set COMMUNE_SIM_CHROMIUM")
    url = Path(html_file).resolve().as_uri()

    def write(tmp: Path) -> None:
        # (Chromium helpers may still write to the profile as it exits: a leftover is not a failure)
        with tempfile.TemporaryDirectory(prefix="commune-sim-chromium-", ignore_cleanup_errors=True) as profile:
            done = subprocess.run(command(executable, Path(profile), "--no-pdf-header-footer",
                                          f"--print-to-pdf={tmp}", url),
                                  capture_output=True, text=True, timeout=PDF_TIMEOUT_SECONDS)
        if done.returncode or not tmp.is_file() or tmp.stat().st_size == 0:
            raise RuntimeError(f"Chromium could not print {html_file}: {done.stderr.strip()[-400:]}")

    write_atomic(Path(pdf_file), write)
    return Path(pdf_file)
