"""Geography of real communes: who neighbours whom, how far apart, which district they came from.

Real communes carry their official code (:mod:`sim.scenario.communes`); the reference data
(:mod:`sim.reference`) gives each unit a point, its bordering units and the former district
it mostly came from. From these, built once per region (:mod:`sim.scenario.region`):

* **neighbourhoods** for location-independent filing: for each commune, the communes where its
  citizens may file. ``consecutive`` is the old stand-in (the run of ``cluster_size``
  consecutive communes it belongs to: a partition, the same for every member); ``border`` is
  the commune and the units that share a border with it; ``{within_km: X}`` the commune and the
  units whose points lie within X km. Only units of the scenario count (nobody files in
  another province).
* **groups** for district centres and central pools: by former district (the district that
  contributed most of the unit's former communes: a unit formed from several districts is
  counted wholly in its dominant one), by distance (hubs, below), or runs of consecutive
  communes.

Distances are great-circle (haversine) between the units' points, in km.
"""
from __future__ import annotations

import numpy as np

EARTH_RADIUS_KM = 6371.0088


class GeographyError(ValueError):
    """A geographic option the communes cannot support (e.g. no codes), at a key path."""

    def __init__(self, key_path: str, message: str):
        self.key_path, self.message = key_path, message
        super().__init__(f"{key_path}: {message}")


def _units(communes, key_path: str) -> list:
    # The reference data is imported here, where real communes need it: a run of synthetic
    # communes never does, and its import (units, names, dataclasses) costs every start-up.
    from .. import reference

    missing = [c.name for c in communes if not c.code]
    if missing:
        raise GeographyError(key_path, f"needs communes with official codes (communes.province, or a table with a "
                                       f"code column); {missing[0]!r} has none: synthetic communes have no geography")
    by_code = {u.code: u for u in reference.units()}
    return [by_code[c.code] for c in communes]


def distances_km(communes) -> np.ndarray:
    """(n, n) great-circle distances between the communes' points, in km."""
    units = _units(communes, "communes")
    lon = np.radians([u.lon for u in units])
    lat = np.radians([u.lat for u in units])
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    a = np.sin(dlat / 2) ** 2 + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def consecutive_runs(n: int, size: int) -> list[tuple[int, ...]]:
    """For each of n communes, the run of ``size`` consecutive communes it belongs to."""
    return [tuple(range(i - i % size, min(i - i % size + size, n))) for i in range(n)]


def neighbourhoods(communes, spec, cluster_size: int = 5) -> list[tuple[int, ...]]:
    """For each commune (by index), the communes where its citizens may file, itself included,
    in index order. ``spec``: "consecutive", "border", or an object with ``within_km``."""
    n = len(communes)
    if spec == "consecutive":
        return consecutive_runs(n, cluster_size)
    if spec == "border":
        from .. import reference  # real communes only (see _units)

        units = _units(communes, "routing.neighbours")
        index = {u.code: i for i, u in enumerate(units)}
        adjacency = reference.neighbours([u.code for u in units])
        return [tuple(sorted([i, *(index[code] for code in adjacency[u.code])])) for i, u in enumerate(units)]
    _units(communes, "routing.neighbours")
    near = distances_km(communes) <= spec.within_km
    return [tuple(np.flatnonzero(near[i]).tolist()) for i in range(n)]


def former_district_groups(communes, key_path: str = "routing.districts.by") -> dict[str, tuple[int, ...]]:
    """{former district: indices of the communes it dominates}, in order of their first commune.

    A district name found in two former provinces now in the scenario (several "Huyện Châu
    Thành") is qualified with its former province, as :func:`sim.reference.former_districts` does.
    """
    units = _units(communes, key_path)
    provinces_of: dict[str, set[str]] = {}
    for u in units:
        provinces_of.setdefault(u.former_district, set()).add(u.former_province)
    groups: dict[str, list[int]] = {}
    for i, u in enumerate(units):
        label = u.former_district if len(provinces_of[u.former_district]) == 1 else \
            f"{u.former_district} ({u.former_province})"
        groups.setdefault(label, []).append(i)
    return {label: tuple(members) for label, members in groups.items()}


def hub_groups(communes, km: float, key_path: str = "routing.central_pool.by") -> dict[str, tuple[int, ...]]:
    """Groups by distance: the most populous commune not yet served becomes a hub and serves
    every unserved commune within ``km`` of it; repeated until every commune is served.
    {hub name: member indices (the hub included)}, hubs in the order they were chosen."""
    _units(communes, key_path)
    near = distances_km(communes) <= km
    served = np.zeros(len(communes), dtype=bool)
    groups: dict[str, tuple[int, ...]] = {}
    # Ties in population go to the lower index, so the grouping is fixed by the data alone.
    for hub in sorted(range(len(communes)), key=lambda i: (-communes[i].population, i)):
        if served[hub]:
            continue
        members = np.flatnonzero(near[hub] & ~served)
        served[members] = True
        name = communes[hub].name
        groups[name if name not in groups else f"{name} ({communes[hub].code})"] = tuple(members.tolist())
    return groups
