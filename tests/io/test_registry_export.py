"""Registry entities and links written as FtM JSON lines are valid against the FollowTheMoney
model and read back as they were (aliases, identifiers, addresses, topics, shares, dates)."""

from __future__ import annotations

import io
import json
from typing import Any

import polars as pl
from followthemoney import model as ftm_model

from balise.io.registry import read_registry
from balise.io.registry_export import registry_ftm, write_ftm_lines
from balise.model.batch import ReadOptions
from balise.model.record_batch import RecordKind
from registry_helpers import entity

_LINE = ("source", "source_line")


def _read(text: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    batches = list(read_registry(io.BytesIO(text.encode()), "t", "registry_ftm", ReadOptions()))
    assert all(b.quarantine.is_empty() for b in batches)
    frames = [pl.concat([b.records for b in batches if b.kind is kind]).drop(*_LINE)
              for kind in (RecordKind.REGISTRY, RecordKind.REGISTRY_LINKS)]  # fmt: skip
    return frames[0], frames[1]


ENTITIES = [
    entity("co", name="Acme Shipping Ltd", aliases=["Acme", "ACME S.A."], country="pa",
           registration_number="R-1", lei="5493001KJTIIGC8Y1R12", address_id="ad",
           address="PO Box 1, Panama", topics=["corp.shell"]),
    entity("pe", "Person", name="John Smith", country="gb"),
    entity("ve", "Vessel", name="SEA STAR", imo=9074729, mmsi=219000873, country="pa"),
    entity("ad", "Address", name="PO Box 1, Panama"),
]  # fmt: skip
LINKS: list[dict[str, Any]] = [
    {"link_id": "ow", "kind": "ownership", "source_id": "pe", "target_id": "co",
     "share_pct": 75.5, "role": "shareholder", "start_date": None, "end_date": None},
    {"link_id": "di", "kind": "directorship", "source_id": "pe", "target_id": "co",
     "share_pct": None, "role": "nominee director", "start_date": None, "end_date": None},
]  # fmt: skip


def test_every_line_is_valid_against_the_model() -> None:
    out = io.StringIO()
    assert write_ftm_lines(registry_ftm(ENTITIES, LINKS), out) == 6
    for line in out.getvalue().splitlines():
        data = json.loads(line)
        schema = ftm_model.get(data["schema"])
        assert schema is not None
        for prop, values in data["properties"].items():
            assert schema.get(prop) is not None, (data["schema"], prop)
            assert all(isinstance(v, str) for v in values)
        ftm_model.get_proxy(data, cleaned=False)


def test_written_then_read_back_is_the_same_registry() -> None:
    out = io.StringIO()
    write_ftm_lines(registry_ftm(ENTITIES, LINKS), out)
    entities, links = _read(out.getvalue())
    want = pl.DataFrame([{k: v for k, v in e.items() if k not in _LINE} for e in ENTITIES],
                        schema=entities.schema)  # fmt: skip
    assert entities.sort("entity_id").to_dicts() == want.sort("entity_id").to_dicts()
    assert links.sort("link_id").to_dicts() == pl.DataFrame(
        LINKS, schema=links.schema).sort("link_id").to_dicts()  # fmt: skip
