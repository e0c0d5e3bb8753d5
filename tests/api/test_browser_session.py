"""The browser's session as the web application uses it: sign in with a password, the session
and CSRF cookies, changes only with the CSRF header, sign out."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from api_clients import account_token, app_of

PASSWORD = "tide-chart-9-lanterns"


def test_a_session_signs_in_changes_with_its_csrf_token_and_signs_out(tmp_path: Path) -> None:
    account_token(tmp_path, "officer", ("analyst",), "customs", password=PASSWORD)
    with TestClient(app_of(tmp_path)) as client:
        assert client.get("/api/v1/auth/me").status_code == 401
        body = {"username": "officer", "password": PASSWORD}
        signed = client.post("/api/v1/auth/login", json=body)
        assert signed.status_code == 200
        assert signed.json()["can"]["zone"] == ["read", "change"]
        cookies = {c.split("=", 1)[0]: c for c in signed.headers.get_list("set-cookie")}
        assert "httponly" in cookies["balise_session"].lower()
        assert "samesite=strict" in cookies["balise_session"].lower()
        assert "httponly" not in cookies["balise_csrf"].lower()
        assert client.get("/api/v1/auth/me").json()["via"] == "session"
        refused = client.post("/api/v1/auth/logout")
        assert refused.status_code == 403
        assert refused.json()["type"].endswith("csrf")
        csrf = {"X-CSRF-Token": client.cookies["balise_csrf"]}
        assert client.post("/api/v1/auth/logout", headers=csrf).status_code == 204
        assert client.get("/api/v1/auth/me").status_code == 401


def test_a_wrong_password_is_refused_with_a_problem(tmp_path: Path) -> None:
    account_token(tmp_path, "officer", ("analyst",), "customs", password=PASSWORD)
    with TestClient(app_of(tmp_path)) as client:
        body = {"username": "officer", "password": "not-the-password"}
        refused = client.post("/api/v1/auth/login", json=body)
        assert refused.status_code == 401
        assert refused.json()["detail"] == "unknown account or wrong password"
        assert "balise_session" not in client.cookies
