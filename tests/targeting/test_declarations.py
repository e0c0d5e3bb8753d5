"""The declaration reader: both headers, lenient rows with reasons, HS codes padded."""

from __future__ import annotations

import pytest

from balise.errors import UsageError
from balise.targeting.declarations import parse_declarations
from kcs_rows import KCS_HEADER, kcs_rows


def test_reads_the_kcs_schema_as_published() -> None:
    rows = kcs_rows(20, seed=1)
    found = parse_declarations(KCS_HEADER, rows, require_labels=True)
    assert found.frame.height == 20
    assert not found.problems
    assert found.has_labels
    first = found.frame.row(0, named=True)
    assert first["declaration_id"] == rows[0][0]
    assert first["importer"] == rows[0][9]
    assert first["item_price"] == float(rows[0][19])
    assert first["seller"] == (rows[0][10] or None)


def test_bad_rows_are_quarantined_with_a_reason_and_good_ones_kept() -> None:
    good = kcs_rows(5, seed=2)
    short = good[0][:10]
    no_id = ["", *good[1][1:]]
    bad_price = ["97", *good[2][1:19], "a lot", *good[2][20:]]
    bad_date = ["99", "2020-13-45", *good[3][2:]]
    bad_label = ["98", *good[4][1:20], "yes", "0"]
    duplicate = list(good[0])
    found = parse_declarations(
        KCS_HEADER, [*good, short, no_id, bad_price, bad_date, bad_label, duplicate, [""]]
    )
    assert found.frame.height == 5
    assert found.quarantined() == {
        "wrong_field_count": 1,
        "missing_declaration_id": 1,
        "bad_number": 1,
        "bad_date": 1,
        "bad_label": 1,
        "duplicate_declaration_id": 1,
    }
    assert [p.line for p in found.problems] == [7, 8, 9, 10, 11, 12]
    assert "a lot" in found.problems[2].detail


def test_snake_case_header_and_missing_columns_read_as_missing() -> None:
    found = parse_declarations(["declaration_id", "importer", "hs6"], [["A1", "X", "40890"]])
    row = found.frame.row(0, named=True)
    assert row["hs6"] == "040890"  # the leading zero an integer column lost
    assert row["item_price"] is None
    assert not found.has_labels


def test_a_header_without_declaration_id_or_labels_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="declaration id"):
        parse_declarations(["importer", "hs6"], [])
    with pytest.raises(UsageError, match="Fraud"):
        parse_declarations(["Declaration ID", "HS6 Code"], [], require_labels=True)


def test_training_rows_need_a_label() -> None:
    row = kcs_rows(1, seed=3)[0]
    row[20] = ""
    found = parse_declarations(KCS_HEADER, [row], require_labels=True)
    assert found.quarantined() == {"bad_label": 1}
