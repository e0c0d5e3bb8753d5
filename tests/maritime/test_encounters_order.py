"""The one-key sort of pairs by track numbers and grid time gives the order of the three-key
sort, whether the times are grid times or not."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from balise.maritime.encounters import _pair_time_order, _stable_order

STEP_US = 600_000_000


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), size=st.integers(0, 300), on_grid=st.booleans())
def test_pair_time_order_is_the_three_key_sort(seed: int, size: int, on_grid: bool) -> None:
    rng = np.random.default_rng(seed)
    one = rng.integers(0, 20, size)
    other = rng.integers(0, 20, size)
    t = rng.integers(0, 50, size) * STEP_US + (0 if on_grid else rng.integers(0, 9, size))
    expected = np.lexsort((t, other, one))
    got = _pair_time_order(one, other, t, STEP_US)
    for key in (one, other, t):
        assert np.array_equal(key[got], key[expected])


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), size=st.integers(0, 300), distinct=st.booleans())
def test_stable_order_is_that_of_a_stable_sort(seed: int, size: int, distinct: bool) -> None:
    rng = np.random.default_rng(seed)
    key = rng.permutation(size * 3)[:size] if distinct else rng.integers(0, 10, size)
    key = key.astype(np.int64)
    assert np.array_equal(_stable_order(key), np.argsort(key, kind="stable"))
