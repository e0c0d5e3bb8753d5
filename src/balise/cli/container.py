"""`balise container NUMBER`: a container's record read back from the workspace;
`balise containers`: the containers at risk, as a table or as data to export.

The command line acts with the rights of the workspace's files (its operator), so it shows what
the API shows its most trusted reader: the journeys, cargo events, risk, bills of lading, and the
releases and gate moves. Releases are sensitive: their references are masked unless `--reveal`
is given, and every read of them is written to the audit log as `local:<login name>` (as the
API audits its readers), with the containers and releases it showed.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from balise.cli.context import settings_for
from balise.cli.output import TableFormat, print_table, write_frames
from balise.cli.query import _default
from balise.cli.users import operator
from balise.engine.accounts import audit_entry
from balise.engine.containers import (
    container_record,
    containers_at_risk,
    containers_export,
    releases_of,
)
from balise.errors import UsageError
from balise.model.containers import is_valid_container, normalise_container
from balise.security.policy import mask_reference


def container(
    ctx: typer.Context,
    number: Annotated[str, typer.Argument(help="The container's ISO 6346 number.")],
    output: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    reveal: Annotated[
        bool, typer.Option(help="Show release references whole (the read is audited).")
    ] = False,
) -> None:
    """A container's record: its journeys (legs with vessels, ports and times, transshipments,
    dwell, detour, bills of lading replaced, seals changed), cargo events with their reasons,
    risk, bills of lading, releases and gate moves."""
    if output not in ("table", "json"):
        raise UsageError("--format must be table or json")
    box = normalise_container(number)
    if not is_valid_container(box):
        raise UsageError(f"{number!r} is not an ISO 6346 container number with its check digit")
    workspace, _ = settings_for(ctx)
    store = workspace.open_store()
    try:
        record = container_record(store, box)
        if record is None:
            raise UsageError(f"no container {box} in the workspace")
        releases, gate = releases_of(store, box)
        shown = [*releases["release_id"].to_list(), box]
        detail = "revealed" if reveal else "masked"
        entries = [audit_entry(operator("container"), "read", "container", [box], 1)]
        if releases.height or gate.height:
            entries.append(audit_entry(operator("container"), "read", "release", shown,
                                       releases.height + gate.height, detail))  # fmt: skip
        store.append_audit(entries)
    finally:
        store.close()
    record["releases"] = releases.to_dicts()
    record["gate"] = gate.to_dicts()
    if not reveal:
        for row in record["releases"] + record["gate"]:
            row["release_id"] = mask_reference(row.get("release_id"))
    if output == "json":
        sys.stdout.write(json.dumps(record, default=_default) + "\n")
        return
    _print(record)


def containers(
    ctx: typer.Context,
    port: Annotated[
        str | None, typer.Option(help="UN/LOCODE (or terminal): boxes last seen or flagged there.")
    ] = None,
    prefix: Annotated[
        str | None, typer.Option(help="Containers whose number starts with this.")
    ] = None,
    min_score: Annotated[
        float | None, typer.Option(min=0, max=100, help="Risk score (0-100) at least this.")
    ] = None,
    output: Annotated[TableFormat, typer.Option("--format", help="table, csv or jsonl.")] = (
        TableFormat.table
    ),
) -> None:
    """The containers at risk (those with cargo events), highest score first, as the API and
    the Containers tab list them: at a port, above a score, or by number prefix. The read is
    written to the audit log with the containers it showed."""
    number = normalise_container(prefix) if prefix else None
    workspace, _ = settings_for(ctx)
    store = workspace.open_store()
    try:
        where = port.upper() if port else None
        found = containers_at_risk(store, prefix=number or None, port=where, min_score=min_score)
        shown = found["container_number"].to_list()
        store.append_audit([audit_entry(operator("containers"), "read", "container", shown,
                                        len(shown))])  # fmt: skip
    finally:
        store.close()
    rows = containers_export(found)
    if output is not TableFormat.table:
        write_frames([rows], output.value)
        return
    table = [
        [r["container_number"], f"{r['score']:.0f}", r["band"], str(r["events"]),
         r["last_port"] or "", _t(r["last_time"]), r["reasons"].split("; ")[0]]
        for r in rows.iter_rows(named=True)
    ]  # fmt: skip
    headers = ["container", "score", "band", "events", "last port", "last seen", "first reason"]
    print_table(f"{rows.height} container{'' if rows.height == 1 else 's'} at risk", table, headers)


def _t(value: Any) -> str:
    return "" if value is None else _default(value)


def _print(record: dict[str, Any]) -> None:
    seen = record["last_seen"] or {}
    rows = [("last seen", f"{seen.get('code') or '?'} at {seen.get('port') or '?'} "
             f"{_t(seen.get('time'))}") if seen else ("last seen", "no Track & Trace event"),
            ("Track & Trace events", str(record["track_and_trace_events"])),
            ("telemetry readings", str(record["telemetry"]["readings"]))]  # fmt: skip
    print_table(f"Container {record['container_number']}", rows, ("", "value"))
    risk = record["risk"]
    if risk is None:
        print_table("Risk: no cargo event", [], ("", ""))
    else:
        reasons = [(f"{r['points']:.1f}", r["text"]) for r in risk["reasons"]]
        print_table(f"Risk {risk['score']:.0f}/100 ({risk['band']}): indicators, not proof",
                    reasons, ("points", "reason"))  # fmt: skip
    for journey in record["journeys"]:
        _print_journey(journey)
    events = [(e["type"], _t(e["start"]), f"{e['confidence'] or 0:.2f}",
               "; ".join((e["evidence"] or {}).get("reasons") or [])[:120], e["id"])
              for e in record["events"]]  # fmt: skip
    print_table(f"Cargo events ({len(events)}, newest first)" if events else "Cargo events: none",
                events, ("type", "start", "confidence", "reasons", "id"))  # fmt: skip
    bills = [(m["bill_of_lading"], m["shipper"] or "", m["consignee"] or "",
              m["goods_description"] or m["hs_code"] or "", m["port_of_loading"] or "",
              m["port_of_discharge"] or "") for m in record["manifests"]]  # fmt: skip
    if bills:
        print_table("Bills of lading", bills, ("bill", "shipper", "consignee", "goods", "from",
                                                "to"))  # fmt: skip
    releases = [(r["release_id"] or "", r["terminal"], _t(r["issued_at"]),
                 r["authorised_haulier"] or "", _t(r["valid_until"]), r["customs_status"] or "")
                for r in record["releases"]]  # fmt: skip
    if releases:
        print_table("Releases (sensitive)", releases, ("reference", "terminal", "issued",
                    "haulier", "valid until", "customs"))  # fmt: skip
    gate = [(_t(g["time"]), g["terminal"], g["direction"], g["haulier"] or "",
             g["truck_plate"] or "", g["release_id"] or "", g["result"] or "")
            for g in record["gate"]]  # fmt: skip
    if gate:
        print_table("Gate moves", gate, ("time", "terminal", "direction", "haulier", "truck",
                                         "release", "result"))  # fmt: skip


def _print_journey(journey: dict[str, Any]) -> None:
    detour = journey["detour_ratio"]
    title = (f"Trip {journey['trip'] + 1}: {journey['origin'] or '?'} → "
             f"{journey['destination'] or '?'} ({_t(journey['start'])} to {_t(journey['end'])}; "
             f"custody from {journey['custody_from']}; {journey['transshipments']} "
             f"transshipment(s)" + (f"; detour ×{detour:.2f}" if detour else "") + ")")  # fmt: skip
    legs = [(str(leg["leg"] + 1), leg["load_port"] or "?", leg["discharge_port"] or "?",
             _t(leg["loaded_at"]), _t(leg["discharged_at"]),
             f"{leg['vessel_name'] or ''} {leg['vessel_mmsi'] or leg['vessel_imo'] or ''}".strip(),
             leg["voyage"] or "") for leg in journey["legs"]]  # fmt: skip
    print_table(title, legs or [("", "no leg", "", "", "", "", "")],
                ("leg", "from", "to", "loaded", "discharged", "vessel", "voyage"))  # fmt: skip
    stops = [(s["port"] or "?", f"{s['dwell_hours']:.0f} h" if s["dwell_hours"] else "",
              "transshipment" if s["transshipment"] else "",
              "vessel changed" if s["vessel_changed"] else "")
             for s in journey["stops"]]  # fmt: skip
    if stops:
        print_table("Stops", stops, ("port", "dwell", "", ""))
    changes = [("bill of lading", _t(c["time"]), c["port"] or "", ", ".join(c["before"]),
                ", ".join(c["after"]), "mid-route" if c["mid_route"] else "")
               for c in journey["redocumented"]] + [
               ("seal", _t(c["time"]), c["port"] or "", ", ".join(c["before"]),
                ", ".join(c["after"]), "mid-route" if c["mid_route"] else "")
               for c in journey["seal_changes"]]  # fmt: skip
    if changes:
        print_table("Changed on the way", changes, ("what", "time", "port", "before", "after",
                                                     ""))  # fmt: skip
