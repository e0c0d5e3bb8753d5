"""The ports and anchorages layer."""

from __future__ import annotations

from fastapi.testclient import TestClient

from helpers import problem


def test_ports_and_anchorages_in_a_box(api: TestClient) -> None:
    response = api.get("/api/v1/ports", params={"bbox": "-62,14,-60,15"})  # Martinique
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/geo+json")
    body = response.json()
    kinds = {f["properties"]["kind"] for f in body["features"]}
    assert kinds == {"port", "anchorage"}
    ports = {f["properties"]["locode"]: f for f in body["features"]
             if f["properties"]["kind"] == "port"}  # fmt: skip
    assert "MQFDF" in ports
    for feature in body["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert -62 <= lon <= -60
        assert 14 <= lat <= 15
    assert body["truncated"] is False


def test_high_risk_ports_are_flagged_and_the_limit_truncates(api: TestClient) -> None:
    body = api.get("/api/v1/ports", params={"bbox": "-56,5,-54,6.5"}).json()  # Paramaribo
    flagged = {f["properties"]["locode"] for f in body["features"]
               if f["properties"]["high_risk"]}  # fmt: skip
    assert "SRPBM" in flagged
    cut = api.get("/api/v1/ports", params={"limit": 3}).json()
    assert (len(cut["features"]), cut["truncated"]) == (3, True)
    problem(api.get("/api/v1/ports", params={"limit": 0}), 422)
    problem(api.get("/api/v1/ports", params={"bbox": "1,2,3"}), 422)
