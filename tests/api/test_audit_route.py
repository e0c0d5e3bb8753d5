"""The audit log over HTTP: pages newest first by sequence number, the JSON of entries shown
before kept and given again identical to a fresh read, cursors that follow on without a gap,
filters, and every read of the log itself audited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from api_clients import account_token, app_of, signed_in
from balise.store.accounts import AuditQuery
from balise.workspace import Workspace

OFFICER = ("security_officer",)


def _stored(root: Path, query: AuditQuery, limit: int | None = None) -> list[dict[str, Any]]:
    """Entries as the store holds them, as the API shows them (no `prev_hash`, ISO times)."""
    store = Workspace(root).open_store()
    try:
        rows = store.audit(query, limit).drop("prev_hash").to_dicts()
    finally:
        store.close()
    for row in rows:
        row["time"] = row["time"].isoformat().replace("+00:00", "Z")
    return rows


def test_pages_are_the_stored_entries_newest_first(tmp_path: Path) -> None:
    with signed_in(tmp_path, "officer.one", OFFICER) as client:
        for _ in range(3):
            assert client.get("/api/v1/users").status_code == 403  # denied: audited
        first = client.get("/api/v1/audit", params={"limit": 4})
        second = client.get("/api/v1/audit", params={"limit": 4})
    assert first.status_code == second.status_code == 200
    seqs = [item["seq"] for item in first.json()["items"]]
    assert seqs == sorted(seqs, reverse=True)
    assert len(seqs) == 4
    again = second.json()["items"]
    # the read of the first page is the newest entry of the second, with the page's records
    assert again[0]["route"] == "GET /api/v1/audit"
    assert again[0]["records"] == [str(seq) for seq in seqs]
    assert again[1:] == first.json()["items"][:3]  # kept entries, given again unchanged
    assert again == _stored(tmp_path, AuditQuery(after_seq=again[0]["seq"] + 1), 4)


def test_kept_entries_equal_a_fresh_read_and_cursors_follow_on(tmp_path: Path) -> None:
    with signed_in(tmp_path, "officer.two", OFFICER) as client:
        for _ in range(5):
            client.get("/api/v1/users")
        client.get("/api/v1/audit", params={"limit": 3})  # keeps the newest entries' JSON
        pages, url = [], "/api/v1/audit?limit=3"
        while url:
            answer = client.get(url)
            assert answer.status_code == 200
            pages.append(answer.json()["items"])
            token = answer.json()["next"]
            assert ("link" in answer.headers) == (token is not None)
            url = f"/api/v1/audit?limit=3&cursor={token}" if token else ""
    shown = [item for page in pages for item in page]
    seqs = [item["seq"] for item in shown]
    assert seqs == list(range(seqs[0], 0, -1))  # every entry once, newest first, no gap
    assert shown == _stored(tmp_path, AuditQuery(after_seq=seqs[0] + 1))
    token = account_token(tmp_path, "officer.three", OFFICER)
    with TestClient(app_of(tmp_path), headers={"Authorization": f"Bearer {token}"}) as fresh:
        cold = fresh.get("/api/v1/audit", params={"cursor": seqs[0] + 1, "limit": 1000})
    assert cold.json()["items"] == shown  # read whole by an app that kept nothing


def test_filters_and_bad_cursors(tmp_path: Path) -> None:
    with signed_in(tmp_path, "officer.four", OFFICER, raise_server_exceptions=False) as client:
        client.get("/api/v1/users")
        client.get("/api/v1/audit")
        reads = client.get("/api/v1/audit", params={"action": "read", "resource": "audit"})
        bad = client.get("/api/v1/audit", params={"cursor": "x1"})
    query = AuditQuery(actions=("read",), resource="audit")
    assert reads.json()["items"] == _stored(tmp_path, query)[1:]  # before its own entry
    assert [item["route"] for item in reads.json()["items"]] == ["GET /api/v1/audit"]
    assert reads.json()["next"] is None
    assert bad.status_code == 400


def test_a_page_is_gzipped_for_clients_that_accept_it_and_holds_100_by_default(
    tmp_path: Path,
) -> None:
    with signed_in(tmp_path, "officer.four", OFFICER) as client:
        for _ in range(110):
            client.get("/api/v1/users")  # denied: audited
        newest = client.get("/api/v1/audit", headers={"Accept-Encoding": "identity"})
        assert newest.status_code == 200
        assert "content-encoding" not in newest.headers
        assert newest.headers["vary"] == "Accept-Encoding"
        body = newest.json()
        assert len(body["items"]) == 100, "the default page"
        assert body["next"] == str(body["items"][-1]["seq"])
        older: dict[str, str | int] = {"cursor": str(body["items"][0]["seq"] + 1), "limit": 50}
        plain = client.get("/api/v1/audit", params=older,
                           headers={"Accept-Encoding": "identity"})  # fmt: skip
        packed = client.get("/api/v1/audit", params=older,
                            headers={"Accept-Encoding": "br;q=1, gzip;q=0.5"})  # fmt: skip
    assert packed.headers["content-encoding"] == "gzip"
    assert int(packed.headers["content-length"]) * 4 < int(plain.headers["content-length"])
    assert packed.json() == plain.json()  # httpx decodes the gzip
    assert plain.json()["items"] == body["items"][:50]
