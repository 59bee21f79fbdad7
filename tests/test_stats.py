"""Streaming statistics against exact computations on the same data."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from sim.engine.stats import GroupHistograms, mean_and_half_width


def _exact_quantile(values, q):
    """The smallest value v with at least q*n observations <= v (the histogram's definition)."""
    ordered = np.sort(values)
    rank = max(int(math.ceil(q * len(ordered))), 1)
    return ordered[rank - 1]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.just(0.0), st.floats(0.01, 1e5)), min_size=1, max_size=300),
       st.sampled_from([0.5, 0.9, 0.95]), st.sampled_from([16, 64]))
def test_quantiles_within_half_a_bucket(values, q, sub):
    h = GroupHistograms(1, sub)
    h.add(np.zeros(len(values), dtype=int), np.array(values))
    exact = _exact_quantile(values, q)
    got = h.quantile(q)[0]
    if exact == 0:
        assert got == 0
    else:
        # a bucket spans at most exact/sub, and the midpoint is at most half of that away
        assert abs(got - exact) <= exact / (2 * sub) * (1 + 1e-9)


def test_groups_are_kept_apart_and_batches_add_up():
    rng = np.random.default_rng(3)
    values = rng.exponential(10, 5000)
    groups = rng.integers(0, 3, 5000)
    whole, batched = GroupHistograms(3), GroupHistograms(3)
    whole.add(groups, values)
    for chunk in np.array_split(np.arange(5000), 7):
        batched.add(groups[chunk], values[chunk])
    assert np.array_equal(whole.counts, batched.counts)
    for g in range(3):
        mine = values[groups == g]
        assert whole.n[g] == len(mine)
        assert whole.mean()[g] == pytest.approx(mine.mean(), rel=1e-12)
        assert whole.quantile(0.9)[g] == pytest.approx(np.quantile(mine, 0.9), rel=0.02)


def test_zero_share_is_exact_and_empty_groups_are_nan():
    h = GroupHistograms(2)
    h.add(np.array([0, 0, 0, 0]), np.array([0.0, 0.0, 0.0, 4.0]))
    assert h.share_zero()[0] == 0.75
    assert h.quantile(0.75)[0] == 0.0 and h.quantile(0.76)[0] > 0
    assert math.isnan(h.mean()[1]) and math.isnan(h.quantile(0.5)[1])


def test_half_width_is_student_t():
    values = [3.0, 5.0, 4.0, 6.0, 2.0]
    mean, hw = mean_and_half_width(values)
    low, high = sps.t.interval(0.95, len(values) - 1, loc=np.mean(values), scale=sps.sem(values))
    assert mean == pytest.approx(4.0) and hw == pytest.approx((high - low) / 2)
    assert math.isnan(mean_and_half_width([1.0])[1])
    assert mean_and_half_width([1.0, float("nan"), 3.0])[0] == 2.0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.one_of(st.just(0.0), st.floats(0.01, 1e4))), min_size=1, max_size=200),
       st.integers(0, 200))
def test_histograms_seen_apart_add_up_to_the_whole(observations, cut):
    """add_histograms (shards of a replication) equals adding every observation to one."""
    groups = np.array([g for g, _ in observations])
    values = np.array([v for _, v in observations])
    whole, first, second = GroupHistograms(3, 16), GroupHistograms(3, 16), GroupHistograms(3, 16)
    whole.add(groups, values)
    first.add(groups[:cut], values[:cut])
    second.add(groups[cut:], values[cut:])
    first.add_histograms(second)
    for name in ("counts", "n", "zeros", "maximum"):
        assert np.array_equal(getattr(whole, name), getattr(first, name)), name
    assert np.allclose(whole.total, first.total, rtol=1e-12) and np.allclose(whole.total_sq, first.total_sq, rtol=1e-12)
    with pytest.raises(ValueError):
        first.add_histograms(GroupHistograms(3, 32))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.just(0.0), st.floats(0.0, 1e-9), st.floats(1e-9, 1e9)), min_size=1, max_size=200),
       st.sampled_from([16, 32, 64]))
def test_one_group_counts_the_same_as_a_group_among_several(values, sub):
    """One group (the region) is counted without scattering (GroupHistograms.add): every
    figure equals, bit for bit, that of the same values added as group 0 of two groups."""
    values = np.array(values)
    alone, among = GroupHistograms(1, sub), GroupHistograms(2, sub)
    alone.add(np.zeros(len(values), dtype=np.int64), values)
    among.add(np.zeros(len(values), dtype=np.int64), values)
    for name in ("counts", "n", "zeros", "maximum", "total", "total_sq"):
        assert np.array_equal(getattr(alone, name)[0], getattr(among, name)[0]), name
