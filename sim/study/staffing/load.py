"""Offered load of every pool of every commune, and the analytic start of the search.

On an ordinary working day a commune sends each pool a number of visits (dossiers × the
stages that use the pool; a field returned for supplementation with share p is handled
1/(1-p) times on average) with a mean and a squared coefficient of variation of service
minutes. The offered load in Erlangs is visits × mean minutes ÷ minutes of a working day,
and the expected utilisation of ``c`` staff is load ÷ c.

The analytic start reads the pool as an M/G/c queue at the day's average rate: the fewest
servers with P(W > t) ≤ 10%, where for M/M/c P(W > t) = C(c, a)·exp(-(cμ - λ)t) (Erlang C);
for general service the wait is scaled by (1 + cs²)/2 (Allen–Cunneen), i.e. the target t is
divided by it. Opening hours, the hour-of-day peak and the weekly pattern make real waits
longer than this average-rate reading, so it is only where the simulation starts.
"""
from __future__ import annotations

from dataclasses import dataclass

from ...engine.analytic import min_servers


@dataclass(frozen=True)
class PoolLoad:
    visits_per_day: float  # visits on an ordinary working day
    mean_minutes: float
    cs2: float
    day_minutes: float

    @property
    def erlangs(self) -> float:
        return self.visits_per_day * self.mean_minutes / self.day_minutes if self.day_minutes else 0.0

    def utilisation(self, staff: int) -> float:
        return self.erlangs / staff if staff > 0 else (float("inf") if self.erlangs > 0 else 0.0)

    def analytic_staff(self, wait_p90_minutes: float | None, minimum: int = 1) -> int:
        """Fewest staff (>= minimum) meeting the p90 wait by Erlang C / Allen–Cunneen."""
        if self.visits_per_day <= 0 or self.mean_minutes <= 0:
            return minimum
        if wait_p90_minutes is None:
            return max(minimum, int(self.erlangs) + 1)
        rate = self.visits_per_day / self.day_minutes
        scaled = wait_p90_minutes / max((1 + self.cs2) / 2, 1e-9)
        return max(minimum, min_servers(rate, self.mean_minutes, target_service_level=(scaled, 0.9)))


def _moments(dist) -> tuple[float, float]:
    mean = dist.mean
    return mean, mean * mean * (1 + dist.cv2)


def pool_loads(region, pool: str) -> list[PoolLoad]:
    """Each commune's load on ``pool`` (work sent to a central pool or a district centre is
    not the commune's: see the routers in :mod:`sim.scenario.policies`)."""
    scenario, plan = region.scenario, region.plan
    routing = scenario.routing
    central = set(routing.central_pool.channels) if routing.policy == "central_pool" and routing.central_pool else set()
    district_fields = set(routing.districts.fields) if region.districts else set()
    visits = first = second = 0.0
    for k, channel in enumerate(plan.channels):
        to_centre = plan.channel_names[k] in central
        for f, field in enumerate(plan.fields):
            if plan.field_names[f] in district_fields:
                continue
            share = channel.share * plan.field_mix[k][f] / (1 - field.supplementation_share)
            if share <= 0:
                continue
            stages = []
            if channel.intake is not None and channel.intake.pool == pool:
                stages.append(field.intake_service_minutes or channel.intake.service_minutes)
            if field.back_office is not None and field.back_office.pool == pool and not to_centre:
                stages.append(field.back_office.service_minutes)
            if plan.sign_off is not None and plan.sign_off.pool == pool and field.sign_off:
                stages.append(plan.sign_off.service_minutes)
            for dist in stages:
                m1, m2 = _moments(dist)
                visits += share
                first += share * m1
                second += share * m2
    mean = first / visits if visits else 0.0
    cs2 = (second / visits) / mean**2 - 1 if mean > 0 else 1.0
    day = region.calendar.minutes_per_working_day
    return [PoolLoad(float(b) * visits, mean, max(cs2, 0.0), day) for b in plan.base]
