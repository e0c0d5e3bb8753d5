"""`balise entity ID` and `balise entity search TEXT`: one entity's page (a registry company,
person or vessel, a vessel heard on AIS, a party of the bills of lading), with its identifiers,
ultimate owners with effective shares and paths, what it owns and directs, its directors,
shell indicators with reasons, list matches, linked vessels, bills, containers and events
(`balise.engine.entity_page`); or the entities whose name contains TEXT."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

import typer

from balise.cli.context import settings_for
from balise.cli.output import print_table
from balise.engine.entity_ftm import entity_ftm
from balise.engine.entity_page import entity_record, search_entities
from balise.entities.graph import DEFAULT_DEPTH
from balise.entities.params import screen_params
from balise.entities.shell_params import shell_params
from balise.errors import UsageError
from balise.io.registry_export import write_ftm_lines


class PageFormat(StrEnum):
    table = "table"
    json = "json"
    ftm = "ftm"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return _plain(value) if isinstance(value, datetime | date) else str(value)


def entity(
    ctx: typer.Context,
    entity_id: Annotated[str, typer.Argument(
        metavar="ID", help="An entity id (registry id, vessel:IMO…, vessel:MMSI…, party:…), or "
        "`search` followed by a text.")],
    text: Annotated[str | None, typer.Argument(metavar="[TEXT]",
                                               help="With `search`: the text.")] = None,
    output: Annotated[PageFormat, typer.Option(
        "--format", help="table, json, or ftm (FollowTheMoney JSON lines: the entity, its "
        "owners and directors, their links and addresses).")] = (
        PageFormat.table
    ),
    depth: Annotated[int, typer.Option(min=1, max=50, help="Ownership links followed upwards.")]
    = DEFAULT_DEPTH,
) -> None:  # fmt: skip
    """Show an entity: owners up to the ultimate owners, what it owns and directs, shell
    indicators, list matches, linked vessels, containers and events; `search TEXT` finds
    entities by name, id, IMO number or MMSI."""
    workspace, settings = settings_for(ctx)
    store = workspace.open_store()
    try:
        if entity_id == "search" and text is not None:
            _print_search(search_entities(store, text), output)
            return
        if text is not None:
            raise UsageError(f"unexpected argument {text!r} (balise entity ID or "
                             "balise entity search TEXT)")  # fmt: skip
        page = entity_record(store, entity_id, shell_params(settings.values),
                             screen_params(settings.values), depth)  # fmt: skip
        items = entity_ftm(store, page, depth) if page and output is PageFormat.ftm else []
    finally:
        store.close()
    if page is None:
        raise UsageError(f"no entity {entity_id!r} in the workspace (balise entity search TEXT)")
    if output is PageFormat.ftm:
        write_ftm_lines(items, sys.stdout)
    elif output is PageFormat.json:
        typer.echo(json.dumps(page, default=_plain, ensure_ascii=False, indent=1))
    else:
        _print_page(page)


def _print_search(found: list[dict[str, Any]], output: PageFormat) -> None:
    if output is PageFormat.json:
        typer.echo(json.dumps(found, default=_plain, ensure_ascii=False))
        return
    columns = ["id", "kind", "schema", "name", "country"]
    print_table(f"{len(found)} entities", [[_cell(f[c]) for c in columns] for f in found],
                columns)  # fmt: skip


def _print_page(page: dict[str, Any]) -> None:
    facts = [["id", page["id"]], ["kind", page["kind"]], ["schema", page["schema"]],
             ["name", page["name"]]]  # fmt: skip
    for key in ("country", "incorporation_date", "address"):
        if page.get(key):
            facts.append([key, _cell(page[key])])
    facts += [[k, _cell(v)] for k, v in (page.get("identifiers") or {}).items()]
    if "shell" in page:
        facts.append(["shell score", _cell(page["shell"]["score"])])
    print_table(page["name"], facts, ["field", "value"])
    _ultimate(page.get("ultimate_owners", []))
    for key, title in (("owners", "owners"), ("owns", "owns"), ("directors", "directors"),
                       ("directs", "directs")):  # fmt: skip
        rows = [[r["id"], r["name"], _cell(r["share_pct"]), _cell(r["role"]), _cell(r["start"]),
                 _cell(r["end"])] for r in page.get(key, [])]  # fmt: skip
        if rows:
            print_table(title, rows, ["id", "name", "share %", "role", "start", "end"])
    if page.get("cycles"):
        print_table("circular ownership", [[" → ".join(c)] for c in page["cycles"]], ["cycle"])
    indicators = (page.get("shell") or {}).get("indicators", [])
    if indicators:
        print_table(
            "shell indicators",
            [[i["code"], _cell(i["weight"]), i["reason"]] for i in indicators],
            ["indicator", "weight", "reason"],
        )
    if page.get("list_matches"):
        print_table(
            "list matches",
            [[m["entry"], m["entry_name"], _cell(m["score"])] for m in page["list_matches"]],
            ["entry", "name", "score"],
        )
    _linked(page)


def _ultimate(owners: list[dict[str, Any]]) -> None:
    rows = [[o["id"], o["name"], _cell(o["effective_pct"]) + ("" if o["complete"] else " +"),
             " | ".join(" → ".join(step["name"] for step in path) for path in o["paths"])]
            for o in owners]  # fmt: skip
    if rows:
        print_table("ultimate owners", rows, ["id", "name", "effective %", "paths"])


def _linked(page: dict[str, Any]) -> None:
    if page.get("vessels"):
        print_table("vessels", [[v["id"], _cell(v["mmsi"]), ", ".join(v["names"]),
                                 ", ".join(v["call_signs"])] for v in page["vessels"]],
                    ["id", "mmsi", "names", "call signs"])  # fmt: skip
    if page.get("linked_registry"):
        print_table(
            "registry",
            [[r["id"], r["name"], r["schema"]] for r in page["linked_registry"]],
            ["id", "name", "schema"],
        )
    if page.get("parties"):
        print_table(
            "parties",
            [
                [p["id"], p["name"], ", ".join(p["roles"]), _cell(p["bills"])]
                for p in page["parties"]
            ],
            ["id", "name", "roles", "bills"],
        )
    if page.get("containers"):
        print_table(f"containers ({page['container_count']})",
                    [[c] for c in page["containers"]], ["container"])  # fmt: skip
    if page.get("events"):
        print_table(f"events ({page['event_count']})",
                    [[e["id"], e["type"], _cell(e["start"]), _cell(e["score"])]
                     for e in page["events"]], ["id", "type", "start", "score"])  # fmt: skip
