"""Streaming statistics: memory that does not grow with the number of dossiers.

A run can see millions of dossiers, so nothing here keeps the observations for long.

* :class:`GroupHistograms` keeps, for each of a fixed number of groups (the region, each
  commune, each channel...), count, sum and sum of squares, and a log-bucketed histogram
  for quantiles. Buckets split every power of two into ``sub`` equal parts, so a quantile
  is off by at most half a bucket: a relative error of ``1/(2*sub)`` (0.8% with 64
  sub-buckets, 3% with 16) — below the run-to-run noise of any scenario. Values at or
  below ``ZERO`` (a dossier served at once) have their own count, so the share of zero
  waits is exact. Observations arrive in batches (numpy arrays): the engine appends to
  plain lists on its hot path and hands them over every few tens of thousands.
* :func:`mean_and_half_width` turns one figure from each replication into a mean and a
  95% Student-t confidence half-width.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

ZERO = 1e-9
_E_MIN = -10  # values below 2**-11 minutes (~0.03 s) count in the first bucket
_E_MAX = 26  # and above 2**26 minutes (~128 years) in the last


class GroupHistograms:
    """Count, mean, standard deviation and quantiles of non-negative values, per group."""

    def __init__(self, groups: int, sub: int = 64):
        self.groups, self.sub = groups, sub
        self.bins = (_E_MAX - _E_MIN + 1) * sub
        self.counts = np.zeros((groups, self.bins), dtype=np.int64)
        self.n = np.zeros(groups, dtype=np.int64)
        self.zeros = np.zeros(groups, dtype=np.int64)
        self.total = np.zeros(groups)
        self.total_sq = np.zeros(groups)
        self.maximum = np.zeros(groups)

    def add(self, group: np.ndarray, values) -> None:
        """Add ``values`` (an array, or a :class:`Batch` several sets of histograms share),
        each to its group."""
        batch = values if isinstance(values, Batch) else Batch(values)
        group = np.asarray(group, dtype=np.int64)
        values = batch.values
        if not len(values):
            return
        g = self.groups
        # Sums by bincount: it adds one value after another, so the totals do not depend on
        # how the values were batched (a pairwise sum would, in the last digits)
        self.total += np.bincount(group, values, minlength=g)
        self.total_sq += np.bincount(group, batch.squares, minlength=g)
        bucket = np.clip(batch.octave * self.sub + (batch.fraction * self.sub).astype(np.int64), 0, self.bins - 1)
        if g == 1:  # one group (the region): counts without scattering, the same numbers
            self.n += len(values)
            np.maximum(self.maximum, values.max(), out=self.maximum)
            self.zeros += len(values) - len(bucket)
            self.counts[0] += np.bincount(bucket, minlength=self.bins)
            return
        self.n += np.bincount(group, minlength=g)
        np.maximum.at(self.maximum, group, values)
        self.zeros += np.bincount(group[batch.zero], minlength=g)
        flat = group[batch.nonzero] * self.bins + bucket
        self.counts += np.bincount(flat, minlength=g * self.bins).reshape(g, self.bins)

    def add_histograms(self, other: "GroupHistograms") -> None:
        """Fold in another set of the same shape (the same groups seen elsewhere)."""
        if (other.groups, other.sub) != (self.groups, self.sub):
            raise ValueError("histograms of different shapes cannot be added")
        self.counts += other.counts
        self.n += other.n
        self.zeros += other.zeros
        self.total += other.total
        self.total_sq += other.total_sq
        np.maximum(self.maximum, other.maximum, out=self.maximum)

    def extend(self, other: "GroupHistograms") -> None:
        """Append another set's groups after these (the next shard's communes)."""
        if other.sub != self.sub:
            raise ValueError("histograms of different resolutions cannot be joined")
        self.groups += other.groups
        self.counts = np.concatenate((self.counts, other.counts))
        for name in ("n", "zeros", "total", "total_sq", "maximum"):
            setattr(self, name, np.concatenate((getattr(self, name), getattr(other, name))))

    def mean(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.n > 0, self.total / self.n, np.nan)

    def share_zero(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.n > 0, self.zeros / self.n, np.nan)

    def quantile(self, q: float) -> np.ndarray:
        """The q-quantile of every group (bucket midpoint, capped at the group's maximum)."""
        rank = q * self.n
        cumulative = self.zeros[:, None] + np.cumsum(self.counts, axis=1)
        bucket = np.argmax(cumulative >= rank[:, None], axis=1)
        lower = self._lower(np.arange(self.bins + 1))
        mid = (lower[bucket] + lower[bucket + 1]) / 2
        out = np.minimum(mid, self.maximum)
        out = np.where(rank <= self.zeros, 0.0, out)
        return np.where(self.n > 0, out, np.nan)

    def nonzero_buckets(self, group: int = 0) -> dict:
        """A compact copy of one group's histogram: the zero count and the non-empty buckets
        as (lower, upper, count) — enough to draw an empirical distribution function."""
        index = np.flatnonzero(self.counts[group])
        lower = self._lower(index)
        upper = self._lower(index + 1)
        return {"zeros": int(self.zeros[group]),
                "buckets": [[float(a), float(b), int(c)] for a, b, c in zip(lower, upper, self.counts[group][index])]}

    def _lower(self, i: np.ndarray) -> np.ndarray:
        e, k = np.divmod(i, self.sub)
        return np.ldexp(0.5 + k / (2 * self.sub), e + _E_MIN)


class Batch:
    """A batch of observations taken apart once (squares, zeros, octave and place in the
    octave of the others), for every set of histograms that adds the same values by its
    own groups (the region, communes, channels, fields)."""

    __slots__ = ("values", "squares", "zero", "nonzero", "octave", "fraction")

    def __init__(self, values: np.ndarray):
        self.values = values = np.asarray(values, dtype=float)
        self.squares = values * values
        self.zero = values <= ZERO
        self.nonzero = ~self.zero
        mantissa, exponent = np.frexp(values[self.nonzero])
        self.octave = exponent - _E_MIN  # the bucket is octave x sub + fraction x sub
        self.fraction = (mantissa - 0.5) * 2


# Student's t 0.975 quantiles for 1 to 60 degrees of freedom, as scipy.stats.t.ppf gives them
# (tests/test_stats.py checks every one): a run of a few replications then needs no scipy,
# whose import costs more than a small run.
_T_975 = (
    12.706204736174694, 4.302652729749462, 3.1824463052837078, 2.7764451051977934,
    2.5705818356363146, 2.4469118511449786, 2.364624251592784, 2.306004135204166,
    2.262157162798205, 2.228138851986274, 2.200985160091639, 2.1788128296672284,
    2.1603686564627913, 2.144786687917804, 2.131449545559776, 2.1199052992212546,
    2.1098155778333156, 2.1009220402410382, 2.0930240544083087, 2.085963447265864,
    2.0796138447276795, 2.0738730679040254, 2.0686576104190486, 2.0638985616280245,
    2.0595385527532972, 2.0555294386428735, 2.0518305164802846, 2.0484071417952454,
    2.045229642132703, 2.0422724563012378, 2.039513446396408, 2.0369333434601016,
    2.0345152974493383, 2.0322445093177186, 2.030107928250343, 2.0280940009804502,
    2.0261924630291093, 2.0243941639119694, 2.022690920036761, 2.021075390306273,
    2.019540970441376, 2.0180817028184443, 2.016692199227824, 2.0153675744437636,
    2.014103388880846, 2.012895598919429, 2.0117405137297655, 2.010634757624232,
    2.0095752371292392, 2.008559112100761, 2.007583770315836, 2.006646805061688,
    2.0057459953178687, 2.0048792881880564, 2.0040447832891455, 2.003240718847872,
    2.002465459291007, 2.0017174841452356, 2.000995378088267, 2.0002978220142604,
)


def t_quantile_975(dof: int) -> float:
    if 1 <= dof <= len(_T_975):
        return _T_975[dof - 1]
    from scipy.stats import t  # scipy only for intervals beyond the table

    return float(t.ppf(0.975, dof))


def mean_and_half_width(values: Sequence[float]) -> tuple[float, float]:
    """Mean over replications and the 95% Student-t half-width (NaN for one replication)."""
    finite = [v for v in values if v is not None and not math.isnan(v)]
    n = len(finite)
    if n == 0:
        return math.nan, math.nan
    mean = sum(finite) / n
    if n < 2:
        return mean, math.nan
    var = sum((v - mean) ** 2 for v in finite) / (n - 1)
    return mean, t_quantile_975(n - 1) * math.sqrt(var / n)
