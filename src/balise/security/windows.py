"""Sliding time windows over each user's accesses, and the episodes they flag, in NumPy: the
burst and scraping rules count what a user read in the last minutes at every access of a log of
millions of rows.

Rows come sorted by user, then time. For row i, its window is the rows of the same user with a
time in (t_i - window, t_i]: they are contiguous, from `first[i]` to i.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import polars as pl

from balise.model.arrays import BoolArray, IntArray

_KEY_LIMIT: Final = 2**62
"""Keys (user block × stride + time) stay below this, far from int64 overflow."""


def window_starts(users: IntArray, times_us: IntArray, window_us: int) -> IntArray:
    """For each row (sorted by user code, then time), the index of the first row of the same
    user whose time is within `window_us` before it (ties included)."""
    if users.size == 0:
        return np.zeros(0, np.int64)
    offset = times_us - times_us.min()
    stride = int(offset.max()) + window_us + 1
    per_chunk = max(1, _KEY_LIMIT // stride)
    chunk = users // per_chunk
    starts = np.empty(users.size, np.int64)
    bounds = np.flatnonzero(np.diff(chunk)) + 1
    for lo, hi in zip([0, *bounds.tolist()], [*bounds.tolist(), users.size], strict=True):
        key = (users[lo:hi] % per_chunk) * stride + offset[lo:hi]
        starts[lo:hi] = lo + np.searchsorted(key, key - window_us, side="right")
    return starts


def window_sums(weights: IntArray, starts: IntArray) -> IntArray:
    """For each row i, the sum of `weights` over rows `starts[i]`..i."""
    total = np.concatenate([[0], np.cumsum(weights, dtype=np.int64)])
    return np.asarray(total[1:] - total[starts], np.int64)


def episodes(flagged: BoolArray, starts: IntArray, users: IntArray) -> IntArray:
    """An episode number per row (-1 outside any): the rows of the windows ending at flagged
    rows, consecutive ones of one user merged."""
    if flagged.size == 0:
        return np.zeros(0, np.int64)
    depth = np.zeros(flagged.size + 1, np.int64)
    ends = np.flatnonzero(flagged)
    np.add.at(depth, starts[ends], 1)
    np.add.at(depth, ends + 1, -1)
    covered = np.cumsum(depth[:-1]) > 0
    new_user = np.concatenate([[True], users[1:] != users[:-1]])
    before = np.concatenate([[False], covered[:-1]])
    opens = covered & (~before | new_user)
    number = np.cumsum(opens) - 1
    return np.asarray(np.where(covered, number, -1), np.int64)


def user_codes(frame: pl.DataFrame) -> IntArray:
    """A code per row of `frame` (sorted by user), shared by the rows of one user."""
    return np.asarray(frame["user"].rle_id().to_numpy(), np.int64)


def epoch_us(frame: pl.DataFrame) -> IntArray:
    """`frame`'s times in microseconds since the epoch."""
    return np.asarray(frame["time"].dt.epoch("us").to_numpy(), np.int64)
