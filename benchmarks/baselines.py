"""Reference models of the benchmark network, written the way most people would write them.

The benchmark network is ``stations`` independent M/M/c queues (c servers, FCFS, Poisson
arrivals, exponential service). :func:`network_of` reads its parameters from a commune-sim
scenario (so the baselines simulate exactly the network the engine is given), and two
reference implementations simulate it:

* :func:`simpy_resource`: idiomatic SimPy, the textbook pattern: one arrival process per
  station, a process per customer, ``simpy.Resource`` request / timeout / release.
  Draws come from one ``random.Random(seed)`` with ``expovariate``, as idiomatic code does.
* :func:`simpy_free_count`: SimPy without ``Resource``, the design commune-sim's pools are
  built on, written plainly: a free-server count and a deque per station, one arrival
  process per station, and one ``env.timeout`` per service end with a callback (no process
  per customer). No calendar, no statistics beyond the checks: a near limit for any engine
  that keeps SimPy's event loop.
* :func:`ciw_network`: the same network in Ciw (a queueing-network library), if installed.

Both count customers (arrivals before the horizon) and stage visits (services started
before the horizon, what commune-sim's ``dossiers_served`` counts), and the mean wait, so
one can check they simulate the same queue as the engine.
"""
from __future__ import annotations

import random
import time
from collections import deque
from dataclasses import dataclass

import simpy


@dataclass(frozen=True)
class Network:
    stations: int
    servers: int
    arrival_rate: float  # customers per minute, per station
    mean_service: float  # minutes
    horizon: float  # minutes

    def scaled(self, horizon_factor: float) -> "Network":
        return Network(self.stations, self.servers, self.arrival_rate, self.mean_service,
                       self.horizon * horizon_factor)

    @property
    def utilisation(self) -> float:
        return self.arrival_rate * self.mean_service / self.servers


def network_of(scenario) -> Network:
    """The M/M/c network a one-stage, 24/7, exponential-service scenario reduces to."""
    assert scenario.calendar.always_open, "the benchmark scenario must be open 24/7"
    assert len(scenario.demand.channels) == 1 and len(scenario.demand.fields) == 1, "one channel, one field"
    (channel,) = scenario.demand.channels.values()
    (field,) = scenario.demand.fields.values()
    assert field.back_office is None and not field.sign_off and field.intake_service_minutes is None, "one stage"
    service = channel.intake.service_minutes
    assert service.kind == "exponential", "exponential service"
    count = scenario.communes.count
    assert scenario.communes.population is None and scenario.communes.table is None, "equal communes"
    return Network(
        stations=count,
        servers=scenario.staff.per_commune[channel.intake.pool],
        arrival_rate=scenario.demand.dossiers_per_working_day / 1440.0 / count,
        mean_service=service.mean,
        horizon=scenario.horizon.days * 1440.0,
    )


def simpy_resource(net: Network, seed: int) -> dict:
    """Idiomatic SimPy: a process per customer holding a ``simpy.Resource``."""
    started, cpu = time.perf_counter(), time.process_time()
    env = simpy.Environment()
    rng = random.Random(seed)
    counts = {"customers": 0, "served": 0, "wait": 0.0}
    service_rate = 1.0 / net.mean_service

    def customer(server):
        arrived = env.now
        with server.request() as request:
            yield request
            counts["served"] += 1
            counts["wait"] += env.now - arrived
            yield env.timeout(rng.expovariate(service_rate))

    def source(server):
        while True:
            yield env.timeout(rng.expovariate(net.arrival_rate))
            counts["customers"] += 1
            env.process(customer(server))

    for _ in range(net.stations):
        env.process(source(simpy.Resource(env, capacity=net.servers)))
    env.run(until=net.horizon)
    wall = time.perf_counter() - started
    return {"wall_s": wall, "cpu_s": time.process_time() - cpu, "customers": counts["customers"], "stage_visits": counts["served"],
            "mean_wait_minutes": counts["wait"] / max(counts["served"], 1)}


def simpy_free_count(net: Network, seed: int) -> dict:
    """SimPy without ``Resource``: a free count and a deque per station, a timeout per service end."""
    started, cpu = time.perf_counter(), time.process_time()
    env = simpy.Environment()
    rng = random.Random(seed)
    counts = {"customers": 0, "served": 0, "wait": 0.0}
    service_rate = 1.0 / net.mean_service

    class Station:
        def __init__(self):
            self.free = net.servers
            self.queue = deque()  # arrival times of the waiting customers

    def start(station, arrived):
        counts["served"] += 1
        counts["wait"] += env.now - arrived
        env.timeout(rng.expovariate(service_rate)).callbacks.append(lambda event: finish(station))

    def finish(station):
        if station.queue:
            start(station, station.queue.popleft())
        else:
            station.free += 1

    def source(station):
        while True:
            yield env.timeout(rng.expovariate(net.arrival_rate))
            counts["customers"] += 1
            if station.free > 0:
                station.free -= 1
                start(station, env.now)
            else:
                station.queue.append(env.now)

    for _ in range(net.stations):
        env.process(source(Station()))
    env.run(until=net.horizon)
    wall = time.perf_counter() - started
    return {"wall_s": wall, "cpu_s": time.process_time() - cpu, "customers": counts["customers"], "stage_visits": counts["served"],
            "mean_wait_minutes": counts["wait"] / max(counts["served"], 1)}


def ciw_network(net: Network, seed: int) -> dict:
    """The same network in Ciw: ``stations`` nodes, no routing between them."""
    import ciw

    started, cpu = time.perf_counter(), time.process_time()
    n = net.stations
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(net.arrival_rate) for _ in range(n)],
        service_distributions=[ciw.dists.Exponential(1.0 / net.mean_service) for _ in range(n)],
        number_of_servers=[net.servers] * n,
        routing=[[0.0] * n for _ in range(n)],
    )
    ciw.seed(seed)
    q = ciw.Simulation(network)
    q.simulate_until_max_time(net.horizon)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    records = [r for r in q.get_all_records() if r.record_type == "service"]
    in_service = sum(1 for node in q.transitive_nodes for server in node.servers if server.busy)
    return {"wall_s": wall, "cpu_s": cpu, "customers": q.nodes[0].number_of_individuals,
            "stage_visits": len(records) + in_service,
            "mean_wait_minutes": sum(r.waiting_time for r in records) / max(len(records), 1)}


if __name__ == "__main__":  # a quick look: python benchmarks/baselines.py
    demo = Network(stations=126, servers=4, arrival_rate=50000 / 1440 / 126, mean_service=10.886, horizon=5760)
    for model in (simpy_resource, simpy_free_count):
        out = model(demo, seed=1)
        print(model.__name__, out, f"{out['customers'] / out['wall_s']:,.0f} customers/s")
