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

    Every route but the health check and sign-in needs an account (`balise users add`, then
    `balise users link NAME` for a browser or the printed token for scripts). Keep the default
    127.0.0.1 unless a TLS reverse proxy in front of it serves the network."""
    workspace, _ = settings_for(ctx)
    if not workspace.store_path.exists():
        raise UsageError(
            f"no Balise workspace at {workspace.root}: ingest data first "
            "(balise ingest ais FILE, or balise demo) or pass --workspace",
            path=str(workspace.root),
        )
    store = workspace.open_store()
    try:
        accounts = len(store.accounts())
    finally:
        store.close()
    if not accounts:
        hint = (
            "no accounts yet: create one with `balise users add NAME --role admin "
            "--agency AGENCY`, then `balise users link NAME` to sign in"
        )
        typer.echo(hint, err=True)
    run_server(workspace.root, host, port)


def run_server(root: Path, host: str, port: int, sign_in: str | None = None) -> None:
    """Serve the workspace at `root` until interrupted."""
    import uvicorn

    from balise.api.app import DOCS_URL, create_app

    app = create_app(root)
    typer.echo(f"serving {root} at http://{host}:{port}/ (API docs: {DOCS_URL})", err=True)
    if sign_in:
        typer.echo(f"open this one-time link to sign in: {sign_in}", err=True)
    uvicorn.run(app, host=host, port=port, log_level="info")
