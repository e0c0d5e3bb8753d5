"""RFC 9457 problem details: every error the API returns is `application/problem+json`.

Routes raise `ProblemError`; the app's handlers turn it (and FastAPI's validation and HTTP errors)
into a problem document: `type` (a URI reference naming the problem), `title` (the same for every
occurrence of the type), `status`, `detail` (this occurrence, in words for the user), `instance`
(the request path) and any extension members (e.g. `errors` for invalid parameters).
"""

from __future__ import annotations

from typing import Any, Final

PROBLEM_JSON: Final = "application/problem+json"
PROBLEM_BASE: Final = "https://balise.invalid/problems/"
"""Problem types are URI references under this base (documented in docs/api.md)."""


class ProblemError(Exception):
    """An error to return as a problem document: `status` (HTTP), `title`, `detail`, and
    extension members; `kind` names the problem type (`<PROBLEM_BASE><kind>`)."""

    def __init__(self, status: int, title: str, detail: str, kind: str | None = None,
                 **extensions: Any) -> None:  # fmt: skip
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail
        self.kind = kind or title.lower().replace(" ", "-")
        self.extensions = extensions

    def document(self, instance: str | None = None) -> dict[str, Any]:
        """The problem document (RFC 9457 §3)."""
        body: dict[str, Any] = {
            "type": PROBLEM_BASE + self.kind,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance is not None:
            body["instance"] = instance
        return body | self.extensions


def not_found(what: str, key: object) -> ProblemError:
    """404 for a resource that does not exist."""
    return ProblemError(404, "Not found", f"no {what} {key}", kind="not-found")
