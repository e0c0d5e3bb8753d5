"""Former home of the track writers, now in `balise.io.exports` (`geojson.track_geojson`,
`mfjson.track_mfjson`, `antimeridian.split_at_antimeridian`): these names are kept for the
modules that still import them from here."""

from __future__ import annotations

from balise.io.exports.antimeridian import Vertex, split_at_antimeridian
from balise.io.exports.geojson import track_geojson
from balise.io.exports.mfjson import track_mfjson
from balise.io.exports.records import iso_time

__all__ = ["Vertex", "iso_time", "split_at_antimeridian", "track_geojson", "track_mfjson"]
