"""Company registries read leniently: FtM JSON lines checked against the FollowTheMoney model,
entities and links CSV; bad records quarantined with their reason, the good ones kept."""

from __future__ import annotations

import io
import json
from datetime import date

import polars as pl

from balise.io.registry import read_registry, registry_format
from balise.model.batch import ReadOptions
from balise.model.record_batch import RecordBatch, RecordKind

OPTIONS = ReadOptions()


def _read(text: str, options: ReadOptions = OPTIONS) -> list[RecordBatch]:
    data = text.encode()
    return list(read_registry(io.BytesIO(data), "test", registry_format(data[:4096]), options))


def _all(batches: list[RecordBatch], kind: RecordKind) -> pl.DataFrame:
    return pl.concat([b.records for b in batches if b.kind is kind])


def _reasons(batches: list[RecordBatch]) -> list[str]:
    return [r for b in batches for r in b.quarantine["reason"].to_list()]


def _line(schema: str, entity_id: str, **props: list[str]) -> str:
    return json.dumps({"id": entity_id, "schema": schema, "properties": props})


FTM = "\n".join([
    _line("Company", "co", name=["Acme Shipping Ltd", "Acme"], jurisdiction=["PA"],
          registrationNumber=["R-1"], incorporationDate=["2024-05"], addressEntity=["ad"],
          topics=["corp.shell"]),
    _line("Person", "pe", name=["John Smith"], nationality=["gb"]),
    _line("Vessel", "ve", name=["SEA STAR"], imoNumber=["IMO 9074729"], flag=["pa"]),
    _line("Vessel", "typo", name=["BAD IMO"], imoNumber=["9074728"]),
    _line("Address", "ad", full=["PO Box 1, Panama"]),
    _line("Ownership", "ow", owner=["pe"], asset=["co"], percentage=["75%"],
          startDate=["2024"]),
    _line("Directorship", "di", director=["pe"], organization=["co"], role=["nominee director"]),
    _line("Sanction", "sa", entity=["pe"], program=["X"]),
    _line("Company", "np", name=["With odd property"], notAProperty=["x"]),
    "",
    "{broken json",
    _line("Spaceship", "sp", name=["Nope"]),
    _line("Company", "noname", country=["pa"]),
    _line("Ownership", "half", owner=["pe"]),
    _line("Ownership", "over", owner=["pe"], asset=["co"], percentage=["150"]),
    _line("Company", "baddate", name=["X"], incorporationDate=["soon"]),
    json.dumps(["not", "an", "object"]),
])  # fmt: skip


def test_ftm_entities_and_links_are_read_and_bad_lines_quarantined() -> None:
    batches = _read(FTM)
    entities = _all(batches, RecordKind.REGISTRY)
    links = _all(batches, RecordKind.REGISTRY_LINKS)
    assert entities["entity_id"].to_list() == ["co", "pe", "ve", "typo", "ad", "np"]
    co = entities.row(0, named=True)
    assert co["country"] == "pa"
    assert co["aliases"] == ["Acme"]
    assert co["incorporation_date"] == date(2024, 5, 1), "a month alone is its first day"
    assert co["address_id"] == "ad"
    assert co["topics"] == ["corp.shell"]
    assert entities.filter(pl.col("entity_id") == "ve")["imo"].to_list() == [9074729]
    assert entities.filter(pl.col("entity_id") == "typo")["imo"].to_list() == [None]
    assert entities.filter(pl.col("entity_id") == "ad")["name"].to_list() == ["PO Box 1, Panama"]
    assert links.select("link_id", "kind", "source_id", "target_id").rows() == [
        ("ow", "ownership", "pe", "co"),
        ("di", "directorship", "pe", "co"),
    ]
    assert links["share_pct"].to_list() == [75.0, None]
    assert links["start_date"].to_list() == [date(2024, 1, 1), None]
    assert sorted(_reasons(batches)) == sorted(["bad_json", "unknown_schema", "missing_field",
                                                "missing_field", "bad_share", "bad_date",
                                                "bad_json"])  # fmt: skip
    counted = sum((b.skipped for b in batches), start=type(batches[0].skipped)())
    assert counted["not_registry_schema"] == 1
    assert counted["blank_line"] == 1
    cleared = sum((b.cleared for b in batches), start=type(batches[0].cleared)())
    assert cleared["unknown_property"] == 1
    assert cleared["invalid_imo"] == 1
    assert sum(b.records_read for b in batches) == 16


def test_ftm_batches_hold_entities_and_links_side_by_side() -> None:
    batches = _read(FTM, ReadOptions(batch_records=4))
    kinds = [b.kind for b in batches]
    assert kinds == [RecordKind.REGISTRY, RecordKind.REGISTRY_LINKS] * 4
    assert _all(batches, RecordKind.REGISTRY).height == 6


ENTITIES_CSV = """id,schema,name,country,registration_number,incorporation_date,address,imo,aliases
c1,Company,Acme Shipping Ltd,GB,123,2020-01-01,1 Main St,,Acme;ACME Ltd
p1,person,John Smith,,,,,,
v1,Vessel,Sea Star,,,,,9074729,
,Company,No id,,,,,,
x1,Spaceship,Nope,,,,,,
d1,Company,Bad date,,,2020-13-45,,,
v2,Vessel,Bad imo,,,,,1234568,
too,many,fields,,,,,,,,,,
"""

LINKS_CSV = """kind,source_id,target_id,share,role,start,end
ownership,c2,c1,60,,2021-01-01,
directorship,p1,c1,,director,,
ownership,p1,c2,150,,,
control,p1,c2,,,,
ownership,p1,,10,,,
"""


def test_entities_csv() -> None:
    batches = _read(ENTITIES_CSV)
    entities = _all(batches, RecordKind.REGISTRY)
    assert entities["entity_id"].to_list() == ["c1", "p1", "v1", "v2"]
    assert entities["schema"].to_list() == ["Company", "Person", "Vessel", "Vessel"]
    assert entities["country"][0] == "gb"
    assert entities["aliases"][0].to_list() == [
        "Acme",
        "ACME Ltd",
    ]
    assert entities["imo"].to_list() == [None, None, 9074729, None]
    assert sorted(_reasons(batches)) == ["bad_date", "missing_field", "unknown_schema",
                                         "wrong_field_count"]  # fmt: skip


def test_links_csv_with_ids_made_from_the_link() -> None:
    batches = _read(LINKS_CSV)
    links = _all(batches, RecordKind.REGISTRY_LINKS)
    assert links.select("kind", "source_id", "target_id", "share_pct").rows() == [
        ("ownership", "c2", "c1", 60.0),
        ("directorship", "p1", "c1", None),
    ]
    assert links["link_id"][0].startswith("ownership-")
    again = _all(_read(LINKS_CSV), RecordKind.REGISTRY_LINKS)
    assert again["link_id"].to_list() == links["link_id"].to_list(), "stable ids"
    assert sorted(_reasons(batches)) == ["missing_field", "out_of_range", "unknown_link_kind"]


def test_format_from_the_first_bytes() -> None:
    assert registry_format(b'\xef\xbb\xbf{"id": 1}') == "registry_ftm"
    assert registry_format(b"kind,source_id,target_id\n") == "registry_links_csv"
    assert registry_format(b"id,name\n") == "registry_entities_csv"
