"""Need-to-know at the API: every route but health and sign-in requires credentials, sessions
need their CSRF token for changes, identity comes from the credential alone, the policy refuses
with 403, sign-in is rate-limited, and sensitive reads and every change land in the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api_clients import account_token, app_of, signed_in
from balise.api.auth import CSRF_COOKIE, PUBLIC_ROUTES, SESSION_COOKIE
from balise.store.accounts import AuditQuery
from balise.workspace import Workspace

PROBLEM = "application/problem+json"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def app_root(world_root: Path) -> Path:
    return world_root


@pytest.fixture(scope="module")
def anonymous(app_root: Path) -> Iterator[TestClient]:
    with TestClient(app_of(app_root), raise_server_exceptions=False) as client:
        yield client


def _filled(path: str) -> str:
    return (
        path.replace("{mmsi}", "0")
        .replace("{fmt}", "csv")
        .replace("{zone_id}", "z")
        .replace("{alert_id}", "a")
        .replace("{event_id}", "e")
        .replace("{username}", "u")
        .replace("{token_id}", "t")
    )


def test_every_route_requires_authentication(anonymous: TestClient) -> None:
    """Walks every operation of the API (its OpenAPI document, which the contract tests hold
    to the routes): all but the public ones answer 401 problem+json."""
    app: Any = anonymous.app
    checked = 0
    for path, item in app.openapi()["paths"].items():
        for method in item:
            response = anonymous.request(method.upper(), _filled(path), json={})
            if path in PUBLIC_ROUTES:
                assert response.status_code != 401, (method, path)
                continue
            assert response.status_code == 401, (method, path, response.text)
            assert response.headers["content-type"] == PROBLEM
            assert response.json()["title"] == "Authentication required"
            assert response.headers["www-authenticate"].startswith("Bearer")
            checked += 1
    assert checked >= 30
    assert anonymous.get("/api/v1/openapi.json").status_code == 401
    assert anonymous.get("/api/v1/health").json()["status"] == "ok"


def test_bad_tokens_are_refused(anonymous: TestClient, app_root: Path) -> None:
    token = account_token(app_root, "reader", ("viewer",), "navy")
    for header in ("Bearer nonsense", "Bearer " + token[:-2] + "xx", "Basic abc", token):
        answer = anonymous.get("/api/v1/vessels", headers={"Authorization": header})
        assert answer.status_code == 401, header
    good = anonymous.get("/api/v1/vessels", headers={"Authorization": f"Bearer {token}"})
    assert good.status_code == 200


def _session(root: Path, name: str, roles: tuple[str, ...], agency: str = "customs") -> TestClient:
    account_token(root, name, roles, agency, password=PASSWORD)
    client = TestClient(app_of(root), raise_server_exceptions=False)
    signed = client.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
    assert signed.status_code == 200, signed.text
    assert signed.json()["username"] == name
    return client


def test_a_session_needs_its_csrf_token_to_change_anything(app_root: Path) -> None:
    client = _session(app_root, "watch.one", ("watch_officer",), "navy")
    assert client.cookies.get(SESSION_COOKIE)
    assert client.cookies.get(CSRF_COOKIE)
    alert = client.get("/api/v1/alerts", params={"limit": 1}).json()["items"][0]["id"]
    bare = client.post(f"/api/v1/alerts/{alert}/acknowledge")
    assert bare.status_code == 403
    assert bare.json()["type"].endswith("/csrf")
    wrong = client.post(f"/api/v1/alerts/{alert}/acknowledge", headers={"X-CSRF-Token": "x"})
    assert wrong.status_code == 403
    csrf = {"X-CSRF-Token": client.cookies[CSRF_COOKIE], "X-Balise-User": "someone.else"}
    done = client.post(f"/api/v1/alerts/{alert}/acknowledge", headers=csrf)
    assert done.status_code == 200, done.text
    assert done.json()["updated_by"] == "watch.one"  # never the header's name
    out = client.post("/api/v1/auth/logout", headers=csrf)
    assert out.status_code == 204
    assert client.get("/api/v1/vessels").status_code == 401


def test_wrong_passwords_are_rate_limited(app_root: Path) -> None:
    account_token(app_root, "target", ("analyst",), "customs", password=PASSWORD)
    with TestClient(app_of(app_root), raise_server_exceptions=False) as client:
        for _ in range(5):
            wrong = client.post(
                "/api/v1/auth/login", json={"username": "target", "password": "wrong pass"}
            )
            assert wrong.status_code == 401
            assert wrong.json()["detail"] == "unknown account or wrong password"
        blocked = client.post(
            "/api/v1/auth/login", json={"username": "target", "password": PASSWORD}
        )
        assert blocked.status_code == 429
        assert int(blocked.headers["retry-after"]) > 0
    store = Workspace(app_root).open_store()
    try:
        failed = store.audit(AuditQuery(user="target", actions=("sign_in_failed",)))
    finally:
        store.close()
    assert failed.height == 5


def test_the_policy_refuses_with_403_and_audits_it(app_root: Path) -> None:
    with signed_in(
        app_root, "viewer.one", ("viewer",), "partner", raise_server_exceptions=False
    ) as client:
        assert client.get("/api/v1/vessels").status_code == 200
        for path in (
            "/api/v1/alerts",
            "/api/v1/audit",
            "/api/v1/users",
            "/api/v1/exports/events.csv",
        ):
            refused = client.get(path)
            assert refused.status_code == 403, path
            assert refused.headers["content-type"] == PROBLEM
        me = client.get("/api/v1/auth/me").json()
        assert me["roles"] == ["viewer"]
        assert "alert" not in me["can"]
    store = Workspace(app_root).open_store()
    try:
        denied = store.audit(AuditQuery(user="viewer.one", actions=("denied",)))
    finally:
        store.close()
    assert set(denied["resource"]) == {"alert", "audit", "user", "export"}


def test_sensitive_reads_are_audited_with_their_records(app_root: Path) -> None:
    with signed_in(app_root, "analyst.two", ("analyst",), "customs") as client:
        page = client.get("/api/v1/alerts", params={"limit": 3}).json()["items"]
        client.get("/api/v1/vessels")
    store = Workspace(app_root).open_store()
    try:
        reads = store.audit(AuditQuery(user="analyst.two", actions=("read",)))
        assert store.verify_audit().ok
    finally:
        store.close()
    assert reads["resource"].to_list() == ["alert"]  # the picture is not audited
    entry = reads.row(0, named=True)
    assert entry["records"] == [item["id"] for item in page]
    assert entry["route"] == "GET /api/v1/alerts"
    assert entry["address"] == "testclient"


def test_one_time_links_sign_in_once(app_root: Path) -> None:
    from api_clients import TEST_ACTOR
    from balise.engine.accounts import sign_in_link

    account_token(app_root, "linked", ("analyst",), "navy")
    store = Workspace(app_root).open_store()
    try:
        secret = sign_in_link(store, TEST_ACTOR, "linked", 5)
    finally:
        store.close()
    with TestClient(app_of(app_root), follow_redirects=False) as client:
        first = client.get("/api/v1/auth/link", params={"token": secret})
        assert first.status_code == 303
        assert first.headers["location"] == "/"
        assert client.get("/api/v1/auth/me").json()["username"] == "linked"
    with TestClient(app_of(app_root), follow_redirects=False) as other:
        again = other.get("/api/v1/auth/link", params={"token": secret})
        assert again.headers["location"] == "/?signin=link-expired"
        assert other.get("/api/v1/auth/me").status_code == 401


def test_admins_manage_accounts_and_tokens(app_root: Path) -> None:
    with signed_in(app_root, "admin.one", ("admin",), "customs") as admin:
        made = admin.post(
            "/api/v1/users",
            json={"username": "new.analyst", "roles": ["analyst"], "agency": "police"},
        )
        assert made.status_code == 201, made.text
        token = made.json()["token"]
        bad = admin.post(
            "/api/v1/users", json={"username": "x!", "roles": ["god"], "agency": "police"}
        )
        assert bad.status_code == 422
        with TestClient(app_of(app_root), headers={"Authorization": f"Bearer {token}"}) as user:
            assert user.get("/api/v1/events", params={"limit": 1}).status_code == 200
            assert admin.patch("/api/v1/users/new.analyst", json={"disabled": True}).json()[
                "disabled"
            ]
            assert user.get("/api/v1/events").status_code == 401
        listed = admin.get("/api/v1/users").json()
        assert "password_hash" not in str(listed)
        assert "new.analyst" in str(listed)


def test_release_references_follow_role_and_agency(app_root: Path) -> None:
    def releases(name: str, roles: tuple[str, ...], agency: str) -> Any:
        with signed_in(app_root, name, roles, agency, raise_server_exceptions=False) as client:
            return client.get("/api/v1/releases", params={"limit": 5})

    assert releases("rel.viewer", ("viewer",), "customs").status_code == 403
    assert releases("rel.navy", ("analyst",), "navy").status_code == 403
    masked = releases("rel.watch", ("watch_officer",), "customs").json()
    assert masked
    assert all(r["masked"] and r["release_id"].startswith("•") for r in masked)
    whole = releases("rel.analyst", ("analyst",), "customs").json()
    assert [r["masked"] for r in whole] == [False] * len(whole)
    assert [r["release_id"][-2:] for r in whole] == [r["release_id"][-2:] for r in masked]
    store = Workspace(app_root).open_store()
    try:
        read = store.audit(AuditQuery(user="rel.analyst", actions=("read",)))
    finally:
        store.close()
    assert read["resource"].to_list() == ["release"]
    assert {r["release_id"] for r in whole} <= set(read["records"][0])


def test_insider_lookups_are_for_security_officers_alone(app_root: Path) -> None:
    with signed_in(app_root, "so.one", ("security_officer",), "customs") as officer:
        alerts = officer.get("/api/v1/alerts", params={"type": "insider_lookup"}).json()["items"]
        events = officer.get("/api/v1/events", params={"type": "insider_lookup"}).json()["items"]
        inbox = officer.get("/api/v1/alerts").json()["items"]
    assert events, "the simulated insider is detected"
    assert {e["subject"]["kind"] for e in events} == {"user"}
    assert {a["type"] for a in inbox} <= {"insider_lookup"}  # nothing of the operational inbox
    assert all(a["confidence"] >= 0.7 for a in alerts)
    with signed_in(
        app_root, "an.one", ("analyst",), "customs", raise_server_exceptions=False
    ) as analyst:
        assert analyst.get("/api/v1/alerts", params={"type": "insider_lookup"}).status_code == 403
        assert analyst.get("/api/v1/events", params={"type": "insider_lookup"}).status_code == 403
        seen = analyst.get("/api/v1/events", params={"limit": 1000}).json()["items"]
        assert "insider_lookup" not in {e["type"] for e in seen}
        listed = analyst.get("/api/v1/alerts", params={"limit": 500}).json()["items"]
        assert "insider_lookup" not in {a["type"] for a in listed}
        if events:
            hidden = analyst.get(f"/api/v1/events/{events[0]['id']}")
            assert hidden.status_code == 404


def test_a_second_factor_is_asked_when_enabled(app_root: Path) -> None:
    import pyotp

    from balise.security.credentials import new_totp_secret

    account_token(app_root, "two.factor", ("analyst",), "navy", password=PASSWORD)
    secret = new_totp_secret()
    store = Workspace(app_root).open_store()
    try:
        store.update_account("two.factor", totp_secret=secret)
    finally:
        store.close()
    body = {"username": "two.factor", "password": PASSWORD}
    with TestClient(app_of(app_root), raise_server_exceptions=False) as client:
        asked = client.post("/api/v1/auth/login", json=body)
        assert asked.status_code == 401
        assert asked.json()["detail"] == "one-time code required"
        wrong = client.post("/api/v1/auth/login", json=body | {"totp": "000000"})
        assert wrong.status_code == 401
        code = pyotp.TOTP(secret).now()
        assert client.post("/api/v1/auth/login", json=body | {"totp": code}).status_code == 200


def test_sharing_opens_the_inbox_to_another_agency_and_is_audited(app_root: Path) -> None:
    with signed_in(app_root, "port.analyst", ("analyst",), "port_authority",
                   raise_server_exceptions=False) as port:  # fmt: skip
        assert port.get("/api/v1/alerts").status_code == 403
        with signed_in(app_root, "cust.analyst", ("analyst",), "customs") as owner:
            refused = port.post(
                "/api/v1/shares",
                json={"resource": "alert", "agency": "port_authority", "reason": "joint operation"},
            )
            assert refused.status_code == 403  # only an owner shares
            shared = owner.post(
                "/api/v1/shares",
                json={"resource": "alert", "agency": "port_authority", "reason": "joint operation"},
            )
            assert shared.status_code == 201, shared.text
            items = port.get("/api/v1/alerts").json()["items"]
            assert items
            # sharing grants reading, not triage
            assert port.post(f"/api/v1/alerts/{items[0]['id']}/acknowledge").status_code == 403
            gone = owner.delete(
                "/api/v1/shares", params={"resource": "alert", "agency": "port_authority"}
            )
            assert gone.status_code == 204
        assert port.get("/api/v1/alerts").status_code == 403
    store = Workspace(app_root).open_store()
    try:
        changes = store.audit(AuditQuery(user="cust.analyst", resource="share"))
    finally:
        store.close()
    assert sorted(changes["detail"]) == [
        "no longer shared with port_authority",
        "shared with port_authority: joint operation",
    ]
