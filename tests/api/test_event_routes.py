"""Events over HTTP: filters, cursor pagination, one event, event types."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from fastapi.testclient import TestClient

from api_clients import signed_in
from balise.api.pagination import EventKey, decode_cursor, encode_cursor
from balise.api.problems import ProblemError
from balise.engine.cargo import CARGO_TYPES
from balise.model.event_types import EVENT_TYPE_NAMES
from balise.model.events import EVENT_SCHEMA, event_id
from balise.store.duckdb import DuckDBStore
from balise.workspace import STORE_FILE

T0 = datetime(2024, 3, 1, tzinfo=UTC)
PROBLEM = "application/problem+json"
TRIANGLE = [[[10.0, 10.0], [12.0, 10.0], [10.0, 12.0], [10.0, 10.0]]]
PLACES = [(179.5, 0.0), (-179.5, 0.5), (0.0, 0.0), (10.5, 10.5), (11.8, 11.8)]
"""Each side of the antimeridian, the origin, inside the triangle zone, in its box only."""


def _event(i: int) -> dict[str, Any]:
    kind = ("loitering", "ais_gap", "encounter")[i % 3]
    start = T0 + timedelta(hours=i // 5)  # five events share each start: ties broken by id
    lon, lat = PLACES[i % len(PLACES)]
    return {
        "id": event_id(kind, 100 + i, start.isoformat()), "type": kind, "start": start,
        "end": start + timedelta(hours=2), "lat": lat, "lon": lon, "mmsi": 100 + i,
        "other_mmsi": 999 if kind == "encounter" else None, "confidence": (i % 10) / 10,
        "score": None, "params": "{}", "evidence": json.dumps({"i": i}), "status": "active",
    }  # fmt: skip


EVENTS = [_event(i) for i in range(32)]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A workspace of hand-made events and a zone file with a triangle zone."""
    root = tmp_path_factory.mktemp("events")
    store = DuckDBStore(root / STORE_FILE)
    store.save_events(pl.DataFrame(EVENTS, schema=EVENT_SCHEMA), list(EVENT_TYPE_NAMES))
    store.close()
    zone = {"type": "Feature", "id": "triangle", "properties": {"name": "Triangle"},
            "geometry": {"type": "Polygon", "coordinates": TRIANGLE}}  # fmt: skip
    collection = {"type": "FeatureCollection", "features": [zone]}
    (root / "zones.geojson").write_text(json.dumps(collection))
    with signed_in(root) as client:
        yield client


def _ids(client: TestClient, **params: Any) -> list[str]:
    response = client.get("/api/v1/events", params={"limit": 1000, **params})
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def _expected(keep: Any) -> list[str]:
    kept = [e for e in EVENTS if keep(e)]
    return [e["id"] for e in sorted(kept, key=lambda e: (-e["start"].timestamp(), e["id"]))]


def test_pages_cover_everything_once_in_order(made: TestClient) -> None:
    seen, url, pages = [], "/api/v1/events?limit=7", 0
    while url:
        response = made.get(url)
        body = response.json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        link = response.headers.get("link")
        assert (link is None) == (body["next"] is None)
        if link:
            assert link.endswith('>; rel="next"')
            assert f"cursor={body['next']}" in link
            url = link[1 : link.index(">")]
        else:
            url = ""
    assert pages == 5
    assert seen == _expected(lambda e: True)
    assert len(set(seen)) == len(EVENTS)


def test_filters(made: TestClient) -> None:
    assert _ids(made, type=["ais_gap", "encounter"]) == _expected(
        lambda e: e["type"] in ("ais_gap", "encounter"))  # fmt: skip
    assert _ids(made, mmsi=999) == _expected(lambda e: e["other_mmsi"] == 999)
    assert _ids(made, mmsi=105) == _expected(lambda e: e["mmsi"] == 105)
    assert _ids(made, min_score=0.75) == _expected(lambda e: e["confidence"] >= 0.75)
    since, until = T0 + timedelta(hours=3), T0 + timedelta(hours=4)
    # overlapping [since, until): ended at or after since, started before until
    assert _ids(made, since=since.isoformat(), until=until.isoformat()) == _expected(
        lambda e: e["end"] >= since and e["start"] < until)  # fmt: skip
    assert _ids(made, status="retracted") == []


def test_bbox_across_the_antimeridian_and_zone(made: TestClient) -> None:
    assert _ids(made, bbox="179,-1,-179,1") == _expected(lambda e: abs(e["lon"]) == 179.5)
    assert _ids(made, bbox="-1,-1,1,1") == _expected(lambda e: e["lon"] == 0.0)
    # the zone's bounding box holds both places; only one is inside the triangle
    assert _ids(made, zone="triangle") == _expected(lambda e: e["lon"] == 10.5)
    assert _ids(made, zone="triangle", limit=2) == _expected(lambda e: e["lon"] == 10.5)[:2]
    unknown = made.get("/api/v1/events", params={"zone": "atlantis"})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["name"] == "zone"


def test_zone_pages_follow_the_polygon(made: TestClient) -> None:
    seen, cursor = [], None
    while True:
        params: dict[str, Any] = {"zone": "triangle", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        body = made.get("/api/v1/events", params=params).json()
        seen += [item["id"] for item in body["items"]]
        if not (cursor := body["next"]):
            break
    assert seen == _expected(lambda e: e["lon"] == 10.5)


def test_one_event_with_history(made: TestClient) -> None:
    event = EVENTS[3]
    body = made.get(f"/api/v1/events/{event['id']}").json()
    assert body["id"] == event["id"]
    assert body["evidence"] == {"i": 3}
    assert [h["status"] for h in body["history"]] == ["active"]
    missing = made.get("/api/v1/events/nope-0000")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == PROBLEM


def test_cursor_round_trip_and_bad_cursors(made: TestClient) -> None:
    key = EventKey(T0 + timedelta(microseconds=1), "ais_gap-0123")
    assert decode_cursor(encode_cursor(key)) == key
    for token in ("zzz", "e1.!!!", "e1.WzEsMl0", encode_cursor(key)[:-3]):
        with pytest.raises(ProblemError) as caught:
            decode_cursor(token)
        assert caught.value.status == 400
        response = made.get("/api/v1/events", params={"cursor": token})
        assert response.status_code == 400
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["type"].endswith("/bad-cursor")


def test_bad_parameters_are_422_problems(made: TestClient) -> None:
    for params in ({"type": "piracy"}, {"limit": 0}, {"min_score": 2}, {"status": "gone"},
                   {"mmsi": "abc"}, {"bbox": "1,2,3,4,5"}):  # fmt: skip
        response = made.get("/api/v1/events", params=params)
        assert response.status_code == 422, params
        body = response.json()
        assert response.headers["content-type"] == PROBLEM
        assert body["status"] == 422
        assert [e["name"] for e in body["errors"]] == [next(iter(params))]


def test_world_events_and_types(api: TestClient) -> None:
    items = api.get("/api/v1/events", params={"limit": 1000}).json()["items"]
    assert {"loitering", "encounter", "identity_change"} <= {i["type"] for i in items}
    assert all(isinstance(i["params"], dict) for i in items)
    for item in items:
        if item["type"] == "insider_lookup":  # about a user (the tester is a security officer)
            assert item["subject"]["kind"] == "user"
            continue
        if item["subject"]["kind"] == "container":  # the cargo events of the world's boxes
            assert item["type"] in CARGO_TYPES
            continue
        assert item["subject"] == {"kind": "vessel", "id": str(item["mmsi"])}
        other = item["other_mmsi"]
        assert item["related"] == ([{"kind": "vessel", "id": str(other)}] if other else [])
    assert any(i["related"] for i in items if i["type"] == "encounter")
    types = api.get("/api/v1/event-types").json()
    assert [t["name"] for t in types] == list(EVENT_TYPE_NAMES)
    assert len({t["shape"] for t in types}) == len(types)
    gap = next(t for t in types if t["name"] == "ais_gap")
    assert gap["docs"] == "docs/detectors.md#ais_gap"
    assert "6 h" in gap["definition"]


def test_docs_anchors_exist() -> None:
    """Each type's anchor is a heading of docs/detectors.md (GitHub's slug rule)."""
    import re

    from balise.model.event_types import EVENT_TYPES

    text = (Path(__file__).parents[2] / "docs" / "detectors.md").read_text(encoding="utf-8")
    slugs = {
        re.sub(r"[^\w\- ]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
        for line in text.splitlines() if line.startswith("#")
    }  # fmt: skip
    assert {t.anchor for t in EVENT_TYPES} <= slugs
