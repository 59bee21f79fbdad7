"""What a commune is held to, and whether it meets it.

A commune meets the targets when, estimated over the replications (the mean of the
per-replication figures, under common random numbers):

* ``wait_p90_minutes``: the p90 wait at each staffing pool (working minutes, every visit to
  the pool, re-filings after supplementation included) is at most the target. It is decided
  on the share of visits that wait longer than the target, averaged over the replications:
  at most 10% (the same as "the p90 of the waits is at most the target", but a mean of
  yes/no outcomes is far steadier from run to run than a quantile, and its interval means
  what it says). The p90 itself is reported beside it;
* ``on_time_share``: the commune's on-time share (completed dossiers) is at least the target;
* ``max_utilisation``: each pool's *expected* utilisation (offered load on an ordinary working
  day ÷ staff, :mod:`sim.study.staffing.load`) is at most the target. It is a planning norm,
  known without simulation, so it sets a floor under the search.

With ``confident`` (``--confident``) a commune meets a wait or on-time target only when the
whole 95% interval of its estimate does: a recommendation with a margin for the luck of the
random numbers it was found with.

Targets not given are not checked. Staff levels are whole numbers of people.
"""
from __future__ import annotations

import math
from dataclasses import dataclass


OVER_TARGET_SHARE = 0.10  # "90% wait at most T": at most 10% wait longer


@dataclass(frozen=True)
class Targets:
    wait_p90_minutes: float | None = None
    on_time_share: float | None = None
    max_utilisation: float | None = None
    confident: bool = False

    def any(self) -> bool:
        return any(v is not None for v in (self.wait_p90_minutes, self.on_time_share, self.max_utilisation))

    def as_dict(self) -> dict:
        return {"wait_p90_minutes": self.wait_p90_minutes, "on_time_share": self.on_time_share,
                "max_utilisation": self.max_utilisation, "confident": self.confident}

    def utilisation_floor(self, offered_erlangs: float, minimum: int) -> int:
        """The fewest staff whose expected utilisation is within the target (and >= minimum)."""
        floor = minimum
        if self.max_utilisation is not None and offered_erlangs > 0:
            floor = max(floor, math.ceil(offered_erlangs / self.max_utilisation - 1e-9))
        return floor

    def pool_wait_ok(self, share_over: float, half_width: float = 0.0) -> bool:
        """The wait target at one pool, from the share of visits waiting longer than the target
        (and, when confident, its 95% half-width); a pool that served nobody (NaN) has no wait to miss."""
        margin = half_width if self.confident and half_width == half_width else 0.0
        return self.wait_p90_minutes is None or not (share_over + margin > OVER_TARGET_SHARE + 1e-12)

    def on_time_ok(self, share: float, half_width: float = 0.0) -> bool:
        margin = half_width if self.confident and half_width == half_width else 0.0
        return self.on_time_share is None or not (share - margin < self.on_time_share)


def finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
