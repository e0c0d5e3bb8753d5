"""The latest-positions map layer over HTTP, on the shared small world."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
from fastapi.testclient import TestClient

from api_clients import signed_in
from balise.api.routers.positions import COLUMNS, latest_positions
from balise.model.batch import ReadBatch
from balise.model.box import Box
from balise.model.schema import POSITION_SCHEMA, conform
from balise.store.base import IngestRecord
from balise.workspace import Workspace


def _layer(api: TestClient, **params: Any) -> dict[str, Any]:
    response = api.get("/api/v1/positions/latest", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_one_latest_position_per_vessel_as_columns(api: TestClient) -> None:
    body = _layer(api)
    columns = body["columns"]
    assert tuple(columns) == COLUMNS
    store = api.app.state.store  # type: ignore[attr-defined]
    ((vessels,),) = store._rows("SELECT count(DISTINCT mmsi) FROM positions")
    assert vessels > 30
    assert body["count"] == vessels
    assert {len(values) for values in columns.values()} == {vessels}
    assert len(set(columns["mmsi"])) == vessels
    last = dict(store._rows("SELECT mmsi, epoch(max(timestamp))::BIGINT FROM positions "
                            "GROUP BY mmsi"))  # fmt: skip
    assert dict(zip(columns["mmsi"], columns["time"], strict=True)) == last
    assert set(columns["band"]) <= {"low", "medium", "high", None}
    assert any(columns["band"])


def test_bbox_and_since_filter(api: TestClient) -> None:
    columns = _layer(api, bbox="-30,0,0,40")["columns"]
    assert columns["mmsi"]
    assert all(-30 <= lon <= 0 for lon in columns["lon"])
    assert all(0 <= lat <= 40 for lat in columns["lat"])
    latest = max(_layer(api)["columns"]["time"])
    since = datetime.fromtimestamp(latest, UTC).isoformat()
    recent = _layer(api, since=since)["columns"]
    assert recent["time"]
    assert set(recent["time"]) == {latest}


def test_geojson_format(api: TestClient) -> None:
    response = api.get("/api/v1/positions/latest", params={"format": "geojson"})
    assert response.headers["content-type"] == "application/geo+json"
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    store = api.app.state.store  # type: ignore[attr-defined]
    ((vessels,),) = store._rows("SELECT count(DISTINCT mmsi) FROM positions")
    assert len(collection["features"]) == vessels
    feature = collection["features"][0]
    assert feature["geometry"]["type"] == "Point"
    assert {"mmsi", "time", "band", "score"} <= set(feature["properties"])


def test_bbox_across_the_antimeridian() -> None:
    t = datetime(2024, 3, 1, tzinfo=UTC)
    fleet = pl.DataFrame({
        "mmsi": [1, 2, 3], "lon": [179.5, -179.5, 0.0], "lat": [0.0, 0.0, 0.0], "time": [t] * 3,
        "sog_knots": [1.0, float("nan"), None], "cog_deg": [1.0] * 3, "heading_deg": [1] * 3,
        "name": ["A", "B", "C"], "ship_type": [70] * 3, "flag": ["FR"] * 3,
        "score": [1.0] * 3, "band": ["low"] * 3,
    })  # fmt: skip
    rows = latest_positions(fleet, Box(179.0, -1.0, -179.0, 1.0), None)
    assert rows["mmsi"].to_list() == [1, 2]
    assert rows["sog_knots"].to_list() == [1.0, None]  # NaN is not JSON
    assert latest_positions(fleet, Box(-1.0, -1.0, 1.0, 1.0), None)["mmsi"].to_list() == [3]


def test_bad_bbox_is_a_422_problem(api: TestClient) -> None:
    for bbox in ("1,2,3", "a,b,c,d", "0,0,200,10", "0,10,10,0"):
        response = api.get("/api/v1/positions/latest", params={"bbox": bbox})
        assert response.status_code == 422, bbox
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"] == [
            {"in": "query", "name": "bbox", "detail": response.json()["errors"][0]["detail"]}
        ]


def test_unfiltered_layer_is_kept_and_tagged_until_the_data_changes(api: TestClient) -> None:
    first = api.get("/api/v1/positions/latest")
    tag = first.headers["etag"]
    again = api.get("/api/v1/positions/latest")
    assert (again.headers["etag"], again.content) == (tag, first.content)
    unchanged = api.get("/api/v1/positions/latest", headers={"If-None-Match": tag})
    assert unchanged.status_code == 304
    assert not unchanged.content
    geojson = api.get("/api/v1/positions/latest", params={"format": "geojson"})
    assert geojson.headers["etag"] != tag  # another body, another tag
    filtered = api.get("/api/v1/positions/latest", params={"bbox": "-30,0,0,40"})
    assert "etag" not in filtered.headers


def test_layer_is_sent_gzipped_to_clients_that_accept_it(api: TestClient) -> None:
    plain = api.get("/api/v1/positions/latest", headers={"Accept-Encoding": "identity"})
    packed = api.get("/api/v1/positions/latest", headers={"Accept-Encoding": "br, gzip;q=0.8"})
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.headers["vary"] == plain.headers["vary"] == "Accept-Encoding"
    assert packed.json() == plain.json()  # the client decoded it: the same document
    assert int(packed.headers["content-length"]) < len(plain.content) / 2
    assert packed.headers["etag"] != plain.headers["etag"]  # one tag per representation
    refused = api.get("/api/v1/positions/latest", headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers
    again = api.get(
        "/api/v1/positions/latest",
        headers={"Accept-Encoding": "gzip", "If-None-Match": packed.headers["etag"]},
    )
    assert again.status_code == 304


def test_layer_follows_data_stored_by_another_store_on_the_workspace(tmp_path: Path) -> None:
    def batch(mmsi: int, hour: int) -> ReadBatch:
        rows = {"mmsi": [mmsi], "timestamp": [datetime(2024, 5, 1, hour, tzinfo=UTC)],
                "lat": [10.0], "lon": [-20.0]}  # fmt: skip
        return ReadBatch(positions=conform(pl.DataFrame(rows), POSITION_SCHEMA))

    writer = Workspace(tmp_path).open_store(create=True)
    writer.start_ingest(IngestRecord("a", "test", "csv", "running", 0, 1))
    writer.store_batch("a", 0, batch(244000001, 1))
    with signed_in(tmp_path) as client:
        first = client.get("/api/v1/positions/latest")
        assert first.json()["columns"]["mmsi"] == [244000001]
        writer.store_batch("a", 1, batch(244000002, 2))
        second = client.get("/api/v1/positions/latest")
        assert second.json()["columns"]["mmsi"] == [244000001, 244000002]
        assert second.headers["etag"] != first.headers["etag"]
    writer.close()
