"""Paths over the water cells of a land-mask window: breadth-first search and string pulling.

What: `open_water` keeps the water cells a given number of cells clear of land, `grid_path` finds
a fewest-cells 8-connected path over them between two sets of cells, and `string_pull` drops every
point of a path that a clear straight chord can jump over.

Why: where a sea route crosses land at the mask's resolution it is replaced by a detour over water
(`balise.sim.route_repair`); the search is vectorised by whole fronts so detours take milliseconds,
and ties are broken by fixed rules so the same window always gives the same path. A diagonal step
squeezed between two land cells is never taken: it would pass through a point of land.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import numpy as np
import numpy.typing as npt

from balise.model.arrays import FloatArray

__all__ = ["grid_path", "open_water", "string_pull"]

BoolArray = npt.NDArray[np.bool_]


def _dilate(cells: BoolArray) -> BoolArray:
    """`cells` grown by one cell in the eight directions."""
    padded = np.pad(cells, 1)
    grown = cells.copy()
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            if dr or dc:
                grown |= padded[
                    1 + dr : padded.shape[0] - 1 + dr, 1 + dc : padded.shape[1] - 1 + dc
                ]
    return grown


_ORTHOGONAL: Final = ((1, 0), (-1, 0), (0, 1), (0, -1))
_DIAGONAL: Final = ((1, 1), (1, -1), (-1, 1), (-1, -1))


def _shifted(padded: BoolArray, dr: int, dc: int) -> BoolArray:
    """From a grid padded by one cell, entry (r, c) is its (r + dr, c + dc) (False outside)."""
    rows, cols = padded.shape[0] - 2, padded.shape[1] - 2
    return padded[1 + dr : 1 + dr + rows, 1 + dc : 1 + dc + cols]


def _diagonal_gates(water: BoolArray) -> list[BoolArray]:
    """For each of `_DIAGONAL`, where a diagonal step into a cell has water on both its sides.

    A diagonal step squeezed between two land cells would pass through a point of land.
    """
    padded = np.pad(water, 1)
    return [_shifted(padded, dr, 0) & _shifted(padded, 0, dc) for dr, dc in _DIAGONAL]


def _grow(front: BoolArray, water: BoolArray, gates: list[BoolArray]) -> BoolArray:
    """Water cells one step from `front`, diagonal steps only through `gates`."""
    padded = np.pad(front, 1)
    grown = front.copy()
    for dr, dc in _ORTHOGONAL:
        grown |= _shifted(padded, dr, dc)
    for (dr, dc), gate in zip(_DIAGONAL, gates, strict=True):
        grown |= _shifted(padded, dr, dc) & gate
    return grown & water


def open_water(water: BoolArray, clearance: int, ends: BoolArray) -> BoolArray:
    """Water cells at least `clearance` cells from land, plus any water near the `ends` cells.

    Near its ends (within `clearance` + 1 cells) a path may still hug the coast it starts from.
    """
    land = ~water
    near_land = land.copy()
    near_ends = ends.copy()
    for _ in range(clearance):
        near_land = _dilate(near_land)
    for _ in range(clearance + 1):
        near_ends = _dilate(near_ends)
    return water & (~near_land | near_ends)


def grid_path(
    water: BoolArray, sources: BoolArray, targets: BoolArray
) -> list[tuple[int, int]] | None:
    """Fewest-cells 8-connected path over water from a source cell to a target cell, or None.

    Breadth-first by whole fronts (vectorised); walking back, ties go to the step towards the
    sources' centre of mass, which keeps the path straight and the result deterministic.
    """
    sources = sources & water
    targets = targets & water
    if not sources.any() or not targets.any():
        return None
    steps = np.full(water.shape, -1, dtype=np.int32)
    steps[sources] = 0
    front, step = sources, 0
    gates = _diagonal_gates(water)
    while not (front & targets).any():
        step += 1
        front = _grow(front, water, gates) & (steps < 0)
        if not front.any():
            return None
        steps[front] = step
    centre = tuple(float(v.mean()) for v in np.nonzero(sources))
    r, c = (int(v) for v in np.argwhere(front & targets)[0])
    path = [(r, c)]
    while step > 0:
        step -= 1
        r, c = _step_back(steps, water, (r, c), step, centre)
        path.append((r, c))
    path.reverse()
    return path


def _step_back(
    steps: npt.NDArray[np.int32],
    water: BoolArray,
    cell: tuple[int, int],
    step: int,
    centre: tuple[float, ...],
) -> tuple[int, int]:
    """The neighbour of `cell` reached at `step` it can be entered from, nearest `centre` on a tie.

    As in `_grow`, a diagonal neighbour counts only if the two cells beside the step are water.
    """
    r, c = cell
    rows, cols = steps.shape
    options = [
        ((r + dr - centre[0]) ** 2 + (c + dc - centre[1]) ** 2, r + dr, c + dc)
        for dr in (-1, 0, 1)
        for dc in (-1, 0, 1)
        if (dr or dc)
        and 0 <= r + dr < rows
        and 0 <= c + dc < cols
        and steps[r + dr, c + dc] == step
        and (not (dr and dc) or (water[r + dr, c] and water[r, c + dc]))
    ]
    _, best_r, best_c = min(options)
    return best_r, best_c


def string_pull(
    clear: Callable[[float, float, float, float], bool], lat: FloatArray, lon: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """The path's points with every point skipped that a `clear` straight chord can jump over.

    Greedy: from each kept point, the farthest point reachable by a clear chord is kept next
    (found by halving from the path's end, then extending while chords stay clear). Neighbouring
    points are always joined.
    """
    keep = [0]
    i, last = 0, len(lat) - 1
    while i < last:
        j = last
        while j > i + 1 and not clear(lat[i], lon[i], lat[j], lon[j]):
            j = i + 1 + (j - i - 1) // 2
        while j < last and clear(lat[i], lon[i], lat[j + 1], lon[j + 1]):
            j += 1
        keep.append(j)
        i = j
    index = np.array(keep)
    return lat[index], lon[index]
