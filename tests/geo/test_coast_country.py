"""The country of a coast, from the French territories and the shipped port lists."""

from __future__ import annotations

import numpy as np
import pytest

from balise.geo.coast_country import FRENCH_ISO3, coast_country


@pytest.mark.parametrize(
    ("lat", "lon", "country"),
    [
        (13.90, -60.95, "LCA"),  # Saint Lucia, east coast
        (14.10, -60.93, "LCA"),  # Saint Lucia's northern cape, 20 nm from Le Marin
        (14.65, -61.00, "MTQ"),  # Martinique
        (16.25, -61.55, "GLP"),  # Guadeloupe
        (15.40, -61.35, "DMA"),  # Dominica
        (13.16, -61.22, "VCT"),  # Saint Vincent
        (10.60, -66.90, "VEN"),  # Venezuela, La Guaira
        (48.40, -4.60, "FRA"),  # Brittany
        (42.40, -8.90, "ESP"),  # Galicia
    ],
)
def test_the_coast_is_named_after_its_territory_or_nearest_port(
    lat: float, lon: float, country: str
) -> None:
    assert list(coast_country()(np.array([lat]), np.array([lon]))) == [country]


def test_far_from_any_port_the_country_is_unknown() -> None:
    assert list(coast_country()(np.array([0.0]), np.array([-30.0]))) == [None]


def test_the_french_territories_are_home() -> None:
    assert {"FRA", "MTQ", "GLP", "MAF", "BLM", "GUF"} <= FRENCH_ISO3
