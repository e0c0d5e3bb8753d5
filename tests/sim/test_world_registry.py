"""The world's registry: the fleet's owners, and a shell cluster behind the front company and
the scenarios' vessels that the default shell thresholds find."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from balise.entities.graph import OwnershipGraph, entities_by_id, links_of_frame
from balise.entities.shell import ShellInputs, secrecy_jurisdictions, shell_indicators
from balise.entities.shell_params import ShellParams
from balise.io.registry import read_registry, registry_format
from balise.model.batch import ReadOptions
from balise.model.record_batch import RecordKind
from balise.sim.registry import write_registry

START = datetime(2024, 3, 1, tzinfo=UTC)


def _read(path: Path, kind: RecordKind) -> pl.DataFrame:
    data = path.read_bytes()
    batches = read_registry(io.BytesIO(data), path.name, registry_format(data), ReadOptions())
    found = [b for b in batches if b.kind is kind]
    assert all(b.quarantine.is_empty() for b in found)
    return pl.concat([b.records for b in found])


def test_the_shell_cluster_is_found_at_the_default_thresholds(tmp_path: Path) -> None:
    roster = pl.DataFrame({
        "hull_id": [1, 2, 3, 4], "scenario": [None, "mothership", None, None],
        "imo": [9074729, 9176187, None, 9241061], "name": ["A", "B", "C", "D"],
        "flag": ["PA", "LR", "NL", None],
    })  # fmt: skip
    written = write_registry(roster, START, tmp_path / "e.csv", tmp_path / "l.csv")
    entities = _read(tmp_path / "e.csv", RecordKind.REGISTRY)
    links = _read(tmp_path / "l.csv", RecordKind.REGISTRY_LINKS)
    assert written == entities.height + links.height
    rows = entities_by_id(entities)
    graph = OwnershipGraph(links_of_frame(links))
    inputs = ShellInputs(rows, graph, secrecy=secrecy_jurisdictions())
    found = shell_indicators(inputs, ShellParams())
    front = {i.code for i in found["sim-caribbean-agro-import"]}
    assert front >= {"mass_address", "nominee_director", "secrecy_owner"}
    assert [link.source_id for link in graph.owners_of("sim-imo-9176187")] == [
        "sim-ocean-phoenix-shipping-ltd"
    ]
    assert "sim-ocean-phoenix-shipping-ltd" in found
    background = graph.owners_of("sim-imo-9074729")[0].source_id
    assert background not in found, "the carriers are no shells"
