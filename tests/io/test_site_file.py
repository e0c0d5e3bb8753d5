"""Radar site files are read strictly: every bad row is listed and none is kept."""

from __future__ import annotations

from pathlib import Path

from balise.io.site_file import read_site_file, sites_from_text

GOOD = """id,name,lat,lon,antenna_height_m,range_nm
MQ-SALINES,Pointe des Salines,14.396,-60.872,25,24
MQ-VAUCLIN,,14.54,-60.876,500,24
"""


def test_good_rows_become_sites() -> None:
    read = sites_from_text(GOOD)
    assert read.problems == ()
    assert read.sites["sensor_id"].to_list() == ["MQ-SALINES", "MQ-VAUCLIN"]
    assert read.sites["name"].to_list() == ["Pointe des Salines", "MQ-VAUCLIN"]
    assert read.sites["antenna_height_m"].to_list() == [25.0, 500.0]


def test_a_workspace_radars_csv_header_is_read_too() -> None:
    text = "sensor_id,name,lat,lon,antenna_height_m,range_nm\nA,Alpha,1,2,30,20\n"
    assert sites_from_text(text).sites["sensor_id"].to_list() == ["A"]


def test_every_bad_row_is_listed_and_none_kept() -> None:
    text = GOOD + "\n".join(
        [
            ",nameless,14,-61,10,24",
            "B,,95,-61,10,24",
            "C,,14,west,10,24",
            "D,,14,-61,-3,24",
            "E,,14,-61,10,0",
            "MQ-SALINES,again,14,-61,10,24",
        ]
    )
    read = sites_from_text(text)
    assert read.sites.is_empty()
    assert [p.line for p in read.problems] == [4, 5, 6, 7, 8, 9]
    reasons = " | ".join(p.reason for p in read.problems)
    for expected in ("id is empty", "lat 95", "lon is not a number", "antenna_height_m -3",
                     "range_nm 0", "duplicate id 'MQ-SALINES'"):  # fmt: skip
        assert expected in reasons


def test_missing_columns_are_named() -> None:
    read = sites_from_text("id,lat,lon\nA,1,2\n")
    assert read.problems[0].line == 1
    assert "antenna_height_m, range_nm" in read.problems[0].reason


def test_an_empty_or_unreadable_file_is_a_problem(tmp_path: Path) -> None:
    assert (
        sites_from_text("id,lat,lon,antenna_height_m,range_nm\n").problems[0].reason == "no sites"
    )
    assert "cannot read" in read_site_file(tmp_path / "absent.csv").problems[0].reason
