"""The API contract: every error is an RFC 9457 problem, the OpenAPI document is committed as
generated, and schemathesis finds no server error or schema breach on the GET routes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.result import Ok

from api_clients import app_of
from balise.api.app import OPENAPI_URL
from balise.api.openapi import openapi_text

PROBLEM = "application/problem+json"
DOCUMENT = Path(__file__).parents[2] / "docs" / "openapi.json"
METHODS = ("get", "post", "put", "patch", "delete")


def _operations(api: TestClient) -> list[tuple[str, str, dict[str, Any]]]:
    document = api.get(OPENAPI_URL).json()
    return [(path, method, operation) for path, item in document["paths"].items()
            for method, operation in item.items() if method in METHODS]  # fmt: skip


def _typed(schema: dict[str, Any]) -> dict[str, Any] | None:
    """The first non-null alternative of a parameter schema with a type or an enum."""
    for option in [schema, *schema.get("anyOf", [])]:
        if option.get("type") in ("integer", "number", "boolean") or "enum" in option:
            return dict(option)
        if option.get("type") == "array":
            return _typed(option.get("items", {}))
    return None


def _assert_problem(response: Any, request: str) -> dict[str, Any]:
    assert 400 <= response.status_code < 500, (request, response.status_code, response.text)
    assert response.headers["content-type"] == PROBLEM, request
    body: dict[str, Any] = response.json()
    assert isinstance(body["type"], str), request
    assert isinstance(body["title"], str), request
    assert body["status"] == response.status_code, request
    return body


def _url(path: str, operation: dict[str, Any], bad: str | None = None) -> str:
    """`path` with every path parameter filled: `bad` gets "x", the others a plain value."""
    for param in operation.get("parameters", []):
        if param["in"] == "path":
            name = param["name"]
            plain = "0" if _typed(param["schema"]) else "no-such-id"
            path = path.replace("{" + name + "}", "x" if name == bad else plain)
    return path


def test_every_operation_declares_problems(api: TestClient) -> None:
    for path, method, operation in _operations(api):
        for status in ("422", "500"):
            content = operation["responses"][status]["content"]
            assert content == {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}, (
                method, path)  # fmt: skip


def test_invalid_requests_to_every_route_are_problems(api: TestClient) -> None:
    checked = 0
    for path, method, operation in _operations(api):
        request = api.build_request(method.upper(), _url(path, operation))
        for param in operation.get("parameters", []):
            if param["in"] not in ("path", "query") or _typed(param["schema"]) is None:
                continue
            url = _url(path, operation, bad=param["name"] if param["in"] == "path" else None)
            query = {param["name"]: "x"} if param["in"] == "query" else {}
            response = api.request(method.upper(), url, params=query)
            body = _assert_problem(response, f"{method} {url} {query}")
            assert response.status_code == 422
            assert param["name"] in [e.get("name") for e in body["errors"]]
            checked += 1
        if "requestBody" in operation:
            response = api.request(method.upper(), str(request.url), content=b"{not json",
                                   headers={"content-type": "application/json"})  # fmt: skip
            _assert_problem(response, f"{method} {path} (bad body)")
            checked += 1
        elif "{" in path:  # an id that does not exist
            _assert_problem(api.request(method.upper(), str(request.url)), f"{method} {path}")
            checked += 1
    assert checked >= 20


def test_unknown_paths_and_methods_are_problems(api: TestClient) -> None:
    body = _assert_problem(api.get("/api/v1/no-such-thing"), "unknown path")
    assert body["status"] == 404
    assert body["instance"] == "/api/v1/no-such-thing"
    wrong = api.delete("/api/v1/vessels")
    assert _assert_problem(wrong, "wrong method")["status"] == 405
    assert "GET" in wrong.headers["allow"]


def test_a_bug_is_a_500_problem_without_a_trace(world_root: Path, token: str) -> None:
    app = app_of(world_root)

    def boom() -> None:
        raise RuntimeError("secret internals")

    app.add_api_route("/api/v1/boom", boom)
    app.router.routes.insert(0, app.router.routes.pop())  # before the web app's mount at /

    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(app, raise_server_exceptions=False, headers=headers) as client:
        response = client.get("/api/v1/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    assert "secret" not in response.text
    assert "Traceback" not in response.text
    assert response.json()["title"] == "Internal error"


def test_openapi_document_is_committed_as_generated() -> None:
    """If this fails, the API changed: run `python -m balise.api.openapi` (writes
    docs/openapi.json) and review the difference with the change."""
    assert DOCUMENT.exists(), "docs/openapi.json is missing: run python -m balise.api.openapi"
    committed = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    assert committed == json.loads(openapi_text()), (
        "docs/openapi.json differs from the generated document: run python -m balise.api.openapi"
    )


def test_schemathesis_get_routes(world_root: Path, token: str) -> None:
    """Generated requests (valid and invalid) to every GET route, with an API token: never a
    5xx, and every answer one the document declares (status, media type, body schema). Driven
    with hypothesis directly: schemathesis' pytest plugin does not support pytest 9 yet."""
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_asgi(OPENAPI_URL, app_of(world_root), headers=headers)
    operations = []
    for result in schema.include(method="GET").get_all_operations():
        assert isinstance(result, Ok), result
        operations.append(result.ok())
    assert len(operations) >= 8
    checks = [not_a_server_error, status_code_conformance, content_type_conformance,
              response_schema_conformance]  # fmt: skip
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=12, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        def call(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=checks)

        call()
