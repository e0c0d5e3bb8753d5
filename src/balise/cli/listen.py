"""`balise listen ais --tcp HOST:PORT --udp PORT --serial DEVICE`: store raw NMEA from receivers
and aggregators as it arrives, detecting and alerting after each batch (see
`balise.engine.ais_listener`); `balise listen telemetry --mqtt HOST:PORT --topic FILTER`: store
smart-container telemetry from an MQTT broker (see `balise.engine.telemetry_listener`). Both run
until Ctrl-C (or SIGTERM), `--max-messages` or `--duration`, then print what the session stored.

The workspace's store is held open for writing while listening: DuckDB lets one process write a
file, so `balise serve` cannot run on the same workspace meanwhile; `balise serve --listen-ais`
runs the listener inside the server instead.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Annotated

import polars as pl
import typer
from rich.console import Console

from balise.alerts.rules import alert_rules
from balise.cargo.params import cargo_params
from balise.cli import HELP_MARKUP
from balise.cli.context import settings_for
from balise.cli.ingest import SummaryFormat, read_options
from balise.cli.output import print_table
from balise.cli.users import operator
from balise.engine.accounts import audit_entry
from balise.engine.ais_listener import (
    AisListenOptions,
    AisListenSummary,
    AisSource,
    listen_ais,
    serial_source,
    tcp_source,
    udp_source,
)
from balise.engine.assess import reassess_vessels
from balise.engine.cargo import run_cargo_live
from balise.engine.detect import default_geography
from balise.engine.live_detect import DetectionLoop, LiveDetection, LiveRun
from balise.engine.telemetry_listener import ListenOptions, ListenSummary, listen_telemetry
from balise.errors import UsageError
from balise.settings import Settings
from balise.store.base import Store
from balise.workspace import Workspace

app = typer.Typer(
    rich_markup_mode=HELP_MARKUP, help="Store live data as it arrives.", no_args_is_help=True
)
stderr = Console(stderr=True)


def broker_address(text: str) -> tuple[str, int]:
    """`HOST:PORT` (`[::1]:1883` for IPv6; port 1883 when left out) as host and port."""
    text = text.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest.removeprefix(":") if rest.startswith(":") else (rest or "1883")
    elif text.count(":") == 1:
        host, port = text.split(":")
    else:
        host, port = text, "1883"
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(f"--mqtt: expected HOST:PORT, got {text!r}", value=text)
    return host, int(port)


@contextmanager
def _stopped_by_signals(stop: threading.Event) -> Iterator[None]:
    """SIGINT and SIGTERM set `stop` (the listener then stores what it holds) instead of
    killing the process; the former handlers come back afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _: FrameType | None) -> None:
        stop.set()

    former = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, previous in former.items():
            signal.signal(sig, previous)


def _print_summary(summary: ListenSummary, output: SummaryFormat) -> None:
    if output is SummaryFormat.json:
        sys.stdout.write(json.dumps(summary.as_dict()) + "\n")
        return
    rows = [
        (key, f"{getattr(summary, key):,}")
        for key in ("messages", "stored", "duplicates", "batches", "connections")
    ]
    for group in ("quarantined", "cleared"):
        tally = getattr(summary, group)
        rows.extend((f"{group}: {key}", f"{n:,}") for key, n in sorted(tally.items()))
    print_table(f"{summary.source} ({summary.seconds:.1f} s)", rows, ("", "count"))


def live_cargo_detection(
    workspace: Workspace, settings: Settings, store: Store
) -> Callable[[pl.DataFrame], None]:
    """The callback detecting the cargo events of each stored batch's boxes (the geography is
    built once, from the workspace's cache), scoring again the vessels they name and refreshing
    the alerts. A batch whose detection fails is said on stderr and listening goes on: its
    readings are stored, and `balise detect` runs the rules again."""
    geo = default_geography(workspace.cache_dir, tuple(workspace.zones().zones))
    params, rules = cargo_params(settings.values), alert_rules(settings.values)

    def reassess(mmsis: frozenset[int]) -> None:
        reassess_vessels(store, workspace.root, mmsis, params.risk)

    def detect(readings: pl.DataFrame) -> None:
        try:
            changes = run_cargo_live(store, params, geo, readings, rules, reassess)
        except Exception as err:  # the readings are stored: detection failing must not stop it
            stderr.print(f"cargo detection failed on a batch, listening on: {err}",
                         highlight=False)  # fmt: skip
            return
        if changes.new or changes.revised:
            stderr.print(f"cargo events: {changes.new} new, {changes.revised} revised",
                         highlight=False)  # fmt: skip

    return detect


@app.command("telemetry")
def listen_telemetry_command(
    ctx: typer.Context,
    mqtt: Annotated[str, typer.Option("--mqtt", help="Broker as HOST:PORT (port 1883 if none).")],
    topic: Annotated[
        str, typer.Option(help="Topic filter; its + level names the container.")
    ] = "containers/+/telemetry",
    qos: Annotated[int, typer.Option(min=0, max=2, help="Subscription QoS.")] = 1,
    client_id: Annotated[
        str | None,
        typer.Option(
            help="MQTT client id; given, the session is persistent (the broker keeps "
            "messages while Balise is away)."
        ),
    ] = None,
    batch_seconds: Annotated[
        float | None, typer.Option(help="Store at least this often, s (listen.batch_seconds).")
    ] = None,
    batch_messages: Annotated[
        int | None, typer.Option(help="Most messages per batch (listen.batch_messages).")
    ] = None,
    max_messages: Annotated[
        int | None, typer.Option(min=1, help="Stop after this many messages.")
    ] = None,
    duration: Annotated[
        float | None, typer.Option(min=0, help="Stop after this many seconds.")
    ] = None,
    container_from_topic: Annotated[
        bool, typer.Option(help="The topic's + level is the container number.")
    ] = True,
    detect: Annotated[
        bool,
        typer.Option(
            help="After each batch, detect the cargo events of its boxes and refresh the alerts."
        ),
    ] = True,
    output: Annotated[SummaryFormat, typer.Option("--format", help="Summary format.")] = (
        SummaryFormat.table
    ),
) -> None:
    """Listen to smart-container telemetry on an MQTT broker and store it as it arrives
    (JSON objects: container_number, time, lat, lon, door_open, ...), detecting the cargo events
    of the boxes it is about as it goes; Ctrl-C stops."""
    flags = {"listen.batch_seconds": batch_seconds, "listen.batch_messages": batch_messages}
    workspace, settings = settings_for(ctx, **flags)
    host, port = broker_address(mqtt)
    options = ListenOptions(
        host, port, topic, qos, client_id,
        batch_seconds=settings["listen.batch_seconds"],
        batch_messages=settings["listen.batch_messages"],
        max_messages=max_messages, duration_s=duration,
        reconnect_max_s=settings["listen.reconnect_max_seconds"],
        container_from_topic=container_from_topic,
    )  # fmt: skip
    stop = threading.Event()
    store = workspace.open_store(create=True)
    try:
        on_batch = live_cargo_detection(workspace, settings, store) if detect else None
        with _stopped_by_signals(stop):
            summary = listen_telemetry(
                store, options, read_options(settings), on_batch, stop=stop, log=stderr.print
            )
        entry = audit_entry(operator("listen"), "change", "telemetry", [options.source],
                            summary.stored, f"{summary.messages} messages")  # fmt: skip
        store.append_audit([entry])
    finally:
        store.close()
    _print_summary(summary, output)


def _print_ais_summary(summary: AisListenSummary, output: SummaryFormat) -> None:
    if output is SummaryFormat.json:
        sys.stdout.write(json.dumps(summary.as_dict()) + "\n")
        return
    keys = ("lines", "positions_stored", "duplicates", "identity_reports", "batches", "connections")
    rows = [(key, f"{getattr(summary, key):,}") for key in keys]
    rows.extend((f"quarantined: {key}", f"{n:,}") for key, n in sorted(summary.quarantined.items()))
    title = f"{', '.join(summary.sources)} ({summary.seconds:.1f} s)"
    print_table(title, rows, ("", "count"))


def live_ais_detection(
    detection: LiveDetection, store: Store, say: Callable[[str], None]
) -> DetectionLoop:
    """Detection and the alert refresh on a thread of their own, woken by each stored batch
    (`DetectionLoop.wake` is the listener's `on_batch`); what they change is said, and a run
    that fails too, listening going on."""

    def report(done: LiveRun) -> None:
        changes, alerts = done.detection.changes, done.alerts
        if changes.new or changes.revised or changes.retracted:
            say(f"events: {changes.new} new, {changes.revised} revised, "
                f"{changes.retracted} retracted; alerts: {alerts.opened} opened, "
                f"{alerts.reopened} reopened, {alerts.revised} revised "
                f"({done.detection.vessels} vessels, {done.seconds:.2f} s)")  # fmt: skip
        if done.stages is not None:
            say(f"screening, cargo and risk brought up to date: "
                f"{done.stages.assessment.scored} vessels scored")  # fmt: skip

    def failed(err: Exception) -> None:
        say(f"a run after a batch failed, listening on: {err}")

    return DetectionLoop(detection, store, report, failed)


@app.command("ais")
def listen_ais_command(
    ctx: typer.Context,
    tcp: Annotated[
        list[str] | None,
        typer.Option("--tcp", help="A server sending NMEA lines, as HOST:PORT (repeatable)."),
    ] = None,
    udp: Annotated[
        list[str] | None,
        typer.Option(
            "--udp", help="A UDP port to receive NMEA datagrams on, PORT or HOST:PORT (repeatable)."
        ),
    ] = None,
    serial: Annotated[
        list[str] | None,
        typer.Option(
            "--serial",
            help="A serial device, DEVICE[:BAUD] (38400 if none; needs "
            "the serial extra; repeatable).",
        ),
    ] = None,
    batch_seconds: Annotated[
        float | None, typer.Option(help="Store at least this often, s (listen.batch_seconds).")
    ] = None,
    batch_messages: Annotated[
        int | None, typer.Option(help="Most lines per batch (listen.batch_messages).")
    ] = None,
    max_messages: Annotated[
        int | None, typer.Option(min=1, help="Stop after this many lines.")
    ] = None,
    duration: Annotated[
        float | None, typer.Option(min=0, help="Stop after this many seconds.")
    ] = None,
    detect: Annotated[
        bool, typer.Option(help="After each batch, detect on what changed and refresh alerts.")
    ] = True,
    output: Annotated[SummaryFormat, typer.Option("--format", help="Summary format.")] = (
        SummaryFormat.table
    ),
) -> None:
    """Listen to live AIS (raw NMEA lines, with or without tag blocks: AIS-catcher, rtl-ais,
    AISHub-style feeds) and store it as it arrives, detecting events and refreshing alerts
    after each batch; lines without a time are stamped at arrival. Ctrl-C stops."""
    sources = (*(tcp_source(t) for t in tcp or ()), *(udp_source(u) for u in udp or ()),
               *(serial_source(s) for s in serial or ()))  # fmt: skip
    if not sources:
        raise UsageError("give at least one source: --tcp HOST:PORT, --udp PORT or --serial DEVICE")
    flags = {"listen.batch_seconds": batch_seconds, "listen.batch_messages": batch_messages}
    workspace, settings = settings_for(ctx, **flags)
    options = ais_listen_options(settings, sources, max_messages, duration)
    stop = threading.Event()
    store = workspace.open_store(create=True)
    try:
        detection = LiveDetection.of(workspace, settings) if detect else None
        with _stopped_by_signals(stop), _detecting(detection, store) as loop:
            summary = listen_ais(store, options, read_options(settings),
                                 loop.wake if loop else None, stop=stop, log=_say)  # fmt: skip
        entry = audit_entry(operator("listen"), "change", "positions", list(summary.sources),
                            summary.positions_stored, f"{summary.lines} lines")  # fmt: skip
        store.append_audit([entry])
    finally:
        store.close()
    _print_ais_summary(summary, output)


@contextmanager
def _detecting(detection: LiveDetection | None, store: Store) -> Iterator[DetectionLoop | None]:
    if detection is None:
        yield None
        return
    with live_ais_detection(detection, store, _say) as loop:
        yield loop


def _say(text: str) -> None:
    stderr.print(text, highlight=False, markup=False)


def ais_listen_options(
    settings: Settings, sources: tuple[AisSource, ...], max_messages: int | None = None,
    duration: float | None = None,
) -> AisListenOptions:  # fmt: skip
    """The listener's options from the settings in force (`listen.*`)."""
    return AisListenOptions(
        sources, batch_seconds=settings["listen.batch_seconds"],
        batch_messages=settings["listen.batch_messages"], max_messages=max_messages,
        duration_s=duration, reconnect_max_s=settings["listen.reconnect_max_seconds"],
    )  # fmt: skip
