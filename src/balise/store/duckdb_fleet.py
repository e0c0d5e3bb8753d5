"""The fleet snapshot query of the DuckDB store: one row per vessel with its last position,
current identity and every identifier it ever reported, normalised for search.

It scans the positions table once (a `GROUP BY mmsi` with `arg_max`): the API keeps the result
per data version (`generation`) rather than run it for every request.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from balise.store.duckdb_connection import Connected

NORMALISE_SQL: Final = "trim(regexp_replace(upper(strip_accents({c})), '[^A-Z0-9]+', ' ', 'g'))"
"""A name as search compares it (the rule of `balise.api.fleet.normalise`), on column `c`."""
_LATEST: Final = ("name", "call_sign", "imo", "ship_type", "ship_type_text", "length_m")
_FLEET_SQL: Final = f"""
WITH last AS (
    SELECT mmsi, max(timestamp) AS time, arg_max(lat, timestamp) AS lat,
           arg_max(lon, timestamp) AS lon, arg_max(sog_knots, timestamp) AS sog_knots,
           arg_max(cog_deg, timestamp) AS cog_deg, arg_max(heading_deg, timestamp) AS heading_deg
    FROM positions GROUP BY mmsi),
ident AS (
    SELECT mmsi, {
    ", ".join(f"arg_max({c}, last_seen) FILTER (WHERE {c} IS NOT NULL) AS {c}" for c in _LATEST)
},
           string_agg(DISTINCT {NORMALISE_SQL.format(c="name")}, '|') AS names,
           string_agg(DISTINCT {NORMALISE_SQL.format(c="call_sign")}, '|') AS call_signs,
           string_agg(DISTINCT CAST(imo AS VARCHAR), '|') AS imos
    FROM identities GROUP BY mmsi)
SELECT *, {NORMALISE_SQL.format(c="name")} AS name_key
FROM last FULL OUTER JOIN ident USING (mmsi)
"""


class DuckDBFleet(Connected):
    """The `FleetStore` of the DuckDB store (its `generation` is `Connected`'s)."""

    def fleet(self) -> pl.DataFrame:
        """One row per vessel heard or identified, unordered (see `FleetStore.fleet`)."""
        return self._frame(_FLEET_SQL)
