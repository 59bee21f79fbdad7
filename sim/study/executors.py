"""Where a sweep's runs execute: one concurrent.futures interface, three backends.

A sweep hands out independent tasks — "run this scenario's replication r" — and writes each
result as soon as its future completes. A run is a pure function of (scenario, replication):
the backend decides how fast results come back and in which order, never what they are, so
a sweep gives the same tables in this process, on 2 local processes or on a Dask cluster.

* ``inprocess``: runs each task in this process when it is submitted (debugging, profiling,
  and the default of ``--executor local --jobs 1``);
* ``local``: a :class:`concurrent.futures.ProcessPoolExecutor` of ``--jobs`` processes;
* ``dask``: a ``dask.distributed`` Client — an existing cluster (``--scheduler
  tcp://host:8786``) or, without an address, a LocalCluster of ``--jobs`` worker processes —
  used through ``Client.get_executor()``, itself a concurrent.futures Executor. Workers must
  have the same commune-sim version installed (and any commune table a scenario names, at
  the same path); only the scenario object and the replication index travel.

:class:`Backend` carries the executor and its ``capacity``: how many tasks the sweep keeps in
flight (twice the workers), so results are written while the rest still run, and an
interruption loses at most the runs that were in progress.
"""
from __future__ import annotations

import contextlib
import logging
import os
import re
import signal
import threading
import time
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Iterator

KINDS = ("inprocess", "local", "dask")


class InProcessExecutor(Executor):
    """Runs a task in the calling thread at submit time and returns a finished future.

    Exceptions from the task land in the future; KeyboardInterrupt (Ctrl-C) is not caught,
    so it reaches the sweep, which marks the run interrupted.
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


PARENT_POLL_SECONDS = 0.5


def worker_init(parent: int) -> None:
    """Set up a worker process: Ctrl-C is left to the parent, which stops the work cleanly
    (and the parent's SIGTERM handler, inherited by fork, is undone: SIGTERM ends a worker);
    and the worker exits if its parent dies without stopping it (SIGKILL, a crash), instead
    of running on as an orphan — a thread checks every half second that the parent is
    still ``parent``. (PR_SET_PDEATHSIG would not do: it fires when the parent *thread* that
    started the worker ends, and workers may be started from short-lived threads.)"""
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


def worker_pool(jobs: int, tasks: int | None = None) -> ProcessPoolExecutor:
    """Worker processes for ``jobs`` (never more than ``tasks``), set up by :func:`worker_init`."""
    workers = max(1, min(jobs, tasks) if tasks is not None else jobs)
    return ProcessPoolExecutor(max_workers=workers, initializer=worker_init, initargs=(os.getpid(),))


def stop_pool(pool: ProcessPoolExecutor, abort: bool) -> None:
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


_ADDRESS = re.compile(r"^(?:(?P<scheme>tcp|tls|ucx|ws|wss)://)?(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9.-]*)"
                      r":(?P<port>\d{1,5})/?$")


def scheduler_problem(address: str) -> str | None:
    """Why ``address`` is not a Dask scheduler address (``tcp://host:8786``), or None."""
    match = _ADDRESS.match(address.strip())
    if not match:
        return (f"--scheduler {address!r} is not a scheduler address; expected tcp://HOST:PORT "
                "(e.g. tcp://10.0.0.5:8786; also tls://, ucx://, ws://, wss://)")
    if not 1 <= int(match["port"]) <= 65535:
        return f"--scheduler {address!r}: port {match['port']} is not between 1 and 65535"
    return None


@dataclass
class Backend:
    """An executor, how many tasks to keep in flight, and what it is (for the manifest)."""

    executor: Executor
    capacity: int
    kind: str
    workers: int
    description: str
    _close: Callable[[bool], None] = field(repr=False, default=lambda abort: None)

    def close(self, abort: bool = False) -> None:
        self._close(abort)


@contextlib.contextmanager
def open_backend(kind: str = "local", jobs: int = 1, scheduler: str | None = None,
                 tasks: int | None = None) -> Iterator[Backend]:
    """The backend named by ``--executor``; closed (workers stopped) on exit. ``tasks``,
    when known, caps the local worker processes: no more workers than work.

    On an exception (Ctrl-C included) queued tasks are cancelled and local worker processes
    stopped at once, without waiting for the runs in progress.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown executor {kind!r}; choose one of {', '.join(KINDS)}")
    if scheduler and kind != "dask":
        raise ValueError("--scheduler needs --executor dask")
    if scheduler and scheduler_problem(scheduler):
        raise ValueError(scheduler_problem(scheduler))
    if tasks is not None and not scheduler:  # processes started here: no more than the work
        jobs = max(1, min(jobs, tasks))
    if kind == "inprocess" or (kind == "local" and jobs <= 1):
        backend = Backend(InProcessExecutor(), 1, "inprocess", 1,
                          "in this process" + (" (--executor local with --jobs 1)" if kind == "local" else ""))
    elif kind == "local":
        backend = _local(jobs)
    else:
        backend = _dask(jobs, scheduler)
    try:
        yield backend
    except BaseException:
        backend.close(abort=True)
        raise
    backend.close(abort=False)


def _local(jobs: int) -> Backend:
    pool = worker_pool(jobs)
    return Backend(pool, 2 * jobs, "local", jobs, f"{jobs} local processes", lambda abort: stop_pool(pool, abort))


def _dask(jobs: int, scheduler: str | None) -> Backend:
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - dask[distributed] is a dependency
        raise ValueError(f"--executor dask needs dask[distributed] installed ({exc})") from None
    cluster = None
    if scheduler:
        client = Client(scheduler, timeout="30s")
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

    return Backend(executor, 2 * workers, "dask", workers, description, close)
