"""Policies: how staff are allocated to communes, and where a dossier is handled.

Both are extension points, chosen by name in the scenario and looked up in a registry.
A modeler adds one without touching the engine::

    from sim.policies import Router, register_router

    @register_router("nearest_ward")
    class NearestWard(Router):
        def intake_commune(self, dossier):
            ...

Staff allocation runs once before the simulation and returns, for every pool, the staff
of each commune. A router is asked at each step where the dossier goes.
"""
from __future__ import annotations

from typing import Callable

ALLOCATIONS: dict[str, Callable] = {}
ROUTERS: dict[str, type["Router"]] = {}


def register_allocation(name: str):
    def decorate(fn):
        ALLOCATIONS[name] = fn
        return fn
    return decorate


def register_router(name: str):
    def decorate(cls):
        ROUTERS[name] = cls
        return cls
    return decorate


@register_allocation("as_given")
def as_given(scenario, communes, plan) -> dict[str, list[int]]:
    """Every commune gets the staff of ``staff.per_commune``."""
    return {pool: [n] * len(communes) for pool, n in scenario.staff.per_commune.items()}


def allocate_staff(scenario, communes, plan) -> dict[str, list[int]]:
    return ALLOCATIONS["as_given"](scenario, communes, plan)


class Router:
    """Home-commune handling: every step at the commune the dossier belongs to."""

    def __init__(self, scenario, simulation):
        self.scenario, self.simulation = scenario, simulation

    def intake_commune(self, dossier):
        return dossier.home

    def back_office_pool(self, dossier, pool: str):
        return dossier.home.pools[pool]

    def extra_pools(self):
        """Pools that belong to no commune (e.g. a central back office)."""
        return []


register_router("home")(Router)


def make_router(scenario, simulation) -> Router:
    return ROUTERS["home"](scenario, simulation)
