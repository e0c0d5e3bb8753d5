"""What the flagged parties of a box's manifest pass on to its risk (`party_risk`)."""

from __future__ import annotations

import pytest

from balise.entities.screening import party_key
from balise.inspection.parties import party_risk

FLAGS = {
    "front import": (0.8, "shell company (0.80: a mass address)"),
    "owner trading": (0.6, "owned by a shell (0.60: Front Import owns it)"),
}


def test_a_party_in_two_roles_counts_once() -> None:
    risk, reasons = party_risk(
        [("shipper", "Honest Export"), ("consignee", "FRONT  Import"),
         ("notify_party", "front import")], FLAGS, 0.5, party_key,
    )  # fmt: skip
    assert risk == pytest.approx(0.4)
    (reason,) = reasons
    assert reason["roles"] == ["consignee", "notify_party"]
    assert (
        reason["text"]
        == "consignee and notify party FRONT  Import: shell company (0.80: a mass address)"
    )


def test_flagged_parties_combine_as_a_noisy_or_strongest_first() -> None:
    risk, reasons = party_risk(
        [("shipper", "Owner Trading"), ("consignee", "Front Import"), ("carrier", None)],
        FLAGS, 0.5, party_key,
    )  # fmt: skip
    assert risk == pytest.approx(1 - (1 - 0.4) * (1 - 0.3))
    assert [r["party"] for r in reasons] == ["Front Import", "Owner Trading"]
    assert [r["contribution"] for r in reasons] == [0.4, 0.3]


def test_unflagged_or_weightless_parties_pass_nothing() -> None:
    assert party_risk([("consignee", "Honest Import")], FLAGS, 0.5, party_key) == (0.0, [])
    assert party_risk([("consignee", "Front Import")], FLAGS, 0.0, party_key) == (0.0, [])
