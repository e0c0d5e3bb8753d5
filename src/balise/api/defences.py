"""The server's own defences, whoever the user is: what a browser on the analyst's machine or a
client on the network can make `balise serve` do without being asked to.

- **Trusted hosts.** A request whose `Host` header names no allowed host gets 400: a web page the
  analyst opens cannot point a name of its own at 127.0.0.1 (DNS rebinding) and read the API.
  Allowed: `localhost`, `127.0.0.1`, `[::1]` (any port), the address `--host` binds to (unless it
  is every interface), and the setting `serve.allowed_hosts`.
- **Cross-site requests.** A POST, PUT, PATCH or DELETE sent by a page of another origin is refused
  (403): its `Origin` (else `Referer`) must be the server's own (scheme, host and port of the
  `Host` it was sent to), and `Sec-Fetch-Site: cross-site` is refused outright. A request with
  neither header comes from a program, not a page, and passes. A body of such a request must be
  JSON (415 otherwise): an HTML form can send `text/plain` to another site without a preflight,
  never `application/json`.
- **Body size.** A body above `serve.max_body_bytes` is refused (413) when `Content-Length` says so,
  and cut off when a chunked body grows past it: bytes are counted as they arrive, never read
  whole first.
- **Headers.** Every response carries a Content-Security-Policy without inline script or any other
  origin, `nosniff`, `no-referrer`, no framing, a same-origin opener and resource policy; API
  responses `Cache-Control: no-store`.

Every refusal is an RFC 9457 problem document like the routes' own. The checks follow the OWASP
Cross-Site Request Forgery Prevention Cheat Sheet (standard headers, Fetch Metadata) and CSV
Injection page; sign-in, sessions and CSRF tokens are a layer of their own, on top of these.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from balise.api.problems import PROBLEM_JSON, ProblemError
from balise.settings import Settings, host_names

LOOPBACK_HOSTS: Final = ("localhost", "127.0.0.1", "[::1]")
"""Always allowed: the names of this machine's loopback interface."""
UNSAFE_METHODS: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_DEFAULT_PORTS: Final = {"http": ":80", "https": ":443", "ws": ":80", "wss": ":443"}

CONTENT_SECURITY_POLICY: Final = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "worker-src 'self' blob:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "object-src 'none'",
))  # fmt: skip
"""No inline script or style element, nothing from another origin. `data:` and `blob:` images
and `blob:` workers are what MapLibre GL makes of its own data."""
SECURITY_HEADERS: Final = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
)


def is_loopback(host: str) -> bool:
    """Whether binding to `host` keeps the server on this machine."""
    bare = host.strip("[]").lower()
    if bare == "localhost":
        return True
    try:
        return ipaddress.ip_address(bare).is_loopback
    except ValueError:
        return False


def _bound_name(bind_host: str) -> str | None:
    """The Host header name of the address `--host` binds to; None for every interface."""
    bare = bind_host.strip().strip("[]").lower()
    if bare in ("", "0.0.0.0", "::"):
        return None
    return f"[{bare}]" if ":" in bare else bare


def _configured(value: Any) -> tuple[str, ...]:
    """`serve.allowed_hosts` as resolved: text from a flag or the environment (already parsed),
    or a TOML array of names."""
    if value is None:
        return ()
    if isinstance(value, str):
        return host_names(value)
    return host_names(",".join(str(item) for item in value))


@dataclass(frozen=True)
class DefencePolicy:
    """What the defences allow: the host names (`*.example.org` for subdomains) and the
    largest body, in bytes."""

    allowed_hosts: frozenset[str]
    max_body_bytes: int

    def allows_host(self, name: str) -> bool:
        if name in self.allowed_hosts:
            return True
        return any(allowed.startswith("*.") and name.endswith(allowed[1:])
                   for allowed in self.allowed_hosts)  # fmt: skip


def defence_policy(
    settings: Settings, bind_host: str | None = None, allowed_hosts: Iterable[str] = ()
) -> DefencePolicy:
    """The policy of a server bound to `bind_host`, with `allowed_hosts` besides the loopback
    names and the setting (tests pass `testserver`, the TestClient's host)."""
    names = {*LOOPBACK_HOSTS, *_configured(settings["serve.allowed_hosts"]),
             *(name.lower() for name in allowed_hosts)}  # fmt: skip
    bound = _bound_name(bind_host) if bind_host else None
    if bound:
        names.add(bound)
    return DefencePolicy(frozenset(names), int(settings["serve.max_body_bytes"]))


def install_defences(
    app: FastAPI, settings: Settings, *, bind_host: str | None = None,
    allowed_hosts: Iterable[str] = (),
) -> None:  # fmt: skip
    """Add the request guard and the security headers to `app`. The headers wrap the whole
    stack, Starlette's own error middleware included, so that the guard's refusals and the 500
    of a bug carry them too."""
    policy = defence_policy(settings, bind_host, allowed_hosts)
    app.state.defences = policy
    app.add_middleware(RequestGuard, policy=policy)
    build = app.build_middleware_stack
    app.build_middleware_stack = lambda: SecurityHeaders(build())  # type: ignore[method-assign]


def _host_name(host_header: str) -> str:
    """The name part of a Host header (`[::1]:8000` → `[::1]`, `Example.org.` → `example.org`)."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    name, colon, port = host.rpartition(":")
    host = name if colon and port.isdigit() else host
    return host.removesuffix(".")


def _origin(scheme: str, netloc: str) -> str:
    """`scheme://host[:port]` in lower case, without userinfo or the scheme's default port."""
    scheme, netloc = scheme.lower(), netloc.lower().rpartition("@")[2]
    default = _DEFAULT_PORTS.get(scheme)
    if default and netloc.endswith(default):
        netloc = netloc.removesuffix(default)
    return f"{scheme}://{netloc}"


def _origin_of(url: str) -> str | None:
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.netloc:
        return None  # `null` (a sandboxed or file page) or garbage
    return _origin(parts.scheme, parts.netloc)


def _shown(text: str) -> str:
    return repr(text if len(text) <= 80 else text[:80] + "…")


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/")
                                            and media.endswith("+json"))  # fmt: skip


def _cross_site(method: str, headers: Headers, own: str) -> ProblemError | None:
    """403 for a page of another site; None when the request is the server's own page's, or
    carries no browser header at all."""
    if headers.get("sec-fetch-site", "").lower() == "cross-site":
        return ProblemError(403, "Cross-site request refused", f"a {method} from another site "
                            "(Sec-Fetch-Site: cross-site) is not accepted",
                            kind="cross-site-request")  # fmt: skip
    said = headers.get("origin") or headers.get("referer")
    if said is None or _origin_of(said) == own:
        return None
    return ProblemError(403, "Cross-site request refused", f"a {method} from {_shown(said)} is "
                        f"not accepted: only pages of {own} may change data",
                        kind="cross-site-request")  # fmt: skip


def _declared_length(headers: Headers) -> int | None:
    text = headers.get("content-length")
    if text is None:
        return None
    if not text.strip().isdigit():
        raise ProblemError(400, "Invalid Content-Length", f"Content-Length {_shown(text)} is not "
                           "a number of bytes", kind="invalid-content-length")  # fmt: skip
    return int(text)


def too_large(limit: int) -> ProblemError:
    return ProblemError(413, "Request body too large", f"the request body is larger than {limit} "
                        "bytes (setting serve.max_body_bytes)", kind="body-too-large",
                        max_body_bytes=limit)  # fmt: skip


def _body_refusal(method: str, headers: Headers, limit: int) -> ProblemError | None:
    declared = _declared_length(headers)
    if declared is not None and declared > limit:
        return too_large(limit)
    has_body = bool(declared) or "transfer-encoding" in headers
    content_type = headers.get("content-type", "")
    if method in UNSAFE_METHODS and has_body and not _is_json(content_type):
        shown = _shown(content_type) if content_type else "none"
        return ProblemError(415, "Unsupported media type", f"the body of a {method} must be JSON "
                            f"(Content-Type: application/json), not {shown}",
                            kind="unsupported-media-type")  # fmt: skip
    return None


def refusal(scope: Scope, policy: DefencePolicy) -> ProblemError | None:
    """Why the request of `scope` is refused before the app sees it, or None."""
    headers = Headers(scope=scope)
    host = headers.get("host", "")
    if not policy.allows_host(_host_name(host)):
        return ProblemError(400, "Host not allowed", f"this server does not answer to the host "
                            f"{_shown(host)}; add it to the setting serve.allowed_hosts",
                            kind="host-not-allowed")  # fmt: skip
    method = scope["method"].upper()
    if method in UNSAFE_METHODS:
        refused = _cross_site(method, headers, _origin(scope.get("scheme", "http"), host))
        if refused is not None:
            return refused
    return _body_refusal(method, headers, policy.max_body_bytes)


async def _send_problem(problem: ProblemError, scope: Scope, receive: Receive,
                        send: Send) -> None:  # fmt: skip
    response = JSONResponse(problem.document(scope.get("path")), status_code=problem.status,
                            media_type=PROBLEM_JSON)  # fmt: skip
    await response(scope, receive, send)


class _BodyTooLarge(Exception):
    """Raised from `receive` when a streamed body passes the limit."""


class RequestGuard:
    """ASGI middleware: the host, cross-site and body checks (`refusal`), then the app with its
    request body counted as it arrives."""

    def __init__(self, app: ASGIApp, policy: DefencePolicy) -> None:
        self.app, self.policy = app, policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            refused = refusal(scope, self.policy)
        except ProblemError as err:
            refused = err
        if refused is not None:
            await _send_problem(refused, scope, receive, send)
            return
        await self._counted(scope, receive, send)

    async def _counted(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The app, its body cut off past the limit: then whatever the app answers to the cut
        body (its error) is dropped, and the client gets 413 instead."""
        limit, received, state = self.policy.max_body_bytes, 0, {"over": False, "started": False}

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    state["over"] = True
                    raise _BodyTooLarge
            return message

        async def guarded(message: Message) -> None:
            if state["over"]:
                return
            state["started"] = state["started"] or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not state["over"]:
                raise
        if state["over"] and not state["started"]:
            await _send_problem(too_large(limit), scope, receive, send)


class SecurityHeaders:
    """ASGI middleware: `SECURITY_HEADERS` on every response, and `Cache-Control: no-store` on
    the API's (unless a route set its own)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = str(scope.get("path", "")).startswith("/api/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS:
                    headers[name] = value
                if api:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, with_headers)
