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
    127.0.0.1; to serve other machines, put it behind a TLS reverse proxy and list the proxy's
    host name in the setting serve.allowed_hosts (a request for any other Host is refused)."""
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
    """Serve the workspace at `root` until interrupted; a warning on stderr when `host` is not
    a loopback address (the traffic would cross the network in clear). `sign_in` is a one-time
    link to print."""
    import uvicorn

    from balise.api.app import DOCS_URL, create_app
    from balise.api.defences import is_loopback

    app = create_app(root, bind_host=host)
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"serving {root} at http://{shown}:{port}/ (API docs: {DOCS_URL})", err=True)
    if not is_loopback(host):
        typer.echo(f"warning: serving on {host}, reachable from other machines: put it behind a "
                   "TLS reverse proxy, and list the names it is reached by in the setting "
                   "serve.allowed_hosts", err=True)  # fmt: skip
    if sign_in:
        typer.echo(f"open this one-time link to sign in: {sign_in}", err=True)
    uvicorn.run(app, host=host, port=port, log_level="info", server_header=False)
