"""Vessel search, dossier and track over HTTP, on the shared small world."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from balise.api.fleet import normalise
from balise.store.duckdb import DuckDBStore

PROBLEM = "application/problem+json"


def _store(api: TestClient) -> DuckDBStore:
    store: DuckDBStore = api.app.state.store  # type: ignore[attr-defined]
    return store


@pytest.fixture(scope="module")
def renamed(api: TestClient) -> dict[str, Any]:
    """A vessel that reported two names: its MMSI, names (oldest first), call sign and IMO."""
    rows = _store(api)._rows(
        "SELECT mmsi, list(name ORDER BY first_seen), arg_max(call_sign, last_seen), "
        "arg_max(imo, last_seen) FROM identities WHERE name IS NOT NULL GROUP BY mmsi "
        "HAVING count(DISTINCT name) > 1 ORDER BY mmsi LIMIT 1"
    )
    mmsi, names, call_sign, imo = rows[0]
    return {"mmsi": mmsi, "old": names[0], "new": names[-1], "call_sign": call_sign, "imo": imo}


def _search(api: TestClient, q: str, limit: int = 20) -> list[dict[str, Any]]:
    response = api.get("/api/v1/vessels", params={"q": q, "limit": limit})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_normalise_folds_accents_case_and_padding() -> None:
    assert normalise("Nuestra Señora@@") == normalise(" nuestra-senora ") == "NUESTRA SENORA"


def test_search_by_each_identifier(api: TestClient, renamed: dict[str, Any]) -> None:
    mmsi, imo = renamed["mmsi"], renamed["imo"]
    for query, matched in ((str(mmsi), "mmsi"), (renamed["call_sign"].lower(), "call_sign"),
                           (f"IMO {imo}", "imo"), (str(imo), "imo")):  # fmt: skip
        best = _search(api, query)[0]
        assert (best["mmsi"], best["matched"]) == (mmsi, matched), query
    assert _search(api, str(mmsi)[:5])[0]["matched"] == "mmsi"  # a prefix of the MMSI


def test_search_by_name_part_case_insensitive_and_former_name(
    api: TestClient, renamed: dict[str, Any]
) -> None:
    current = _search(api, renamed["new"][2:-1].lower())
    assert renamed["mmsi"] in [h["mmsi"] for h in current]
    former = [h for h in _search(api, renamed["old"]) if h["mmsi"] == renamed["mmsi"]]
    assert former
    assert former[0]["matched"] == "former_name"
    assert former[0]["name"] == renamed["new"]


def test_search_ranks_exact_before_partial_and_limits(api: TestClient) -> None:
    everyone = _search(api, "", limit=200)
    store = api.app.state.store  # type: ignore[attr-defined]
    ((vessels,),) = store._rows("SELECT count(DISTINCT mmsi) FROM positions")
    assert len(everyone) == vessels > 30
    scores = [h["score"] for h in everyone if h["score"] is not None]
    assert scores == sorted(scores, reverse=True)  # no query: highest risk first
    assert len(_search(api, "a", limit=3)) == 3
    assert _search(api, "no such vessel anywhere") == []


def test_dossier(api: TestClient, renamed: dict[str, Any]) -> None:
    body = api.get(f"/api/v1/vessels/{renamed['mmsi']}").json()
    assert body["mmsi"] == renamed["mmsi"]
    names = [entry["value"] for entry in body["identity_history"]["name"]]
    assert {renamed["old"], renamed["new"]} <= set(names)
    assert body["positions"]["positions"] > 0
    assert body["risk"]["band"] in ("low", "medium", "high")
    assert isinstance(body["risk"]["reasons"], list)


def test_unknown_vessel_is_a_404_problem(api: TestClient) -> None:
    for url in ("/api/v1/vessels/123456789", "/api/v1/vessels/123456789/track"):
        response = api.get(url)
        assert response.status_code == 404
        assert response.headers["content-type"] == PROBLEM
        body = response.json()
        assert body["title"] == "Not found"
        assert body["instance"] == url
        assert "123456789" in body["detail"]


def test_track_geojson_in_a_time_range(api: TestClient, renamed: dict[str, Any]) -> None:
    url = f"/api/v1/vessels/{renamed['mmsi']}/track"
    whole = api.get(url)
    assert whole.headers["content-type"] == "application/geo+json"
    feature = whole.json()
    assert feature["geometry"]["type"] == "LineString"
    times = feature["properties"]["coordTimes"]
    assert len(times) == len(feature["geometry"]["coordinates"]) == feature["properties"][
        "positions"]  # fmt: skip
    assert times == sorted(times)
    since, until = times[10], times[20]
    part = api.get(url, params={"since": since, "until": until}).json()
    assert part["properties"]["coordTimes"] == times[10:20]  # until is excluded
    assert len(part["properties"]["sog_knots"]) == 10


def test_track_mfjson(api: TestClient, renamed: dict[str, Any]) -> None:
    url = f"/api/v1/vessels/{renamed['mmsi']}/track"
    geojson = api.get(url).json()
    feature = api.get(url, params={"format": "mfjson"}).json()
    moving = feature["temporalGeometry"]
    assert moving["type"] == "MovingPoint"
    assert moving["interpolation"] == "Linear"
    assert moving["datetimes"] == geojson["properties"]["coordTimes"]
    assert moving["coordinates"] == geojson["geometry"]["coordinates"]


def test_track_bad_parameters_are_problems(api: TestClient, renamed: dict[str, Any]) -> None:
    url = f"/api/v1/vessels/{renamed['mmsi']}/track"
    for params in (
        {"format": "kml"},
        {"since": "yesterday"},
        {"since": "2024-03-02T00:00:00Z", "until": "2024-03-01T00:00:00Z"},
    ):
        response = api.get(url, params=params)
        assert response.status_code == 422, params
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["errors"][0]["name"] in ("format", "since", "until")
