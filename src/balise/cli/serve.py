"""`balise serve`: the REST API and the web application of a workspace, over HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from balise.cli.context import settings_for
from balise.errors import UsageError


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Interface to listen on (0.0.0.0: every one).")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
) -> None:  # fmt: skip
    """Serve the workspace: the web app at / and the API under /api/v1 (docs: /api/v1/docs).

    The API has no authentication: keep the default 127.0.0.1 unless a proxy in front of it
    controls who connects."""
    workspace, _ = settings_for(ctx)
    if not workspace.store_path.exists():
        raise UsageError(
            f"no Balise workspace at {workspace.root}: ingest data first "
            "(balise ingest ais FILE, or balise demo) or pass --workspace",
            path=str(workspace.root),
        )
    run_server(workspace.root, host, port)


def run_server(root: Path, host: str, port: int) -> None:
    """Serve the workspace at `root` until interrupted."""
    import uvicorn

    from balise.api.app import DOCS_URL, create_app

    app = create_app(root)
    typer.echo(f"serving {root} at http://{host}:{port}/ (API docs: {DOCS_URL})", err=True)
    uvicorn.run(app, host=host, port=port, log_level="info")
