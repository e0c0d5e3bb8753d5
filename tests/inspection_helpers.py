"""Helpers of the inspection tests: a site's plan, results and manifests stored by hand."""

from __future__ import annotations

from datetime import date

from balise.model.containers import check_digit
from balise.model.record_batch import RecordBatch, RecordKind
from balise.store.base import INSPECTION_PLAN_SCHEMA, INSPECTION_RESULT_SCHEMA, IngestRecord, Store
from cargo_helpers import at, frame, manifests

DAY = date(2025, 3, 2)


def box_number(n: int) -> str:
    """A valid ISO 6346 number: owner TGHU, serial `n`."""
    serial = f"TGHU{n:06d}"
    return serial + str(check_digit(serial))


def store_day(
    store: Store,
    plan: list[tuple[str, str, float]],
    results: list[tuple[str, bool]],
    bills: dict[str, str],
    day: date = DAY,
    declarant: str | None = None,
) -> None:
    """A FRLEH plan of `day` (box, lane, probability), results of that day (box, found) and a
    manifest per box of `bills` (box -> consignee; notify party `Broker SA`, declarant
    `declarant`)."""
    store.save_inspection_plan("FRLEH", day, frame(
        [{"site": "FRLEH", "plan_date": day, "container_number": box, "lane": lane,
          "probability": p} for box, lane, p in plan], INSPECTION_PLAN_SCHEMA))  # fmt: skip
    store.record_inspection_results(frame(
        [{"container_number": box, "inspected_on": day, "found": found}
         for box, found in results], INSPECTION_RESULT_SCHEMA))  # fmt: skip
    if bills:
        rows = manifests(*[
            {"bill_of_lading": f"BL{box}", "issued_at": at(-5), "shipper": f"Shipper of {box}",
             "consignee": consignee, "notify_party": "Broker SA", "declarant": declarant,
             "hs_code": "0901.11",
             "port_of_loading": "COCTG", "place_of_receipt": "COBOG", "gross_weight_kg": 20000.0,
             "declared_value": 50000.0, "container_numbers": [box]}
            for box, consignee in bills.items()
        ])  # fmt: skip
        store.start_ingest(IngestRecord(f"m{day}", f"m{day}", "test", "running", 0, 100))
        store.store_records(f"m{day}", 0, RecordBatch(RecordKind.MANIFESTS, rows))
