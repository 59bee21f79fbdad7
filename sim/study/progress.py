"""A progress bar on stderr for runs that take more than a few seconds.

Shown only when stderr is a terminal (never in logs or CI) and only once a run has lasted
``delay_seconds``, so quick runs print nothing. Progress is a fraction of the total work
(replications, and simulated days within a replication when it runs in this process). Its words
(the note callers pass, the time left) are the catalogue's, in the command's language.
"""
from __future__ import annotations

import sys
import time


class ProgressBar:
    def __init__(self, label: str = "", stream=None, delay_seconds: float = 2.0, width: int = 30, lang: str = "en"):
        self.stream = stream or sys.stderr
        self.lang = lang
        self.enabled = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.label, self.delay, self.width = label, delay_seconds, width
        self.started = time.monotonic()
        self._last_draw = 0.0
        self._shown = False

    def __call__(self, fraction: float, note: str = "") -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        elapsed = now - self.started
        if elapsed < self.delay or (now - self._last_draw < 0.2 and fraction < 1):
            return
        self._last_draw = now
        fraction = min(max(fraction, 0.0), 1.0)
        filled = int(self.width * fraction)
        eta = elapsed * (1 - fraction) / fraction if fraction > 0 else float("nan")
        eta_text = self._eta(eta) if eta == eta else ""
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {fraction:6.1%} {note} {eta_text}   ")
        self.stream.flush()
        self._shown = True

    def _eta(self, seconds: float) -> str:
        from .catalogue import text

        return text("progress_eta", self.lang, seconds=f"{seconds:5.0f}")

    def close(self) -> None:
        if self._shown:
            self.stream.write("\n")
            self.stream.flush()
            self._shown = False
