"""The interactive API docs (`/api/v1/docs`): Swagger UI served from the package, never from a
CDN.

The page (`api-docs.html`) and its script are built with the web application (`web/`, Vite)
from npm's `swagger-ui-dist`, pinned with its integrity hash in `web/package-lock.json`, into
`balise/web/static`; the page has no inline script, so the Content-Security-Policy of
`balise.api.defences` holds, and nothing is fetched from another origin (Swagger UI's online
validator is off). FastAPI's own docs route, which loads Swagger UI from a CDN, is turned off
(`docs_url=None`).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Final

from fastapi import FastAPI
from fastapi.responses import FileResponse

from balise.api.problems import ProblemError

DOCS_PAGE: Final = "api-docs.html"


def docs_page() -> Path:
    """Where the built docs page lies in the package."""
    return Path(str(resources.files("balise"))) / "web" / "static" / DOCS_PAGE


def add_api_docs(app: FastAPI, url: str) -> None:
    """Serve the built docs page at `url` (a 404 problem when the web app is not built)."""
    page = docs_page()

    @app.get(url, include_in_schema=False)
    def api_docs() -> FileResponse:
        if not page.is_file():
            raise ProblemError(404, "Not found", "the API docs page is not built (make web)",
                               kind="not-found")  # fmt: skip
        return FileResponse(page, media_type="text/html; charset=utf-8")
