"""A declaration per box built from its manifest, for the customs model: the fields mapped, the
others missing."""

from __future__ import annotations

from datetime import date

import polars as pl

from balise.engine.inspection_risk import manifest_declarations


def test_manifest_fields_map_to_declaration_features() -> None:
    boxes = pl.DataFrame(
        {
            "container_number": ["MSCU1234565", "CSQU3054383"],
            "shipper": ["Acme Trading", None],
            "consignee": ["Importer One", "Importer Two"],
            "notify_party": ["Broker", None],
            "hs_code": ["0901.11.00", None],
            "place_of_receipt": ["COBOG", "somewhere inland"],
            "port_of_loading": ["COCTG", "ECGYE"],
            "gross_weight_kg": [21000.0, None],
            "declared_value": [50000.0, None],
        }
    )
    found = manifest_declarations(boxes, date(2024, 3, 7)).frame
    first, second = found.row(0, named=True), found.row(1, named=True)
    assert first["declaration_id"] == "MSCU1234565"
    assert (first["importer"], first["seller"], first["declarant"]) == (
        "Importer One", "Acme Trading", "Broker")  # fmt: skip
    assert first["hs6"] == "090111"
    assert (first["departure_country"], first["origin_country"]) == ("CO", "CO")
    assert (first["net_mass_kg"], first["item_price"]) == (21000.0, 50000.0)
    assert first["office"] is None
    assert first["tax_rate"] is None
    assert second["origin_country"] == "EC"  # free text: the port of loading's country
    assert second["hs6"] is None


def test_the_declarant_is_the_manifests_own_and_the_notify_party_only_without_one() -> None:
    boxes = pl.DataFrame(
        {
            "container_number": ["MSCU1234565", "CSQU3054383", "TGHU1234567"],
            "shipper": ["Acme Trading", "Acme Trading", "Acme Trading"],
            "consignee": ["Importer One", "Importer Two", "Importer Three"],
            "notify_party": ["Broker", "Broker", None],
            "declarant": ["Customs Agent Ltd", None, ""],
        }
    )
    found = manifest_declarations(boxes, date(2024, 3, 7)).frame
    assert found["declarant"].to_list() == ["Customs Agent Ltd", "Broker", None]


def test_without_a_declarant_column_the_notify_party_stands_in() -> None:
    boxes = pl.DataFrame({"container_number": ["MSCU1234565"], "notify_party": ["Broker"]})
    found = manifest_declarations(boxes, date(2024, 3, 7)).frame
    assert found["declarant"].to_list() == ["Broker"]
