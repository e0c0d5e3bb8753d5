"""List entries as screening sees them: schema inferred from ship identifiers, validity and
removal, and the entry's identifiers surviving the round trip through the stored row."""

from __future__ import annotations

from datetime import UTC, date, datetime

from balise.entities.identifiers import Identifier
from balise.entities.lists import entry_active, entry_entity, entry_row, inferred_schema
from balise.entities.match import Entity

SHIP = Entity("", "", ("Ocean Star",), identifiers=(Identifier("imo", "9074729"),))
FIRM = Entity("", "", ("Acme Shipping Ltd",), countries=("gb",))
TODAY = date(2026, 12, 1)


def test_a_csv_row_with_a_ship_identifier_is_a_vessel() -> None:
    assert inferred_schema(SHIP) == "Vessel"
    assert inferred_schema(FIRM) == "LegalEntity"
    assert inferred_schema(Entity("", "Company", ("Acme",))) == "Company"


def _row(**given: object) -> dict[str, object]:
    base = {"valid_from": None, "valid_until": None, "removed_at": None}
    return entry_row("voi", SHIP, "e-1", {**base, **given})


def test_validity_and_removal() -> None:
    assert entry_active(_row(), TODAY)
    assert entry_active(_row(valid_until=TODAY), TODAY), "valid through its last day"
    assert not entry_active(_row(valid_until=date(2026, 11, 30)), TODAY)
    assert not entry_active(_row(valid_from=date(2026, 12, 2)), TODAY)
    assert not entry_active(_row(removed_at=datetime(2026, 11, 1, tzinfo=UTC)), TODAY)


def test_the_stored_row_gives_the_entity_back() -> None:
    entity = entry_entity(_row())
    assert entity.id == "voi/e-1"
    assert entity.schema == "Vessel"
    assert entity.names == SHIP.names
    assert entity.identifiers == SHIP.identifiers
