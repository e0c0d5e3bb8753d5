"""The server's own defences (balise.api.defences): a forged Host, a cross-site form POST and an
oversized body are refused with problem documents; every response carries the security headers;
the API docs page is served from the package, without inline script or another origin."""

from __future__ import annotations

import csv
import http.client
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from anyio.from_thread import start_blocking_portal
from fastapi.testclient import TestClient
from starlette.types import Message

from api_clients import account_token
from balise.api.app import DOCS_URL, create_app
from balise.api.defences import (
    CONTENT_SECURITY_POLICY,
    DefencePolicy,
    RequestGuard,
    is_loopback,
)
from balise.errors import SettingError
from balise.model.events import EVENT_SCHEMA, event_id, to_json
from balise.store.duckdb import DuckDBStore
from balise.workspace import STORE_FILE
from helpers import TEST_HOSTS, problem
from local_server import served

T0 = datetime(2024, 3, 1, tzinfo=UTC)
GAP = {
    "id": event_id("ais_gap", 111, T0.isoformat()), "type": "ais_gap", "start": T0,
    "end": T0 + timedelta(hours=14), "lat": 10.0, "lon": -30.0, "mmsi": 111,
    "other_mmsi": None, "confidence": 0.8, "score": None, "params": "{}",
    "evidence": to_json({"likely_intentional": True}), "status": "active",
}  # fmt: skip
ACKNOWLEDGE = f"/api/v1/alerts/{GAP['id']}/acknowledge"
FORM_BODY = b'{"note": "x", "ignored": "='
"""What an HTML form with `enctype=text/plain` sends: no preflight, JSON-looking text."""
TEXT_PLAIN = {"content-type": "text/plain"}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    store = DuckDBStore(tmp_path / STORE_FILE)
    store.save_events(pl.DataFrame([GAP], schema=EVENT_SCHEMA), ["ais_gap"])
    store.close()
    return tmp_path


@pytest.fixture
def client(root: Path) -> Iterator[TestClient]:
    with TestClient(
        headers=_auth(root), app=create_app(root, allowed_hosts=TEST_HOSTS)
    ) as test_client:
        yield test_client


def _auth(root: Path) -> dict[str, str]:
    """A tester's token: the defences are checked on signed-in requests."""
    return {"Authorization": f"Bearer {account_token(root)}"}


def _state(client: TestClient) -> str:
    state: str = client.get(f"/api/v1/alerts/{GAP['id']}").json()["state"]
    return state


# -- trusted hosts -------------------------------------------------------------------------


def test_a_forged_host_is_refused(client: TestClient) -> None:
    for host in ("evil.example", "127.0.0.1.evil.example", "localhost.evil.example:8000", ""):
        body = problem(client.get("/api/v1/alerts", headers={"host": host}), 400)
        assert body["type"].endswith("/host-not-allowed"), host
        assert "serve.allowed_hosts" in body["detail"]


def test_loopback_names_are_allowed_on_any_port(client: TestClient) -> None:
    for host in ("localhost", "localhost:8000", "127.0.0.1:1234", "[::1]:8000", "LOCALHOST."):
        assert client.get("/api/v1/alerts", headers={"host": host}).status_code == 200, host


def test_the_test_host_is_not_allowed_in_production(root: Path) -> None:
    with TestClient(headers=_auth(root), app=create_app(root)) as plain:
        problem(plain.get("/api/v1/alerts"), 400)


def test_the_bound_host_and_the_setting_are_allowed(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BALISE_SERVE_ALLOWED_HOSTS", "balise.example.org, *.navy.example")
    with TestClient(headers=_auth(root), app=create_app(root, bind_host="10.1.2.3")) as client:
        for host in ("10.1.2.3:8000", "balise.example.org", "ops.navy.example"):
            assert client.get("/api/v1/alerts", headers={"host": host}).status_code == 200, host
        for host in ("navy.example", "example.org", "10.1.2.4"):
            problem(client.get("/api/v1/alerts", headers={"host": host}), 400)


def test_binding_every_interface_allows_no_host_of_its_own(root: Path) -> None:
    with TestClient(headers=_auth(root), app=create_app(root, bind_host="0.0.0.0")) as client:
        problem(client.get("/api/v1/alerts", headers={"host": "0.0.0.0:8000"}), 400)
        assert client.get("/api/v1/alerts", headers={"host": "127.0.0.1"}).status_code == 200


def test_allowed_hosts_in_balise_toml(root: Path) -> None:
    (root / "balise.toml").write_text('[serve]\nallowed_hosts = ["balise.example.org"]\n')
    with TestClient(headers=_auth(root), app=create_app(root)) as client:
        response = client.get("/api/v1/alerts", headers={"host": "balise.example.org"})
        assert response.status_code == 200


def test_a_url_is_not_a_host_name(root: Path) -> None:
    (root / "balise.toml").write_text('[serve]\nallowed_hosts = "https://balise.example.org"\n')
    with pytest.raises(SettingError, match="not a host name"):
        create_app(root)


def test_loopback_addresses() -> None:
    assert all(map(is_loopback, ("127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost")))
    assert not any(map(is_loopback, ("0.0.0.0", "::", "10.0.0.1", "balise.example.org")))


# -- cross-site requests ---------------------------------------------------------------------


def test_a_cross_site_form_post_does_not_acknowledge(client: TestClient) -> None:
    evil = {"origin": "http://evil.example"}
    response = client.post(ACKNOWLEDGE, content=FORM_BODY, headers=TEXT_PLAIN | evil)
    body = problem(response, 403)
    assert body["type"].endswith("/cross-site-request")
    assert "evil.example" in body["detail"]
    assert _state(client) == "open"


def test_a_text_plain_body_is_refused_even_without_origin(client: TestClient) -> None:
    body = problem(client.post(ACKNOWLEDGE, content=FORM_BODY, headers=TEXT_PLAIN), 415)
    assert "text/plain" in body["detail"]
    assert _state(client) == "open"


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "http://evil.example"},
        {"origin": "null"},  # a sandboxed frame or a file
        {"origin": "https://testserver"},  # another scheme is another origin
        {"origin": "http://testserver:8080"},
        {"referer": "http://evil.example/page.html"},
        {"sec-fetch-site": "cross-site"},
        {"origin": "http://testserver", "sec-fetch-site": "cross-site"},
    ],
)
def test_unsafe_methods_from_another_origin_are_refused(
    client: TestClient, headers: dict[str, str]
) -> None:
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        response = client.request(method, ACKNOWLEDGE, json={"note": "x"}, headers=headers)
        problem(response, 403)
    assert _state(client) == "open"


def test_the_servers_own_page_and_programs_may_post(client: TestClient) -> None:
    own = {"origin": "http://testserver", "sec-fetch-site": "same-origin"}
    response = client.post(ACKNOWLEDGE, json={"note": "seen"}, headers=own)
    assert response.status_code == 200, response.text
    response = client.post(f"/api/v1/alerts/{GAP['id']}/reopen", json={},
                           headers={"referer": "http://testserver/?vessel=111"})  # fmt: skip
    assert response.status_code == 200, response.text
    # a program (curl, a script) sends neither header; no body needs no media type
    assert client.post(ACKNOWLEDGE).status_code == 200
    assert _state(client) == "acknowledged"


def test_safe_methods_from_another_origin_pass(client: TestClient) -> None:
    """Reading is protected by the Host check and the browser's same-origin policy, not here."""
    response = client.get("/api/v1/alerts", headers={"origin": "http://evil.example"})
    assert response.status_code == 200


def test_json_media_types_are_accepted(client: TestClient) -> None:
    reopen = f"/api/v1/alerts/{GAP['id']}/reopen"
    for path, media in ((ACKNOWLEDGE, "application/json; charset=utf-8"),
                        (reopen, "application/merge-patch+json")):  # fmt: skip
        response = client.post(path, content=b"{}", headers={"content-type": media})
        assert response.status_code == 200, (media, response.text)


# -- body size -------------------------------------------------------------------------------


def test_a_declared_oversized_body_is_refused(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BALISE_SERVE_MAX_BODY_BYTES", "1000")
    with TestClient(headers=_auth(root), app=create_app(root, allowed_hosts=TEST_HOSTS)) as client:
        note = {"note": "x" * 2000}
        body = problem(client.post(ACKNOWLEDGE, json=note), 413)
        assert body["max_body_bytes"] == 1000
        assert "serve.max_body_bytes" in body["detail"]
        assert _state(client) == "open"
        assert client.post(ACKNOWLEDGE, json={"note": "x" * 500}).status_code == 200


def test_the_default_limit_is_one_mebibyte(client: TestClient) -> None:
    big = b'{"note": "' + b"x" * (1 << 20) + b'"}'
    problem(client.post(ACKNOWLEDGE, content=big, headers={"content-type": "application/json"}),
            413)  # fmt: skip


def test_an_invalid_content_length_is_refused(client: TestClient) -> None:
    problem(client.get("/api/v1/alerts", headers={"content-length": "lots"}), 400)


def _chunks(count: int, size: int) -> tuple[list[int], Any]:
    """An ASGI `receive` giving `count` chunks of `size` bytes, and the number pulled so far."""
    pulled = [0]

    async def receive() -> Message:
        pulled[0] += 1
        more = pulled[0] < count
        return {"type": "http.request", "body": b"x" * size, "more_body": more}

    return pulled, receive


async def _reads_everything(scope: Any, receive: Any, send: Any) -> None:
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"read"})


async def _run_guard(count: int, size: int, limit: int) -> tuple[int, list[Message]]:
    guard = RequestGuard(_reads_everything, DefencePolicy(frozenset({"localhost"}), limit))
    pulled, receive = _chunks(count, size)
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/api/v1/zones", "scheme": "http",
             "headers": [(b"host", b"localhost"), (b"content-type", b"application/json"),
                         (b"transfer-encoding", b"chunked")]}  # fmt: skip
    await guard(scope, receive, send)
    return pulled[0], sent


def test_a_chunked_body_is_cut_off_as_it_streams() -> None:
    # an event loop of its own, in a thread: the browser tests' Playwright may hold this one's
    with start_blocking_portal() as portal:
        pulled, sent = portal.call(_run_guard, 1000, 1024, 10 * 1024)
        assert pulled == 11  # stopped at the chunk that passed 10 KiB, not after 1000
        assert sent[0]["status"] == 413
        assert b"body-too-large" in sent[1]["body"]
        assert len(sent) == 2  # the app's own answer to the cut body was dropped

        pulled, sent = portal.call(_run_guard, 10, 1024, 10 * 1024)
        assert (pulled, sent[0]["status"], sent[1]["body"]) == (10, 200, b"read")


def test_a_chunked_body_over_http_is_refused(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through uvicorn, as `balise serve` runs: a chunked zone import growing past the limit."""
    monkeypatch.setenv("BALISE_SERVE_MAX_BODY_BYTES", "65536")
    with served(create_app(root, bind_host="127.0.0.1")) as url:
        port = int(url.rsplit(":", 1)[1])
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        chunks = (b" " * 8192 for _ in range(64))  # 512 KiB of JSON whitespace
        connection.request("POST", "/api/v1/zones/import", body=chunks, encode_chunked=True,
                           headers={"content-type": "application/json"})  # fmt: skip
        response = connection.getresponse()
        assert response.status == 413
        assert response.getheader("content-type") == "application/problem+json"
        assert b"body-too-large" in response.read()
        connection.close()


# -- security headers ------------------------------------------------------------------------

EXPECTED = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}


def test_every_response_carries_the_security_headers(client: TestClient) -> None:
    answers = {
        "api": client.get("/api/v1/alerts"),
        "problem": client.get("/api/v1/no-such-thing"),
        "refusal": client.get("/api/v1/alerts", headers={"host": "evil.example"}),
        "web app": client.get("/"),
        "docs": client.get(DOCS_URL),
    }
    for name, response in answers.items():
        for header, value in EXPECTED.items():
            assert response.headers.get(header) == value, (name, header)
    for name in ("api", "problem", "refusal", "docs"):
        assert answers[name].headers["cache-control"] == "no-store", name


def test_a_bug_carries_the_security_headers_too(root: Path) -> None:
    app = create_app(root, allowed_hosts=TEST_HOSTS)

    def boom() -> None:
        raise RuntimeError("internals")

    app.add_api_route("/api/v1/boom", boom)
    app.router.routes.insert(0, app.router.routes.pop())  # before the web app's mount at /
    with TestClient(app, raise_server_exceptions=False, headers=_auth(root)) as client:
        response = client.get("/api/v1/boom")
    assert response.status_code == 500
    for header, value in EXPECTED.items():
        assert response.headers.get(header) == value, header
    assert response.headers["cache-control"] == "no-store"


def test_the_policy_allows_no_inline_script_and_no_other_origin() -> None:
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY
    assert not re.search(r"https?:|\*", CONTENT_SECURITY_POLICY)


# -- pages: no inline script, nothing from elsewhere -----------------------------------------


class _Page(HTMLParser):
    """The scripts, styles and links of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if "style" in found or any(name.startswith("on") for name in found):
            self.inline.append(f"<{tag}> attribute")
        self.urls += [found[a] or "" for a in ("src", "href") if a in found]
        self._in_script = tag == "script"
        if tag == "style":
            self.inline.append("<style>")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline.append("<script> content")


def _page(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    return page


@pytest.mark.parametrize("path", ["/", DOCS_URL])
def test_pages_load_only_their_own_assets(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = _page(response.text)
    assert page.inline == []
    assert page.urls, "the page loads its script and style"
    for url in page.urls:
        if url.startswith("data:"):
            continue
        assert url.startswith("/"), url
        assert not url.startswith("//"), url
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert asset.content, url


def test_the_docs_page_is_swagger_ui_on_the_api_document(client: TestClient) -> None:
    page = _page(client.get(DOCS_URL).text)
    scripts = [client.get(url).text for url in page.urls if url.endswith(".js")]
    assert any("/api/v1/openapi.json" in script for script in scripts)
    assert any("swagger-ui" in script.lower() for script in scripts)
    assert "cdn.jsdelivr.net" not in client.get(DOCS_URL).text


# -- exports ---------------------------------------------------------------------------------


def test_a_formula_in_a_note_is_exported_as_text(client: TestClient) -> None:
    formula = '=HYPERLINK("http://evil","x")'
    response = client.post(ACKNOWLEDGE, json={"note": formula})
    assert response.status_code == 200, response.text
    export = client.get("/api/v1/exports/alerts.csv")
    assert export.status_code == 200
    alert = next(csv.DictReader(io.StringIO(export.text)))
    assert alert["note"] == "'" + formula
    assert alert["updated_by"] == "tester"
    assert alert["lon"] == "-30.0"  # a number, not text
