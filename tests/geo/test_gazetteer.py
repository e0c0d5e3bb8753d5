"""The UN/LOCODE gazetteer: nearest port, and reading the AIS destination field."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from balise.geo.gazetteer import (
    Gazetteer,
    clean_destination,
    destination_candidates,
    load_high_risk_ports,
    nearest_locode,
    normalise_destination,
)

PARAMARIBO = (5.8170, -55.1580)
"""Paramaribo's harbour (SRPBM)."""


@pytest.mark.parametrize(
    ("text", "locode"),
    [
        ("FRLEH", "FRLEH"),
        ("FR LEH", "FRLEH"),
        ("FR-LEH", "FRLEH"),
        ("LE HAVRE", "FRLEH"),
        ("LEHAVRE", "FRLEH"),
        ("le havre", "FRLEH"),
        ("  LE   HAVRE@@@@@@@", "FRLEH"),
        ("FORT-DE-FRANCE", "MQFDF"),
        ("FORT DE FRANCE", "MQFDF"),
        ("Pointe-à-Pitre", "GPPTP"),
        ("FR LEH>NL RTM", "NLRTM"),
        ("BRSSZ>FRLEH", "FRLEH"),
        ("ROTTERDAN", "NLRTM"),
        ("LE HAVER", "FRLEH"),
        ("GEORGETOWN GY", "GYGEO"),
        ("CARTAGENA", "COCTG"),
        ("CARTAGENA ES", "ESCAR"),
    ],
)
def test_normalise_destination_reads_common_forms(text: str, locode: str) -> None:
    assert normalise_destination(text) == locode


@pytest.mark.parametrize("text", ["FOR ORDERS", "TBA", "", "@@@@@@@@", None, "X", "ZZZZZ"])
def test_no_port_in_text_gives_none(text: str | None) -> None:
    assert normalise_destination(text) is None


def test_clean_destination_keeps_the_last_leg_of_a_route() -> None:
    assert clean_destination("brssz>fr leh@@@") == "FR LEH"
    assert clean_destination("for orders") is None


def test_ambiguous_name_gives_none_but_lists_every_port() -> None:
    assert normalise_destination("MANZANILLO") is None
    assert {"PAMIT", "MXZLO"} <= set(destination_candidates("MANZANILLO"))


def test_nearest_locode_within_limit_and_vectorised() -> None:
    lat = np.array([49.48, 0.0, 14.60, PARAMARIBO[0]])
    lon = np.array([0.11, 0.0, -61.06, PARAMARIBO[1]])
    assert nearest_locode(lat, lon, 15.0).tolist() == ["FRLEH", None, "MQFDF", "SRPBM"]
    assert nearest_locode(np.array([49.48]), np.array([0.11]), 0.5).tolist() == [None]


def test_nearest_locode_across_the_antimeridian() -> None:
    ports = pl.DataFrame(
        {
            "locode": ["FJAAA", "FJBBB"],
            "name": ["East Side", "Far Away"],
            "country": ["Fiji", "Fiji"],
            "lat": [-16.5, -16.5],
            "lon": [179.99, 178.0],
            "links": [0, 0],
        }
    )
    gazetteer = Gazetteer(ports)
    found = gazetteer.nearest_locode(np.array([-16.5, -16.5]), np.array([-179.99, 170.0]), 15.0)
    assert found.tolist() == ["FJAAA", None]
    assert gazetteer.normalise("EAST SIDE") == "FJAAA"
    assert gazetteer.normalise("FJ BBB") == "FJBBB"


def test_every_high_risk_port_is_in_the_gazetteer() -> None:
    listed = set(load_high_risk_ports()["locode"])
    assert listed
    assert all(code in Gazetteer.packaged() for code in listed)
