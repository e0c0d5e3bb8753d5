"""What a vessel's transponder broadcasts and a receiver hears: the frames AIS writers encode.

These are the inputs of the NMEA and DMA CSV writers (the simulator produces them). They differ
from the stored schemas of `balise.model.schema` in keeping what only the air interface carries:
the four antenna offsets instead of length and width, the radio channel and the receiving station.
A null field is broadcast as AIS' "not available" value (heading 511, SOG 102.3, COG 360, ...).
"""

from __future__ import annotations

import polars as pl

from balise.model.schema import UTC_TIME

POSITION_REPORT_SCHEMA: dict[str, pl.DataType] = {
    "mmsi": pl.Int32(),
    "timestamp": UTC_TIME,
    "lat": pl.Float64(),
    "lon": pl.Float64(),
    "sog_knots": pl.Float64(),
    "cog_deg": pl.Float64(),
    "heading_deg": pl.Int16(),
    "nav_status": pl.Int8(),
    "msg_type": pl.Int8(),
    "channel": pl.String(),
    "station": pl.String(),
}
"""One received position report: types 1, 2, 3 (class A) or 18 (class B); `timestamp` is the
receive time (tag block `c:`), `station` the receiver (tag block `s:`), `channel` "A" or "B"."""

STATIC_REPORT_SCHEMA: dict[str, pl.DataType] = {
    "mmsi": pl.Int32(),
    "timestamp": UTC_TIME,
    "msg_type": pl.Int8(),
    "imo": pl.Int32(),
    "name": pl.String(),
    "call_sign": pl.String(),
    "ship_type": pl.Int16(),
    "to_bow_m": pl.Int16(),
    "to_stern_m": pl.Int16(),
    "to_port_m": pl.Int16(),
    "to_starboard_m": pl.Int16(),
    "draught_m": pl.Float64(),
    "destination": pl.String(),
    "eta": UTC_TIME,
    "channel": pl.String(),
    "station": pl.String(),
}
"""One received static report: type 5 (class A static and voyage data, two sentences) or type 24
(class B static data, broadcast as part A with the name and part B with type, call sign and
dimensions). `imo`, `draught_m`, `destination` and `eta` are null for type 24."""
