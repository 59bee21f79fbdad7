"""Random durations: service times (minutes) and delays (working days).

Each distribution is a small pydantic model with a ``kind`` tag, so a scenario names it
in YAML and the schema rejects unknown parameters::

    service_minutes: {kind: lognormal, mean: 10, cv: 0.6}

A distribution knows its mean and squared coefficient of variation (the analytic
companion needs both) and draws many values at once with a numpy ``Generator``:
the engine draws in vectors, never one value at a time on the hot path.

To add a distribution, subclass :class:`Distribution`, give it a unique ``kind``
literal and decorate it with :func:`register`; the scenario schema picks it up.
Distributions must be registered before :mod:`sim.scenario.schema` is imported.
"""
from __future__ import annotations

import math
from array import array
from typing import Annotated, Literal, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

REGISTRY: dict[str, type["Distribution"]] = {}


def register(cls: type["Distribution"]) -> type["Distribution"]:
    """Class decorator: make a distribution available to scenarios by its ``kind``."""
    kind = cls.model_fields["kind"].default
    if kind in REGISTRY:
        raise ValueError(f"distribution kind {kind!r} is already registered")
    REGISTRY[kind] = cls
    return cls


class Distribution(BaseModel):
    """Base class: non-negative random durations."""

    # defer_build: validators built on first use (a scenario's holds these; see sim.scenario.schema)
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True, allow_inf_nan=False)
    kind: str

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        raise NotImplementedError

    @property
    def mean(self) -> float:
        raise NotImplementedError

    @property
    def cv2(self) -> float:
        """Squared coefficient of variation, Var/mean²."""
        raise NotImplementedError

    def upper_quantile(self, p: float) -> float | None:
        """A value that draws exceed with probability at most ``p`` (the exact quantile where
        it is known in closed form, else a bound above it); None if the class cannot say.
        The scenario checks use it to refuse durations the calendar cannot hold."""
        return None

    @property
    def upper_bound(self) -> float:
        """The largest value it can draw (infinite unless bounded): a fraction must stay <= 1."""
        return math.inf


def _normal_upper(p: float) -> float:
    """The standard normal quantile of 1 - p."""
    from statistics import NormalDist

    return -NormalDist().inv_cdf(p)


PositiveFinite = Annotated[float, Field(gt=0, allow_inf_nan=False)]


@register
class Exponential(Distribution):
    kind: Literal["exponential"] = "exponential"
    mean_value: PositiveFinite = Field(alias="mean")
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True, populate_by_name=True, allow_inf_nan=False)

    def sample(self, rng, size):
        return rng.exponential(self.mean_value, size)

    @property
    def mean(self):
        return self.mean_value

    @property
    def cv2(self):
        return 1.0

    def upper_quantile(self, p):
        return self.mean_value * math.log(1 / p)


class _MeanCV(Distribution):
    """Parameterised by mean and coefficient of variation: what reports and staff quote."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True, populate_by_name=True, allow_inf_nan=False)
    mean_value: PositiveFinite = Field(alias="mean")
    cv: PositiveFinite

    @property
    def mean(self):
        return self.mean_value

    @property
    def cv2(self):
        return self.cv**2


@register
class Lognormal(_MeanCV):
    kind: Literal["lognormal"] = "lognormal"

    def sample(self, rng, size):
        sigma2 = math.log1p(self.cv**2)
        mu = math.log(self.mean_value) - sigma2 / 2
        return rng.lognormal(mu, math.sqrt(sigma2), size)

    def upper_quantile(self, p):
        sigma2 = math.log1p(self.cv**2) if self.cv < 1e150 else math.inf
        if not math.isfinite(sigma2):
            return math.inf
        return math.exp(min(math.log(self.mean_value) - sigma2 / 2 + _normal_upper(p) * math.sqrt(sigma2), 709.0))


@register
class Gamma(_MeanCV):
    kind: Literal["gamma"] = "gamma"

    def sample(self, rng, size):
        shape = 1.0 / self.cv**2
        return rng.gamma(shape, self.mean_value / shape, size)

    def upper_quantile(self, p):
        """The Chernoff bound: P(X > u·mean) <= exp(-k (u - 1 - ln u)) for shape k, u > 1;
        above the exact quantile, by less than a factor 2 for every shape."""
        if self.cv >= 1e150:
            return math.inf
        c = math.log(1 / p) * self.cv**2  # solve u - 1 - ln u = c for u > 1
        lo, hi = 1.0, c + 2 + math.log(c + 2)
        for _ in range(200):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if mid - 1 - math.log(mid) < c else (lo, mid)
        return self.mean_value * hi


@register
class Deterministic(Distribution):
    kind: Literal["deterministic"] = "deterministic"
    value: Annotated[float, Field(ge=0, allow_inf_nan=False)]

    def sample(self, rng, size):
        return np.full(size, self.value)

    @property
    def mean(self):
        return self.value

    @property
    def cv2(self):
        return 0.0

    def upper_quantile(self, p):
        return self.value

    @property
    def upper_bound(self):
        return self.value


@register
class Empirical(Distribution):
    """Resample observed durations with replacement (e.g. timings from a counter log)."""

    kind: Literal["empirical"] = "empirical"
    values: list[Annotated[float, Field(ge=0, allow_inf_nan=False)]] = Field(min_length=1)

    @model_validator(mode="after")
    def _not_all_zero(self):
        if not any(self.values):
            raise ValueError("empirical values must not all be zero")
        return self

    def sample(self, rng, size):
        return rng.choice(np.asarray(self.values, dtype=float), size)

    @property
    def mean(self):
        return float(np.mean(self.values))

    @property
    def cv2(self):
        m = self.mean
        return float(np.var(self.values)) / (m * m)

    def upper_quantile(self, p):
        return max(self.values)

    @property
    def upper_bound(self):
        return max(self.values)


@register
class Uniform(Distribution):
    kind: Literal["uniform"] = "uniform"
    low: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    high: PositiveFinite

    @model_validator(mode="after")
    def _ordered(self):
        if self.high <= self.low:
            raise ValueError(f"high must exceed low (low={self.low}, high={self.high})")
        return self

    def sample(self, rng, size):
        return rng.uniform(self.low, self.high, size)

    @property
    def mean(self):
        return (self.low + self.high) / 2

    @property
    def cv2(self):
        return ((self.high - self.low) ** 2 / 12) / self.mean**2

    def upper_quantile(self, p):
        return self.high

    @property
    def upper_bound(self):
        return self.high


@register
class Beta(_MeanCV):
    """Values between 0 and 1 with a given mean and coefficient of variation: a share or a
    fraction (e.g. the part of a deadline spent waiting on other agencies)."""

    kind: Literal["beta"] = "beta"

    @model_validator(mode="after")
    def _feasible(self):
        m = self.mean_value
        if not m < 1:
            raise ValueError(f"a beta mean must be below 1 (got {m})")
        largest = math.sqrt((1 - m) / m)
        if not self.cv < largest:
            raise ValueError(f"a beta with mean {m:g} needs cv below {largest:.4g} (got {self.cv})")
        return self

    def _shapes(self) -> tuple[float, float]:
        m = self.mean_value
        k = (1 - m) / (m * self.cv**2) - 1  # a + b
        return m * k, (1 - m) * k

    def sample(self, rng, size):
        """By the inverse distribution function of one uniform per value: the same uniforms give
        values that move smoothly with the mean and cv (common random numbers, so a calibration
        can fit them; numpy's own beta draws by rejection, whose draws jump when a shape moves)."""
        from scipy.special import betaincinv

        a, b = self._shapes()
        return betaincinv(a, b, rng.random(size))

    def upper_quantile(self, p):
        return 1.0

    @property
    def upper_bound(self):
        return 1.0


def distribution_type():
    """The pydantic type of 'any registered distribution', discriminated by ``kind``."""
    kinds = tuple(REGISTRY.values())
    return Annotated[Union[kinds], Field(discriminator="kind")]  # type: ignore[valid-type]


class Buffered:
    """Hands out draws one at a time from vectors of ``block`` values.

    Used where a single value is needed off the vectorised path (a dossier coming back
    after supplementation): numpy per-call overhead would dominate one-at-a-time draws.
    The values wait in an ``array('d')`` (8 bytes each, not a 32-byte float object): a
    national region holds tens of thousands of these buffers.
    """

    __slots__ = ("dist", "rng", "block", "_values", "_next")

    def __init__(self, dist: Distribution, rng: np.random.Generator, block: int = 256):
        self.dist, self.rng, self.block = dist, rng, block
        self._values = array("d")
        self._next = 0

    def __call__(self) -> float:
        if self._next >= len(self._values):
            self._values = array("d", np.asarray(self.dist.sample(self.rng, self.block), dtype=float).tobytes())
            self._next = 0
        value = self._values[self._next]
        self._next += 1
        return value
