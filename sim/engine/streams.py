"""Random streams: one independent numpy Generator per (replication, commune, quantity).

Streams are keyed, not drawn in sequence: the generator for "commune 17's online arrivals
in replication 3" is built from ``SeedSequence(seed, spawn_key=(3, 17, ARRIVALS, 1))``
whatever else the run does. So

* replications are independent and can run in any process, in any order;
* a scenario that changes staff, routing or service times sees exactly the same arrivals,
  fields and per-dossier work (common random numbers), because those quantities never
  share a stream with anything the change touches.
"""
from __future__ import annotations

import numpy as np

# One code per random quantity. Append new ones; never renumber (it would change results).
ARRIVALS = 0  # arrival counts and instants (per channel: extra key)
FIELDS = 1  # procedure field of each dossier
INTAKE = 2  # intake service minutes
BACK_OFFICE = 3  # back-office service minutes
SIGN_OFF = 4  # sign-off service minutes
SUPPLEMENTATION = 5  # returned for supplementation?
PROVINCE = 6  # forwarded to the province?
REWORK = 7  # everything drawn for a dossier that comes back after supplementation
DELAYS = 8  # citizen and province delays
ROUTING = 9  # random choices of routing policies
DIRECTIVES = 10  # (reserved)
LEAD_TIME = 11  # elapsed time waiting on others before back-office work
DEADLINE_MIX = 12  # which deadline of a field's mix a dossier has
WAIT_ON_OTHERS = 13  # waiting on other agencies after back-office work
APPOINTMENT = 14  # held until the appointment date, in a field that mixes both rules?
OBSERVED = 15  # replay of observed counts: how a day's count is dealt out (extra key: the day)

#: The "commune" of streams that belong to the whole region (no commune has this index).
REGION = 1_000_000_000


def stream(seed: int, replication: int, commune: int, quantity: int, *extra: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(replication, commune, quantity, *extra)))
