"""The `balise serve` application: the REST API under `/api/v1` and the web app at `/`.

Every error is an RFC 9457 problem document (`application/problem+json`): the routes' own
`ProblemError`s, invalid parameters (422, with an `errors` member naming each one), unknown paths
(404), wrong methods (405) and any bug (500, logged here, never a stack trace to the client).
The OpenAPI document declares those responses with one `Problem` schema, so that clients and
the contract tests can rely on the shape.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any, Final

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from balise import __version__
from balise.alerts.rules import alert_rules
from balise.api import routers
from balise.api.auth import PUBLIC_ROUTES, authenticate
from balise.api.defences import install_defences
from balise.api.docs_page import add_api_docs
from balise.api.fleet import FleetCache
from balise.api.live import Feed, LiveFeeds
from balise.api.problems import PROBLEM_JSON, ProblemError
from balise.api.routers.auth import Limiter
from balise.security.auth_params import auth_params
from balise.workspace import Workspace

log = logging.getLogger("balise.api")

API_PREFIX: Final = "/api/v1"
OPENAPI_URL: Final = f"{API_PREFIX}/openapi.json"
DOCS_URL: Final = f"{API_PREFIX}/docs"
DESCRIPTION: Final = """Vessels, their tracks and dossiers, behaviour events and the alert inbox
of a Balise workspace. Scores are **risk indicators, not proof**: every score comes with its
reasons and every event type with its definition (`/api/v1/event-types`).

Errors are RFC 9457 problem details (`application/problem+json`). Lists are paginated with an
opaque `cursor` (`next` in the body and a `Link: <...>; rel="next"` header)."""

PROBLEM_SCHEMA: Final[dict[str, Any]] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; extension members may follow (e.g. `errors`).",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "description": "URI reference naming the problem type."},
        "title": {"type": "string", "description": "Short summary of the problem type."},
        "status": {"type": "integer", "description": "The HTTP status code."},
        "detail": {"type": "string", "description": "This occurrence, in words."},
        "instance": {"type": "string", "description": "The request path."},
        "errors": {
            "type": "array",
            "description": "Invalid parameters: where (`in`, `name` or `pointer`) and why.",
            "items": {"type": "object", "additionalProperties": True},
        },
    },
    "additionalProperties": True,
}
STANDARD_PROBLEMS: Final = {"422": "Invalid parameters or body", "500": "Internal error"}
AUTH_PROBLEMS: Final = {"401": "Not signed in (no valid session or token)",
                        "403": "Not allowed by the access policy, or a session's change "
                        "without its CSRF token"}  # fmt: skip
SECURITY_SCHEMES: Final = {
    "token": {"type": "http", "scheme": "bearer",
              "description": "An API token (`balise users token NAME`)."},
    "session": {"type": "apiKey", "in": "cookie", "name": "balise_session",
                "description": "The browser session set by sign-in; its changes also need "
                "the `X-CSRF-Token` header (the `balise_csrf` cookie)."},
}  # fmt: skip
_HTTP_TITLES: Final = {404: "Not found", 405: "Method not allowed"}


def _problem_response(problem: ProblemError, request: Request) -> JSONResponse:
    headers = dict(problem.extensions.pop("headers", None) or {})
    if "allow" in problem.extensions:
        headers["Allow"] = problem.extensions.pop("allow")
    return JSONResponse(
        problem.document(request.url.path),
        status_code=problem.status,
        media_type=PROBLEM_JSON,
        headers=headers or None,
    )


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return _problem_response(ProblemError(exc.status, exc.title, exc.detail, exc.kind,
                                          **exc.extensions), request)  # fmt: skip


def _invalid_parameter(error: Any) -> dict[str, Any]:
    """One entry of `errors`: where the bad value is (RFC 9457 §3's example uses `pointer` for
    bodies) and why, without echoing long inputs back."""
    location = [str(part) for part in error.get("loc", ())]
    where = location[0] if location else "request"
    entry: dict[str, Any] = {"in": where, "detail": str(error.get("msg", "invalid"))}
    if where == "body":
        entry["pointer"] = "#/" + "/".join(location[1:])
    else:  # a parameter; a repeated one also says which value (`type=a&type=b`: item 1)
        entry["name"] = location[1] if len(location) > 1 else where
        if len(location) > 2:
            entry["item"] = ".".join(location[2:])
    return entry


async def _on_invalid(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [_invalid_parameter(e) for e in exc.errors()]
    names = ", ".join(sorted({e.get("name") or e.get("pointer", "") for e in errors}))
    problem = ProblemError(422, "Invalid parameters", f"invalid: {names}",
                           kind="invalid-parameters", errors=errors)  # fmt: skip
    return _problem_response(problem, request)


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    title = _HTTP_TITLES.get(exc.status_code, "HTTP error")
    detail = exc.detail if isinstance(exc.detail, str) else title
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no resource at {request.url.path}"
    extensions: dict[str, Any] = {}
    if exc.headers and "allow" in {k.lower() for k in exc.headers}:
        extensions["allow"] = next(v for k, v in exc.headers.items() if k.lower() == "allow")
    kind = title.lower().replace(" ", "-")
    problem = ProblemError(exc.status_code, title, detail, kind=kind, **extensions)
    return _problem_response(problem, request)


async def _on_bug(request: Request, exc: Exception) -> JSONResponse:
    # Starlette re-raises the exception after this response, for the server to log its trace
    log.error("internal error on %s %s: %r", request.method, request.url.path, exc)
    problem = ProblemError(500, "Internal error", "the server failed to answer this request; "
                           "the error is in its log", kind="internal-error")  # fmt: skip
    return _problem_response(problem, request)


def _router_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(routers.__path__) if not m.ispkg)


def _include_routers(app: FastAPI) -> None:
    for name in _router_modules():
        module = importlib.import_module(f"{routers.__name__}.{name}")
        router = getattr(module, "router", None)
        if router is not None:
            app.include_router(router)


def _problem_content() -> dict[str, Any]:
    return {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def problem_openapi(document: dict[str, Any]) -> dict[str, Any]:
    """`document` with every error response (4xx, 5xx) as a `Problem` in
    `application/problem+json`, 422 and 500 declared on every operation, and FastAPI's own
    validation-error schemas (which the API never returns) removed."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Problem"] = PROBLEM_SCHEMA
    document["components"]["securitySchemes"] = SECURITY_SCHEMES
    document["security"] = [{"token": []}, {"session": []}]
    for route, path in document.get("paths", {}).items():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            problems = dict(STANDARD_PROBLEMS)
            if route in PUBLIC_ROUTES:
                operation["security"] = []
            else:
                problems |= AUTH_PROBLEMS
            for status, description in problems.items():
                responses.setdefault(status, {"description": description})
            for status, response in responses.items():
                if status[0] in "45":
                    response["content"] = _problem_content()
    return document


def _openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version,
                                   description=app.description, routes=app.routes)  # fmt: skip
            app.openapi_schema = problem_openapi(document)
        return app.openapi_schema

    return build


def _mount_web(app: FastAPI) -> None:
    """The built web app when the package ships it, else a pointer to the API docs."""
    static = Path(str(resources.files("balise"))) / "web" / "static"
    if (static / "index.html").is_file():
        app.mount("/", StaticFiles(directory=static, html=True), name="web")
        return

    @app.get("/", include_in_schema=False)
    def root() -> dict[str, str]:
        return {"name": "balise", "version": __version__, "docs": DOCS_URL,
                "openapi": OPENAPI_URL, "web": "not built (make web)"}  # fmt: skip


def api_app(lifespan: Any = None) -> FastAPI:
    """The application without a workspace: routes, problem handlers and the OpenAPI document
    (what `python -m balise.api.openapi` writes); `create_app` adds the store."""
    app = FastAPI(title="Balise API", version=__version__, description=DESCRIPTION,
                  openapi_url=None, docs_url=None, redoc_url=None, lifespan=lifespan,
                  dependencies=[Depends(authenticate)])  # fmt: skip
    app.add_exception_handler(ProblemError, _on_problem)
    app.add_exception_handler(RequestValidationError, _on_invalid)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(Exception, _on_bug)
    _include_routers(app)
    add_api_docs(app, DOCS_URL)  # Swagger UI from the package, not FastAPI's CDN page
    app.openapi = _openapi(app)  # type: ignore[method-assign]

    @app.get(OPENAPI_URL, include_in_schema=False)
    def openapi_document() -> JSONResponse:
        return JSONResponse(app.openapi())

    app.state.auth_params = auth_params({})
    app.state.sign_in_limiter = Limiter()
    return app


def create_app(
    workspace_root: Path, *, bind_host: str | None = None, allowed_hosts: Iterable[str] = (),
    feeds: Sequence[Feed] = (),
) -> FastAPI:  # fmt: skip
    """The application over the workspace at `workspace_root`; its store is opened now, so a
    missing workspace is a `WorkspaceError` before any request, and closed at shutdown.
    `bind_host` (the address served on) and `allowed_hosts` are Host names it answers to besides
    localhost and the setting `serve.allowed_hosts` (`balise.api.defences`). `feeds` are live
    listeners run from start to shutdown on the app's store (`balise.api.live`)."""
    workspace = Workspace(workspace_root)
    store = workspace.open_store(create=bool(feeds))
    live = LiveFeeds(feeds)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.store is None:  # served again after a shutdown (tests)
            app.state.store = workspace.open_store()
        live.start(app.state.store)
        try:
            yield
        finally:
            live.close()
            app.state.store.close()
            app.state.store = None

    app = api_app(lifespan)
    app.state.store = store
    app.state.workspace = workspace
    values = workspace.settings().values
    app.state.alert_rules = alert_rules(values)
    app.state.auth_params = auth_params(values)
    app.state.fleet = FleetCache()
    install_defences(app, workspace.settings(), bind_host=bind_host, allowed_hosts=allowed_hosts)
    _mount_web(app)
    return app
