"""Filters on found encounters that need more geography than the encounter rules themselves.

Every published encounter rule (GFW, Skylight, Starboard: `encounters.PRESETS`) is run as it is
published; two Balise filters then drop the encounters that are ships berthed or anchored side
by side in port, which the presets' anchorage filter misses:

- `off_the_quay`: an encounter within `min_shore_nm` of the coastline is two boats in a harbour
  basin or a marina the anchorage lists miss;
- `not_anchored_together`: two ships that both report "at anchor" or "moored" (ITU-R M.1371
  navigational status 1 and 5) through most of an encounter near a port are neighbours in its
  waiting anchorage.

Their thresholds are `EncounterFilterParams` (settings `detect.encounter_filter.*`); they are not
written into the encounters' `params`, which record the preset's rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import polars as pl

from balise.maritime.kernel import AnchorageDistance, ShoreDistance, positions_of

ANCHORED: Final = (1, 5)
"""Navigational status "at anchor" and "moored" (ITU-R M.1371-5, Annex 2, Table 45)."""


@dataclass(frozen=True)
class EncounterFilterParams:
    """Thresholds of Balise's filters on encounters, applied after the preset's rule."""

    min_shore_nm: float = 0.5
    """Encounters closer to the coastline than this are dropped: two boats in a harbour basin or
    a marina the anchorage lists miss (the 1-km land mask counts basins as land). Balise's
    addition to GFW's 10-km anchorage filter (GlobalFishingWatch/pipe-encounters)."""
    anchorage_area_km: float = 50.0
    """Ships both at anchor this close to a port (nearest anchorage point) are in its waiting
    anchorage: some lie 20-30 km off the berth, farther than GFW's 10 km anchorage filter
    reaches. Balise's choice; farther out the status is not trusted, as a transfer can be
    declared as an anchoring."""
    anchored_share: float = 0.5
    """An encounter near a port is dropped when each vessel reports "at anchor" or "moored" on
    more than this share of its positions during it: most of the time (Balise's choice)."""


def off_the_quay(
    events: pl.DataFrame, shore: ShoreDistance | None, params: EncounterFilterParams
) -> pl.DataFrame:
    """`events` without those at a position within `min_shore_nm` of the coast (all of them
    when the distance to shore is unknown)."""
    if events.is_empty() or shore is None:
        return events
    shore_nm = shore(events["lat"].to_numpy(), events["lon"].to_numpy())
    return events.filter(pl.Series(shore_nm >= params.min_shore_nm))


def not_anchored_together(
    events: pl.DataFrame,
    positions: pl.DataFrame,
    anchorage: AnchorageDistance | None,
    params: EncounterFilterParams,
) -> pl.DataFrame:
    """`events` (encounters) without those of two ships that both report "at anchor" or "moored"
    on more than `anchored_share` of their `positions` during it, within `anchorage_area_km` of
    a port: neighbours in a waiting anchorage. All of them when the anchorages are unknown."""
    candidates = near_port(events, anchorage, params)
    if candidates.is_empty():
        return events
    return without_anchored_together(events, anchored_shares(candidates, positions), params)


def near_port(
    events: pl.DataFrame, anchorage: AnchorageDistance | None, params: EncounterFilterParams
) -> pl.DataFrame:
    """The encounters of `events` within `anchorage_area_km` of a port: those
    `not_anchored_together` looks at (none when the anchorages are unknown)."""
    if events.is_empty() or anchorage is None:
        return events.clear()
    near = anchorage(events["lat"].to_numpy(), events["lon"].to_numpy())
    return events.filter(pl.Series(near <= params.anchorage_area_km))


SHARES_SCHEMA: Final[dict[str, pl.DataType]] = {
    "id": pl.String(),
    "side": pl.String(),
    "anchored": pl.Float64(),
}
"""Per encounter and side (`mmsi` or `other_mmsi`): the share of that vessel's positions during
it that report at anchor or moored."""


def anchored_shares(candidates: pl.DataFrame, positions: pl.DataFrame) -> pl.DataFrame:
    """`SHARES_SCHEMA` rows of the encounters `candidates` (`id`, `mmsi`, `other_mmsi`, `start`,
    `end`), from the `positions` of their vessels (a side with no position during its encounter
    has no row). A side needs only its own vessel's positions: the shares of vessels spread over
    several frames of positions, each vessel whole in one, are the rows of each frame's shares."""
    status = positions_of(positions, pl.concat([candidates["mmsi"], candidates["other_mmsi"]]))
    status = status.select(
        "mmsi", "timestamp", pl.col("nav_status").is_in(ANCHORED).fill_null(False).alias("a")
    )
    sides = [
        candidates.select("id", pl.col(side).alias("mmsi"), "start", "end")
        .join(status, on="mmsi")
        .filter(pl.col("timestamp").is_between(pl.col("start"), pl.col("end")))
        .group_by("id")
        .agg(pl.col("a").mean().alias("anchored"))
        .select("id", pl.lit(side).alias("side"), "anchored")
        for side in ("mmsi", "other_mmsi")
    ]
    return pl.concat([pl.DataFrame(schema=SHARES_SCHEMA), *sides])


def without_anchored_together(
    events: pl.DataFrame, shares: pl.DataFrame, params: EncounterFilterParams
) -> pl.DataFrame:
    """`events` without the encounters whose vessels, on both sides, are at anchor or moored on
    more than `anchored_share` of their positions during it (`shares`: `anchored_shares`)."""
    above = shares.filter(pl.col("anchored") > params.anchored_share)
    both = above.filter(pl.col("side") == "mmsi").join(
        above.filter(pl.col("side") == "other_mmsi"), on="id"
    )
    return events.filter(~pl.col("id").is_in(both["id"].implode()))


def filter_encounters(
    events: pl.DataFrame,
    positions: pl.DataFrame,
    shore: ShoreDistance | None,
    anchorage: AnchorageDistance | None,
    params: EncounterFilterParams,
) -> pl.DataFrame:
    """`events` (encounters found in `positions`) through both filters: `off_the_quay`, then
    `not_anchored_together`."""
    kept = off_the_quay(events, shore, params)
    return not_anchored_together(kept, positions, anchorage, params)
