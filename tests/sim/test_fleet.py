"""The fleet: identities are valid, unique and consistent with their flag."""

from __future__ import annotations

import numpy as np
import pytest

from balise.model.imo import imo_is_valid
from balise.model.mid import flag_of_mmsi
from balise.sim.fleet import ROLE_SPECS, IdentityFactory, imo_check_digit, make_hull, role_counts


@pytest.mark.parametrize("vessels", [1, 7, 300, 5000])
def test_role_counts_add_up(vessels: int) -> None:
    assert sum(role_counts(vessels).values()) == vessels


def test_imo_check_digit_of_a_known_number() -> None:
    assert imo_check_digit(907472) == 9  # IMO 9074729


def test_identities_are_valid_unique_and_match_their_flag() -> None:
    factory = IdentityFactory(np.random.default_rng(1))
    hulls = [make_hull(factory, i, role) for i, role in enumerate(list(ROLE_SPECS) * 40)]
    mmsis = [h.identity.mmsi for h in hulls]
    imos = [h.identity.imo for h in hulls if h.identity.imo is not None]
    assert len(set(mmsis)) == len(mmsis)
    assert len(set(imos)) == len(imos)
    assert all(imo_is_valid(imo) for imo in imos)
    for hull in hulls:
        flag = flag_of_mmsi(hull.identity.mmsi)
        assert flag is not None
        assert flag.alpha2 == hull.identity.flag
        assert 0 < len(hull.identity.name) <= 20
        assert hull.identity.call_sign.isalnum()
        assert len(hull.identity.call_sign) <= 7
        low, high = ROLE_SPECS[hull.role].length_m
        assert low - 1 <= hull.identity.length_m <= high + 1


def test_yachts_are_class_b_without_imo() -> None:
    factory = IdentityFactory(np.random.default_rng(2))
    yacht = make_hull(factory, 0, "yacht")
    assert yacht.identity.ais_class == "B"
    assert yacht.identity.imo is None


def test_same_seed_same_fleet() -> None:
    def fleet(seed: int) -> list[object]:
        factory = IdentityFactory(np.random.default_rng(seed))
        return [make_hull(factory, i, "tanker") for i in range(20)]

    assert fleet(3) == fleet(3)
    assert fleet(3) != fleet(4)


def test_large_fleets_never_run_out_of_names() -> None:
    factory = IdentityFactory(np.random.default_rng(5))
    names = [make_hull(factory, i, "general_cargo").identity.name for i in range(3000)]
    assert len(set(names)) == len(names)
    assert max(len(name) for name in names) <= 20
