"""Tiny hand-built registries for the ownership and shell tests."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from balise.entities.graph import Link


def entity(entity_id: str, schema: str = "Company", **fields: Any) -> dict[str, Any]:
    """An `ENTITY_SCHEMA` row with defaults."""
    row: dict[str, Any] = {
        "entity_id": entity_id, "schema": schema, "name": fields.pop("name", entity_id.upper()),
        "aliases": [], "country": None, "registration_number": None, "lei": None, "imo": None,
        "mmsi": None, "incorporation_date": None, "address": None, "address_id": None,
        "topics": [], "source": "test", "source_line": 1,
    }  # fmt: skip
    row.update(fields)
    return row


def owns(owner: str, asset: str, share: float | None = 100.0, **more: Any) -> Link:
    """`owner` owns `share` % of `asset`."""
    return Link(f"own-{owner}-{asset}", "ownership", owner, asset, share, None,
                more.get("start"), more.get("end"))  # fmt: skip


def directs(director: str, company: str, role: str = "director",
            start: date | None = None) -> Link:  # fmt: skip
    """`director` directs `company`."""
    return Link(f"dir-{director}-{company}", "directorship", director, company, None, role,
                start)  # fmt: skip


REGISTRY_DATA = Path(__file__).parent / "data" / "registry"
"""A small registry: a fleet company owned through a BVI holding by a listed person, a shell
cluster at one address with one director (one of them young and moving large trade), two
companies owning each other, an honest one; with two bills of lading. The fleet's vessel has
the IMO number of NORDIC STAR in `csv/dma_26_columns.csv`."""


def registry_workspace(root: Path) -> Path:
    """A workspace at `root` with the registry, the bills and a sanctions list naming the
    owner, ingested (not yet detected)."""
    from balise.cli.main import run

    root.mkdir(parents=True, exist_ok=True)
    (root / "balise.toml").write_text("[shell]\nmass_address_min = 3\nnominee_director_min = 3\n")
    files = [str(REGISTRY_DATA / n) for n in ("entities.csv", "links.csv")]
    assert run(["--workspace", str(root), "ingest", "registry", *files]) == 0
    ais = str(REGISTRY_DATA.parent / "csv" / "dma_26_columns.csv")  # NORDIC STAR, IMO 9074729
    assert run(["--workspace", str(root), "ingest", "ais", ais]) == 0
    bills = str(REGISTRY_DATA / "manifests.csv")
    assert run(["--workspace", str(root), "ingest", "manifests", bills]) == 0
    assert run(["--workspace", str(root), "list", "create", "sanctions", "--kind",
                "sanctions"]) == 0  # fmt: skip
    assert run(["--workspace", str(root), "list", "add", "sanctions", "--name", "Viktor BOSCH",
                "--schema", "Person"]) == 0  # fmt: skip
    return root
