"""Which country a coast belongs to: the country (ISO 3166 alpha-3) of land positions.

What: `CoastCountry()(lat, lon)` names the country of each position on or near a coast: the
French territory whose computed territorial sea (with its land) holds it
(`balise.geo.territorial_sea.territory_of`: Martinique is "MTQ", Guadeloupe "GLP"...), else
the country of the nearest port or anchorage of GFW's lists (`balise.geo.ports`: World Port
Index ports and named anchorages, with their `iso3`) within `search_km`, else None.

Why: the `dark_target` score counts a track coming from a foreign coast (a go-fast from Saint
Lucia, Dominica or Venezuela); the detector finds the land behind the track
(`balise.maritime.dark_targets`) and asks whose it is. No country boundaries ship with Balise;
the ports of a country sit on its coasts, and a small island's coast is never far from one of
its ports.

Approximations: a coast far from any port of its country (over `search_km`) may be given a
neighbour's. Where a French territory lies near a foreign coast the nearest port could be
French although the position is not: a position outside every French territory is given the
country of the nearest port that lies outside them too (so the northern cape of Saint Lucia is
"LCA", not Le Marin's "MTQ"). Metropolitan France is named by its ports ("FRA").
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

from balise.geo.ports import AnchorageIndex, load_anchorages, load_ports
from balise.geo.territorial_sea import territory_of

__all__ = ["FRENCH_ISO3", "TERRITORY_ISO3", "CoastCountry", "coast_country"]

TERRITORY_ISO3: Final = {"MQ": "MTQ", "GP": "GLP", "BL": "BLM", "MF": "MAF", "GF": "GUF"}
"""ISO 3166 alpha-3 of the territories of `balise.geo.territorial_sea.TERRITORIES`."""
FRENCH_ISO3: Final = frozenset({"FRA", *TERRITORY_ISO3.values(), "SPM", "REU", "MYT", "NCL",
                                "PYF", "WLF", "ATF"})  # fmt: skip
"""France and its overseas territories (ISO 3166 alpha-3): no coast of these is foreign."""
SEARCH_KM: Final = 150.0
"""A coast is named after a port at most this far (km): Venezuela's coast between its ports,
a small island's far side."""


def _points() -> pl.DataFrame:
    """Ports and anchorages with a country, one frame (`lat`, `lon`, `iso3`)."""
    columns = ("lat", "lon", "iso3")
    both = pl.concat([load_ports().select(columns), load_anchorages().select(columns)])
    return both.filter(pl.col("iso3").is_not_null())


class CoastCountry:
    """The country of coastal positions (module docstring); build once, call on arrays."""

    def __init__(self, search_km: float = SEARCH_KM) -> None:
        points = _points()
        territory = territory_of(points["lat"].to_numpy(), points["lon"].to_numpy())
        in_territory = pl.Series(
            [code is not None for code in territory.tolist()], dtype=pl.Boolean
        )
        self._all = AnchorageIndex(points, search_km=search_km)
        self._all_iso3 = points["iso3"].to_list()
        self._all_in_territory = in_territory.to_numpy()
        outside = points.filter(~in_territory)
        self._outside = AnchorageIndex(outside, search_km=search_km)
        self._outside_iso3 = outside["iso3"].to_list()

    def __call__(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> Sequence[str | None]:
        """The country (ISO 3166 alpha-3) of each position, None where no port is near."""
        lats = np.atleast_1d(np.asarray(lat, dtype=np.float64))
        lons = np.atleast_1d(np.asarray(lon, dtype=np.float64))
        territory = territory_of(lats, lons)
        nearest, _ = self._all.nearest(lats, lons)
        found: list[str | None] = [
            None if index < 0 else self._all_iso3[index] for index in nearest.tolist()
        ]
        # outside every French territory, a port inside one is not the coast's country
        inside_one = [index >= 0 and bool(self._all_in_territory[index]) for index in nearest]
        again = [i for i, hit in enumerate(inside_one) if hit and territory[i] is None]
        if again:
            other, _ = self._outside.nearest(lats[again], lons[again])
            for i, index in zip(again, other.tolist(), strict=True):
                found[i] = None if index < 0 else self._outside_iso3[index]
        return [TERRITORY_ISO3.get(str(code), str(code)) if code is not None else name
                for code, name in zip(territory.tolist(), found, strict=True)]  # fmt: skip


@functools.cache
def coast_country() -> CoastCountry:
    """The `CoastCountry` of the shipped port lists, built once per process (about a second)."""
    return CoastCountry()
