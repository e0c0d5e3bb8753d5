"""Export writers, one module per format, shared by the command line and the API.

`geojson` (events as a FeatureCollection, a vessel track as a Feature), `csv` (any frame,
streamed a batch at a time), `jsonl` (one JSON object a line), `kml` (events and tracks for
Google Earth) and `mfjson` (a track as an OGC Moving Feature). Times and the JSON text columns
of the event record are turned into JSON values in one place, `records`, so that every format
writes the same values: `balise events --format geojson` and `GET /api/v1/exports/events.geojson`
give the same features.
"""
