"""commune-sim: a discrete-event simulation of commune administrative workload in Vietnam
after the two-tier local government reform of 1 July 2025.

The package is layered; each layer imports only the ones below it:

    sim.engine       calendar, distributions, streams, arrivals, pools, model, recorder, shards
    sim.scenario     schema, loading, library, consistency, communes, policies, region, checks
    sim.study        runner, compare, experiments, sweep, executors, outputs, plots, api
    sim.calibration  targets, calibrate, evaluations, report, sensitivity
    sim.commands     the command handlers: run (and compare), scenarios, sweep, calibrate
    sim.cli          the command line's parser

The Python API is :func:`load_scenario`, :func:`run` and :class:`Results` (see
:mod:`sim.study.api`); the extension points are the registries (:func:`register_router`,
:func:`register_allocation`, :func:`register_distribution`). They are imported on first
use so that ``commune-sim --help`` starts fast.
"""
__version__ = "0.1.0"

_PUBLIC = {
    "load_scenario": "sim.study.api", "run": "sim.study.api", "Results": "sim.study.api",
    "ScenarioError": "sim.scenario.loading",
    "Router": "sim.engine.routing", "register_router": "sim.scenario.policies",
    "register_allocation": "sim.scenario.policies", "ROUTERS": "sim.scenario.policies",
    "ALLOCATIONS": "sim.scenario.policies",
    "Distribution": "sim.engine.distributions", "register_distribution": "sim.engine.distributions",
}
__all__ = [*_PUBLIC, "__version__"]


def __getattr__(name):
    if name in _PUBLIC:
        import importlib

        module = importlib.import_module(_PUBLIC[name])
        return getattr(module, "register" if name == "register_distribution" else name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
