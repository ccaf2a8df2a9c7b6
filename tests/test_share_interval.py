"""The 90% intervals read outward from the share histograms (simulate.engine.driver.Tally.share_interval)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulate.engine.driver import Tally

BINS = 16


def tally(inner: list[int], low: float = 0.2, width: float = 0.4, under: tuple[int, float] = (0, np.inf),
          over: tuple[int, float] = (0, -np.inf)) -> Tally:
    """One candidate's histogram of ``inner`` counts over ``[low, low + width)``, with
    ``under``/``over`` draws (and their extreme share) outside it."""
    hist = np.array([[under[0], *inner, over[0]]], dtype=np.int64)
    draws = int(hist.sum())
    zeros = np.zeros(1, np.int64)
    centres = low + (np.arange(BINS) + 0.5) * width / BINS
    total = float(np.dot(inner, centres)) + sum(n * share for n, share in (under, over) if n)
    mean = total / draws
    return Tally(draws=draws, wins=zeros, outright=zeros, advance=zeros, first=zeros, pairs=np.zeros((1, 1), np.int64),
                 runoffs=0, recounts=0, share_sum=np.array([mean * draws]), share_min=np.array([under[1]]),
                 share_max=np.array([over[1]]), hist=hist, hist_low=np.array([low]), hist_scale=np.array([BINS / width]))


@settings(max_examples=300, deadline=None)
# two bins with draws at least (all in one bin, the draws are taken as one share: below)
@given(st.lists(st.integers(0, 50), min_size=BINS, max_size=BINS).filter(lambda c: sum(n > 0 for n in c) >= 2),
       st.sampled_from([0.5, 0.8, 0.9, 0.95]))
def test_the_interval_holds_at_least_its_level_of_the_draws_whatever_their_place_in_a_bin(inner, level):
    t = tally(inner)
    low, high = t.share_interval(0, level)
    edges = 0.2 + np.arange(BINS + 1) * 0.4 / BINS
    # only bins lying wholly inside the interval surely hold their draws
    inside = sum(n for b, n in enumerate(inner) if edges[b] >= low - 1e-12 and edges[b + 1] <= high + 1e-12)
    assert inside >= level * t.draws - 1e-9
    assert low <= high
    # and it is no wider than the bins holding the two quantiles
    nonzero = [b for b, n in enumerate(inner) if n]
    assert edges[nonzero[0]] - 1e-12 <= low and high <= edges[nonzero[-1] + 1] + 1e-12


def test_a_share_drawn_exactly_by_most_draws_lies_inside():
    # 900 draws in bin 3 (one share repeated, anywhere in the bin), 100 spread above: the 5%
    # quantile falls in bin 3, whose lower edge the interval starts at
    inner = [0] * BINS
    inner[3], inner[9] = 900, 100
    low, high = tally(inner).share_interval(0, 0.90)
    assert (low, high) == pytest.approx((0.2 + 3 * 0.4 / BINS, 0.2 + 10 * 0.4 / BINS))


def test_draws_outside_the_histogram_give_their_exact_extremes():
    inner = [0] * BINS
    inner[5] = 80
    t = tally(inner, under=(10, 0.05), over=(10, 0.9))
    assert t.share_interval(0, 0.90) == (0.05, 0.9)
    assert t.share_interval(0, 0.5) == pytest.approx((0.2 + 5 * 0.4 / BINS, 0.2 + 6 * 0.4 / BINS))


def test_every_draw_in_one_bin_reads_their_mean():
    inner = [0] * BINS
    inner[7] = 500
    t = tally(inner)
    mean = float(t.share_sum[0] / t.draws)
    assert t.share_interval(0, 0.90) == (mean, mean)
