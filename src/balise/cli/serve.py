"""`balise serve`: the REST API and the web application of a workspace, over HTTP; with
`--listen-ais` (and `--listen-telemetry`), the live listeners too, in the same process, since
DuckDB lets one process write a workspace (`balise.api.live`)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from balise.api.live import Feed
from balise.cli.context import settings_for
from balise.cli.ingest import read_options
from balise.cli.listen import (
    ais_listen_options,
    broker_address,
    live_ais_detection,
    live_cargo_detection,
)
from balise.engine.ais_listener import AisSource, listen_ais, parse_source
from balise.engine.live_detect import LiveDetection
from balise.engine.telemetry_listener import ListenOptions, listen_telemetry
from balise.errors import UsageError
from balise.settings import Settings
from balise.store.base import Store
from balise.workspace import Workspace

stderr = Console(stderr=True)


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Interface to listen on (0.0.0.0: every one).")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    listen_ais: Annotated[
        list[str] | None,
        typer.Option("--listen-ais", help="Also listen to live AIS: tcp:HOST:PORT, udp:PORT or "
                     "serial:DEVICE[:BAUD] (repeatable; as `balise listen ais`)."),
    ] = None,
    listen_telemetry_from: Annotated[
        str | None,
        typer.Option("--listen-telemetry", help="Also listen to container telemetry on an MQTT "
                     "broker, mqtt:HOST:PORT (topic containers/+/telemetry)."),
    ] = None,
) -> None:  # fmt: skip
    """Serve the workspace: the web app at / and the API under /api/v1 (docs: /api/v1/docs).

    Every route but the health check and sign-in needs an account (`balise users add`, then
    `balise users link NAME` for a browser or the printed token for scripts). Keep the default
    127.0.0.1; to serve other machines, put it behind a TLS reverse proxy and list the proxy's
    host name in the setting serve.allowed_hosts (a request for any other Host is refused).

    With --listen-ais, the server also stores live AIS as it arrives, detects and refreshes the
    alerts after each batch, and pushes them to the browsers (GET /api/v1/stream)."""
    sources = tuple(parse_source(text) for text in listen_ais or ())
    broker = _broker(listen_telemetry_from) if listen_telemetry_from else None
    workspace, settings = settings_for(ctx)
    live = bool(sources or broker)
    if not live and not workspace.store_path.exists():
        raise UsageError(
            f"no Balise workspace at {workspace.root}: ingest data first "
            "(balise ingest ais FILE, or balise demo) or pass --workspace",
            path=str(workspace.root),
        )
    store = workspace.open_store(create=live)
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
    feeds = live_feeds(workspace, settings, sources, broker)
    run_server(workspace.root, host, port, feeds=feeds)


def _broker(text: str) -> tuple[str, int]:
    kind, sep, rest = text.partition(":")
    if kind != "mqtt" or not sep:
        raise UsageError(f"--listen-telemetry: expected mqtt:HOST:PORT, got {text!r}", value=text)
    return broker_address(rest)


def _say(text: str) -> None:
    stderr.print(text, highlight=False, markup=False)


def live_feeds(
    workspace: Workspace, settings: Settings, sources: tuple[AisSource, ...],
    broker: tuple[str, int] | None,
) -> list[Feed]:  # fmt: skip
    """The listeners to run inside the server: one AIS listener for every source, and the
    telemetry one; detection and alerts after each AIS batch, the cargo events of each telemetry
    batch's boxes (as `balise listen telemetry` detects them)."""
    feeds: list[Feed] = []
    reading = read_options(settings)
    if sources:
        options = ais_listen_options(settings, sources)
        detection = LiveDetection.of(workspace, settings)

        def ais(store: Store, stop: threading.Event) -> object:
            with live_ais_detection(detection, store, _say) as loop:
                return listen_ais(store, options, reading, loop.wake, stop=stop, log=_say)

        feeds.append(ais)
    if broker is not None:
        mqtt = ListenOptions(
            broker[0], broker[1], batch_seconds=settings["listen.batch_seconds"],
            batch_messages=settings["listen.batch_messages"],
            reconnect_max_s=settings["listen.reconnect_max_seconds"],
        )  # fmt: skip

        def telemetry(store: Store, stop: threading.Event) -> object:
            cargo = live_cargo_detection(workspace, settings, store)
            return listen_telemetry(store, mqtt, reading, cargo, stop=stop, log=_say)

        feeds.append(telemetry)
    return feeds


def run_server(
    root: Path, host: str, port: int, sign_in: str | None = None, feeds: Sequence[Feed] = ()
) -> None:
    """Serve the workspace at `root` until interrupted; a warning on stderr when `host` is not
    a loopback address (the traffic would cross the network in clear). `sign_in` is a one-time
    link to print; `feeds` are live listeners run inside the server."""
    import uvicorn

    from balise.api.app import DOCS_URL, create_app
    from balise.api.defences import is_loopback

    app = create_app(root, bind_host=host, feeds=feeds)
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"serving {root} at http://{shown}:{port}/ (API docs: {DOCS_URL})", err=True)
    if not is_loopback(host):
        typer.echo(f"warning: serving on {host}, reachable from other machines: put it behind a "
                   "TLS reverse proxy, and list the names it is reached by in the setting "
                   "serve.allowed_hosts", err=True)  # fmt: skip
    if sign_in:
        typer.echo(f"open this one-time link to sign in: {sign_in}", err=True)
    # open streams (GET /api/v1/stream) never end by themselves: shutdown cuts them after 5 s
    uvicorn.run(app, host=host, port=port, log_level="info", server_header=False,
                timeout_graceful_shutdown=5)  # fmt: skip
