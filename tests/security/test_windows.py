"""Sliding windows over each user's accesses against a plain double loop."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from balise.model.arrays import IntArray
from balise.security.windows import episodes, window_starts, window_sums

ROWS = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 50)), max_size=60)


def _sorted(rows: list[tuple[int, int]]) -> tuple[IntArray, IntArray]:
    ordered = sorted(rows)
    users = np.array([u for u, _ in ordered], np.int64)
    times = np.array([t for _, t in ordered], np.int64)
    return users, times


@given(ROWS, st.integers(1, 20))
def test_windows_hold_the_user_recent_rows(rows: list[tuple[int, int]], window: int) -> None:
    users, times = _sorted(rows)
    starts = window_starts(users, times, window)
    weights = np.arange(1, users.size + 1, dtype=np.int64)
    sums = window_sums(weights, starts)
    for i in range(users.size):
        inside = [j for j in range(users.size)
                  if j <= i and users[j] == users[i] and times[i] - window < times[j]]  # fmt: skip
        assert starts[i] == min(inside)
        assert sums[i] == sum(int(weights[j]) for j in inside)


@given(ROWS, st.integers(1, 20), st.data())
def test_episodes_cover_flagged_windows_of_one_user(
    rows: list[tuple[int, int]], window: int, data: st.DataObject
) -> None:
    users, times = _sorted(rows)
    starts = window_starts(users, times, window)
    flagged = np.array(data.draw(st.lists(st.booleans(), min_size=users.size,
                                          max_size=users.size)), dtype=bool)  # fmt: skip
    numbers = episodes(flagged, starts, users)
    for i in np.flatnonzero(flagged):
        covered = numbers[starts[i] : i + 1]
        assert (covered >= 0).all()
        assert len(set(covered.tolist())) == 1  # one window, one episode
    for number in set(numbers.tolist()) - {-1}:
        assert len(set(users[numbers == number].tolist())) == 1
