"""commune-sim: a discrete-event simulation of commune administrative workload in Vietnam
after the two-tier local government reform of 1 July 2025.

The Python API is :func:`load_scenario` and :func:`run` (see :mod:`sim.api`). They are
imported on first use so that ``commune-sim --help`` starts fast.
"""
__version__ = "0.1.0"
__all__ = ["load_scenario", "run", "Results", "__version__"]


def __getattr__(name):
    if name in ("load_scenario", "run", "Results"):
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
