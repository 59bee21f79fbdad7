"""Ctrl-C and SIGTERM: stop the work, keep everything finished, write it whole.

The command line installs :func:`handle_signals` for the length of a command. SIGTERM (what
``kill``, a scheduler or a closing terminal sends) is handled exactly like Ctrl-C (SIGINT):
the first one raises KeyboardInterrupt where the work is, and the command keeps what has
finished. From then on, and whenever results are being written (:func:`shielded`), further
signals are only counted: a second Ctrl-C cannot tear the output folder the first one asked
for. Whether any signal came is :func:`received`, so a folder written while one arrived is
still marked ``interrupted``. What it says is in the command's language (:func:`speak`), from the
catalogue.

Worker processes do not take part: they ignore Ctrl-C and leave it to the parent, which
stops them (:mod:`sim.study.executors`).
"""
from __future__ import annotations

import contextlib
import signal
import sys
import threading

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class _State:
    def __init__(self):
        self.count = 0        # signals received since handle_signals began
        self.raised = False   # the first one has raised KeyboardInterrupt
        self.shield = 0       # depth of shielded() blocks
        self.told = False
        self.lang = "en"      # the command's language, once it knows it (speak)


_state = _State()


def _handler(signum, frame) -> None:
    _state.count += 1
    if not _state.raised and not _state.shield:
        _state.raised = True
        raise KeyboardInterrupt
    if not _state.told:
        _state.told = True
        from .catalogue import text

        print(text("signal_writing" if _state.shield else "signal_stopping", _state.lang), file=sys.stderr, flush=True)


@contextlib.contextmanager
def handle_signals(process_exits: bool = False):
    """Install the handler for SIGINT and SIGTERM (main thread only); restore on exit.

    ``process_exits``: the process ends with the command (the ``commune-sim`` program). After an
    interrupt, further signals are then ignored instead of restored, so a late Ctrl-C cannot
    turn "interrupted, everything finished kept, exit 1" into a crash on the way out."""
    global _state
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.getsignal(s) for s in SIGNALS}
    outer = _state
    _state = _State()
    for s in SIGNALS:
        signal.signal(s, _handler)
    try:
        yield
    finally:
        ignore = process_exits and _state.count > 0
        for s, h in previous.items():
            signal.signal(s, signal.SIG_IGN if ignore else h)
        _state = outer


@contextlib.contextmanager
def shielded():
    """Signals arriving inside are counted, not raised: what is written here is written whole."""
    _state.shield += 1
    try:
        yield
    finally:
        _state.shield -= 1


def speak(lang: str) -> None:
    """The language of what is said on an interruption, from now on in this command (its tables')."""
    _state.lang = lang


def language() -> str:
    """The command's language for lines about stopping: ``en`` until the command says (:func:`speak`)."""
    return _state.lang


def received() -> bool:
    """Whether Ctrl-C or SIGTERM came since :func:`handle_signals` began."""
    return _state.count > 0


def stopped() -> None:
    """Mark that the work has stopped on an interrupt caught elsewhere: further signals are
    only counted (a KeyboardInterrupt not raised by the handler, e.g. in tests)."""
    _state.raised = True
    _state.count = max(_state.count, 1)
