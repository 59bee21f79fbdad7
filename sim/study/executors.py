"""Where work runs: one way to run tasks in parallel, for every command.

``run``, ``compare``, ``sweep``, ``calibrate`` and ``sensitivity`` all hand out independent
tasks — "run shard k of replication r", "run this variant's replication r" — each a pure
function of its arguments. :func:`open_workers` gives a :class:`Workers`; its :meth:`Workers.run`
keeps a few tasks in flight per worker and hands each result to the caller's ``on_result`` the
moment it comes back. The backend decides how fast results come back and in which order, never
what they are, so a command gives the same figures in this process, on local processes or on
a Dask cluster (callers that add results up do so in a fixed order: shards in shard order).

Backends (``--executor``):

* ``inprocess``: each task runs in this process when it is submitted (debugging, profiling,
  and what ``local`` with one job, or with one task, becomes);
* ``local``: a :class:`concurrent.futures.ProcessPoolExecutor`, never more processes than
  tasks; each worker is set up by :func:`worker_init` (Ctrl-C left to the parent, exit when
  the parent dies);
* ``dask``: a ``dask.distributed`` Client — an existing cluster (``--scheduler
  tcp://host:8786``) or, without an address, a LocalCluster of ``--jobs`` worker processes —
  used through ``Client.get_executor()``. Workers must have the same commune-sim version
  installed (and any commune table a scenario names, at the same path); only the task's
  arguments travel.

What every caller gets: Ctrl-C, SIGTERM or a worker process that dies stops the work; results
that had already come back are still handed to ``on_result`` before the interruption goes on
(so they are kept), tasks not started are cancelled, and the workers are stopped at once
without waiting for tasks in progress (:func:`open_workers` on an exception, or
``close(abort=True)``). The callers turn a ``KeyboardInterrupt`` or ``BrokenExecutor`` into
one line and an ``interrupted`` status.
"""
from __future__ import annotations

import contextlib
import itertools
import logging
import os
import re
import signal
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable, Iterable, Iterator, NamedTuple

KINDS = ("inprocess", "local", "dask")


class Unreachable(OSError):
    """The Dask scheduler cannot be reached: nothing has run."""


class Task(NamedTuple):
    """One piece of work: ``fn(*args)``, known to the caller by ``key``. In worker processes
    ``fn`` must be a module-level function and ``args`` picklable."""

    key: Hashable
    fn: Callable
    args: tuple = ()


class InProcessExecutor(Executor):
    """Runs a task in the calling thread at submit time and returns a finished future.

    Exceptions from the task land in the future; KeyboardInterrupt (Ctrl-C) is not caught,
    so it reaches the caller, which marks the work interrupted.
    """

    def __init__(self):
        self._shutdown = False

    def submit(self, fn, /, *args, **kwargs) -> Future:
        if self._shutdown:
            raise RuntimeError("cannot submit after shutdown")
        future: Future = Future()
        future.set_running_or_notify_cancel()
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 — handed to the caller through the future
            future.set_exception(exc)
        else:
            future.set_result(result)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._shutdown = True


@dataclass
class Workers:
    """What a command runs its tasks on: an executor, how many tasks to keep in flight, and what
    it is (for the manifest). Made by :func:`open_workers`."""

    executor: Executor
    capacity: int  # tasks kept in flight: twice the workers, so results come back while the rest run
    kind: str
    workers: int
    description: str
    _close: Callable[[bool], None] = field(repr=False, default=lambda abort: None)

    @property
    def in_process(self) -> bool:
        return self.kind == "inprocess"

    def run(self, tasks: Iterable[Task], on_result: Callable[[Hashable, Any], None]) -> None:
        """Run ``tasks``, calling ``on_result(key, result)`` in this thread as each one finishes.

        On any stop — Ctrl-C, a worker that died (``BrokenExecutor``), a task that raised — the
        results that had already come back are still handed over, then the exception goes on.
        Not when ``on_result`` itself failed (a full disk): then nothing more is handed over.
        Tasks still queued are cancelled. Safe to call from several threads at once.
        """
        queue = iter(tasks)
        in_flight: dict[Future, Hashable] = {}  # in submission order
        handing = False
        try:
            while True:
                for key, fn, args in itertools.islice(queue, max(self.capacity - len(in_flight), 0)):
                    in_flight[self.executor.submit(fn, *args)] = key
                if not in_flight:
                    return
                finished, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
                for future in [f for f in in_flight if f in finished]:
                    key = in_flight.pop(future)  # and let go of the result once handed over
                    result = future.result()
                    handing = True
                    on_result(key, result)
                    handing = False
        except BaseException as stop:
            if not (handing and isinstance(stop, Exception)):
                _hand_over_finished(in_flight, on_result)
            for future in in_flight:
                future.cancel()
            raise

    def close(self, abort: bool = False) -> None:
        """Stop the workers (once; later calls do nothing). On ``abort`` tasks in progress are
        abandoned, not awaited: after an interruption the workers cannot be used again."""
        close, self._close = self._close, lambda abort: None
        close(abort)


def _hand_over_finished(in_flight: dict, on_result) -> None:
    """Keep what finished while the work was being stopped."""
    for future, key in list(in_flight.items()):
        if future.done() and not future.cancelled() and future.exception() is None:
            del in_flight[future]
            on_result(key, future.result())


PARENT_POLL_SECONDS = 0.5


def worker_init(parent: int) -> None:
    """Set up a worker process: Ctrl-C is left to the parent, which stops the work cleanly
    (and the parent's SIGTERM handler, inherited by fork, is undone: SIGTERM ends a worker);
    and the worker exits if its parent dies without stopping it (SIGKILL, a crash), instead
    of running on as an orphan — a thread checks every half second that the parent is
    still ``parent``. (PR_SET_PDEATHSIG would not do: it fires when the parent *thread* that
    started the worker ends, and workers start on the first submit, which may come from a
    short-lived thread, e.g. calibration's refits.)"""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    first = os.getppid()  # `parent`, or a fork server's pid, which ends with the parent
    if first == 1 and parent != 1:  # the parent died before this worker even started
        os._exit(1)

    def watch() -> None:
        while os.getppid() == first:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


# A pattern, compiled (and cached) by re when a --scheduler is given, not at every start-up.
_ADDRESS = (r"^(?:(?P<scheme>tcp|tls|ucx|ws|wss)://)?(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9.-]*)"
            r":(?P<port>\d{1,5})/?$")


def scheduler_problem(address: str) -> str | None:
    """Why ``address`` is not a Dask scheduler address (``tcp://host:8786``), or None."""
    match = re.match(_ADDRESS, address.strip())
    if not match:
        return (f"--scheduler {address!r} is not a scheduler address; expected tcp://HOST:PORT "
                "(e.g. tcp://10.0.0.5:8786; also tls://, ucx://, ws://, wss://)")
    if not 1 <= int(match["port"]) <= 65535:
        return f"--scheduler {address!r}: port {match['port']} is not between 1 and 65535"
    return None


def options_problem(kind: str, scheduler: str | None) -> str | None:
    """Why ``--executor``/``--scheduler`` do not go together (a usage error), or None."""
    if kind not in KINDS:
        return f"unknown executor {kind!r}; choose one of {', '.join(KINDS)}"
    if scheduler and kind != "dask":
        return "--scheduler needs --executor dask"
    return scheduler_problem(scheduler) if scheduler else None


@contextlib.contextmanager
def open_workers(kind: str = "local", jobs: int = 1, scheduler: str | None = None,
                 tasks: int | None = None) -> Iterator[Workers]:
    """The backend named by ``--executor``; closed (workers stopped) on exit. ``tasks``, the
    most tasks ever in flight at once when known, caps the processes started here: no more
    workers than work (one task runs in this process).

    On an exception (Ctrl-C included) queued tasks are cancelled and local worker processes
    stopped at once, without waiting for the tasks in progress.
    """
    problem = options_problem(kind, scheduler)
    if problem:
        raise ValueError(problem)
    if tasks is not None and not scheduler:  # processes started here: no more than the work
        jobs = max(1, min(jobs, tasks))
    if kind == "inprocess" or (kind == "local" and jobs <= 1):
        workers = in_process(" (--executor local with one job)" if kind == "local" else "")
    elif kind == "local":
        workers = _local(jobs)
    else:
        workers = _dask(jobs, scheduler)
    try:
        yield workers
    except BaseException:
        workers.close(abort=True)
        raise
    workers.close(abort=False)


def ProcessPoolExecutor(**options) -> Executor:  # noqa: N802 — stands for the class (tests replace it)
    """concurrent.futures' process pool, imported on first use: it loads multiprocessing (about
    10 ms), which a run in this process never needs."""
    from concurrent.futures import ProcessPoolExecutor as pool

    return pool(**options)


def in_process(note: str = "") -> Workers:
    """Every task in this process, one at a time (nothing to start or stop)."""
    return Workers(InProcessExecutor(), 1, "inprocess", 1, "in this process" + note)


def _local(jobs: int) -> Workers:
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=worker_init, initargs=(os.getpid(),))
    return Workers(pool, 2 * jobs, "local", jobs, f"{jobs} local processes", lambda abort: _stop_pool(pool, abort))


def _stop_pool(pool: Executor, abort: bool) -> None:
    """Shut a pool down; on ``abort`` (Ctrl-C, a dead worker) queued tasks are cancelled and
    the workers stopped at once, without waiting for the tasks in progress."""
    if not abort:
        pool.shutdown(wait=True)
        return
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(timeout=5)


def _dask(jobs: int, scheduler: str | None) -> Workers:
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - dask[distributed] is a dependency
        raise ValueError(f"--executor dask needs dask[distributed] installed ({exc})") from None
    cluster = None
    if scheduler:
        try:
            client = Client(scheduler, timeout="30s")
        except OSError as exc:  # a timeout too
            raise Unreachable(f"cannot reach the Dask scheduler at {scheduler}: {exc.strerror or exc}") from None
        description = f"Dask cluster at {scheduler}"
    else:
        cluster = LocalCluster(n_workers=max(jobs, 1), threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)
        client = Client(cluster)
        description = f"Dask LocalCluster of {max(jobs, 1)} worker processes"
    workers = max(sum(client.nthreads().values()), 1)
    executor = client.get_executor(pure=False)

    def close(abort: bool) -> None:
        with contextlib.suppress(Exception):
            executor.shutdown(wait=not abort)
        with contextlib.suppress(Exception):
            client.close()
        if cluster is not None:
            with contextlib.suppress(Exception):
                cluster.close()

    return Workers(executor, 2 * workers, "dask", workers, description, close)
