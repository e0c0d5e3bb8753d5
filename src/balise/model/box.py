"""A longitude/latitude box: the API's `bbox` filter and the store's area filters."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class Box:
    """A longitude/latitude box in degrees; `min_lon > max_lon` crosses the antimeridian."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    @property
    def crosses_antimeridian(self) -> bool:
        return self.min_lon > self.max_lon

    def expr(self, lat: str = "lat", lon: str = "lon") -> pl.Expr:
        """The condition of being inside the box, on the columns `lat` and `lon`."""
        west, east = pl.col(lon) >= self.min_lon, pl.col(lon) <= self.max_lon
        sides = (west | east) if self.crosses_antimeridian else (west & east)
        return pl.col(lat).is_between(self.min_lat, self.max_lat) & sides
