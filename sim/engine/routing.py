"""Where a dossier is handled: the router interface the model asks at each step.

The base class is home-commune handling: every step at the commune the dossier belongs
to, so communes share nothing but the clock (which is what lets a region be simulated in
shards, :mod:`sim.engine.shards`). Other routers (location-independent filing, a central
back office, district centres) subclass it and are registered by name in
:mod:`sim.scenario.policies`; the engine only ever calls these four methods.
"""
from __future__ import annotations


class Router:
    """Home-commune handling: every step at the commune the dossier belongs to."""

    def __init__(self, scenario, simulation):
        self.scenario, self.simulation = scenario, simulation

    def intake_commune(self, dossier):
        return dossier.home

    def back_office_pool(self, dossier, pool: str):
        return dossier.home.pools[pool]

    def sign_off_pool(self, dossier, pool: str):
        return dossier.home.pools[pool]

    def extra_pools(self):
        """Pools that belong to no commune (e.g. a central back office)."""
        return []
