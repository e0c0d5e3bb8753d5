"""Shell-company indicators on hand-built registries, each firing and not firing, the shell
score, and the events of the graph (owned by a listed entity or a shell)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import polars as pl
import pytest

from balise.entities.graph import Link, OwnershipGraph
from balise.entities.graph_risk import Seen, as_frame, graph_events, shell_events
from balise.entities.shell import (
    ListedAs,
    PartyTrade,
    ShellInputs,
    party_trade,
    secrecy_jurisdictions,
    shell_indicators,
    shell_score,
)
from balise.entities.shell_params import ShellParams
from balise.maritime.risk import score_vessels
from registry_helpers import directs, entity, owns

PARAMS = ShellParams(mass_address_min=3, nominee_director_min=3)
T0 = datetime(2026, 3, 1, tzinfo=UTC)


def _inputs(rows: list[dict[str, Any]], links: list[Link], **more: Any) -> ShellInputs:
    return ShellInputs({r["entity_id"]: r for r in rows}, OwnershipGraph(links), **more)


def _codes(inputs: ShellInputs, entity_id: str, params: ShellParams = PARAMS) -> list[str]:
    return [i.code for i in shell_indicators(inputs, params).get(entity_id, [])]


def test_mass_address_fires_from_the_threshold_only() -> None:
    crowded = [entity(f"c{i}", address=" 12, Rue du Port ") for i in range(3)]
    alone = entity("solo", address="1 Other Street")
    inputs = _inputs([*crowded, alone, entity("c3", address="12 rue du port")], [])
    assert _codes(inputs, "c0") == ["mass_address"]
    found = shell_indicators(inputs, PARAMS)["c0"][0]
    assert found.evidence["companies"] == 4
    assert "shared by 4 companies" in found.reason
    assert _codes(inputs, "solo") == []
    assert _codes(inputs, "c0", ShellParams(mass_address_min=5)) == []


def test_an_address_entity_counts_as_the_registered_address() -> None:
    rows = [entity("a1", "Address", name="PO Box 7, Road Town")]
    rows += [entity(f"c{i}", address_id="a1") for i in range(3)]
    assert _codes(_inputs(rows, []), "c1") == ["mass_address"]


def test_a_nominee_director_by_count_or_by_role() -> None:
    rows = [entity("p", "Person"), entity("q", "Person")] + [entity(f"c{i}") for i in range(4)]
    links = [directs("p", f"c{i}") for i in range(3)] + [directs("q", "c3", "Nominee Director")]
    inputs = _inputs(rows, links)
    assert _codes(inputs, "c0") == ["nominee_director"]
    assert _codes(inputs, "c3") == ["nominee_director"]
    fewer = _inputs(rows, links[:2])
    assert _codes(fewer, "c0") == [], "two companies are not a nominee's"


def _trade(name: str, roles: set[str], first: datetime, value: float) -> PartyTrade:
    return PartyTrade(name, frozenset(roles), first, first, value, 2)


def test_a_young_company_moving_large_trade() -> None:
    trade = {"fresh fruit": _trade("Fresh Fruit BV", {"consignee", "shipper"}, T0, 2e6),
             "old fruit": _trade("Old Fruit", {"shipper"}, T0, 2e6),
             "small fruit": _trade("Small Fruit", {"shipper"}, T0, 1e4)}  # fmt: skip
    rows = [entity("y", name="FRESH FRUIT B.V.", incorporation_date=date(2026, 1, 1)),
            entity("o", name="Old Fruit", incorporation_date=date(2015, 1, 1)),
            entity("s", name="Small Fruit", incorporation_date=date(2026, 1, 1))]  # fmt: skip
    inputs = _inputs(rows, [], trade=trade)
    assert _codes(inputs, "y") == ["young_company"]
    young = shell_indicators(inputs, PARAMS)["y"][0]
    assert young.evidence["age_days"] == 59
    assert _codes(inputs, "o") == []
    assert _codes(inputs, "s") == [], "young, but its trade is small"


def test_circular_ownership() -> None:
    rows = [entity("a"), entity("b"), entity("c")]
    inputs = _inputs(rows, [owns("a", "b"), owns("b", "a"), owns("a", "c")])
    assert _codes(inputs, "a") == ["circular_ownership"]
    assert _codes(inputs, "b") == ["circular_ownership"]
    assert _codes(inputs, "c") == [], "owned by a loop, not in it"


def test_an_owner_up_the_chain_in_a_secrecy_jurisdiction() -> None:
    secrecy = secrecy_jurisdictions()
    assert secrecy["vg"] == "fsi_2022"
    assert secrecy["pa"] == "eu_annex_i_2026_02"
    rows = [entity("t", country="nl"), entity("h", country="nl"), entity("bvi", country="vg"),
            entity("clean", country="nl"), entity("fr", country="fr")]  # fmt: skip
    links = [owns("bvi", "h"), owns("h", "t"), owns("fr", "clean")]
    inputs = _inputs(rows, links, secrecy=secrecy)
    assert _codes(inputs, "t") == ["secrecy_owner"]
    found = shell_indicators(inputs, PARAMS)["t"][0]
    assert found.evidence["path"] == ["bvi", "h", "t"]
    assert _codes(inputs, "clean") == []
    assert _codes(inputs, "bvi") == [], "its own country is not an owner's"


def test_a_company_only_ever_seen_as_consignee() -> None:
    trade = {"imports": _trade("Imports", {"consignee"}, T0, 1.0),
             "trader": _trade("Trader", {"consignee", "shipper"}, T0, 1.0)}  # fmt: skip
    rows = [entity("i", name="Imports Ltd"), entity("t", name="Trader")]
    inputs = _inputs(rows, [], trade=trade)
    assert _codes(inputs, "i") == ["consignee_only"]
    assert _codes(inputs, "t") == []


def test_a_listed_director_or_owner_up_the_chain() -> None:
    rows = [entity("c"), entity("h"), entity("boss", "Person"), entity("d", "Person"),
            entity("other")]  # fmt: skip
    links = [owns("boss", "h"), owns("h", "c"), directs("d", "other")]
    listed = {"boss": [ListedAs("sanctions/42", "The Boss", 0.93)],
              "d": [ListedAs("sanctions/7", "D", 0.8)]}  # fmt: skip
    inputs = _inputs(rows, links, listed=listed)
    assert _codes(inputs, "c") == ["listed_officer"]
    assert _codes(inputs, "other") == ["listed_officer"]
    found = shell_indicators(inputs, PARAMS)["c"][0]
    assert found.evidence["path"] == ["boss", "h", "c"]
    assert "sanctions/42" in found.reason
    assert _codes(_inputs(rows, links), "c") == [], "nobody listed"


def test_shell_score_is_a_noisy_or_counting_each_indicator_once() -> None:
    rows = [entity(f"c{i}", address="1 Main") for i in range(3)] + [entity("p", "Person")]
    links = [directs("p", f"c{i}") for i in range(3)]
    found = shell_indicators(_inputs(rows, links), PARAMS)["c0"]
    assert sorted(i.code for i in found) == ["mass_address", "nominee_director"]
    assert shell_score(found) == pytest.approx(1 - (1 - 0.3) * (1 - 0.35))
    assert shell_score([*found, *found]) == shell_score(found)
    assert shell_score([]) == 0.0


def test_party_trade_from_bills() -> None:
    bills = pl.DataFrame({
        "bill_of_lading": ["B1", "B2", "B2"], "issued_at": [T0, T0, T0],
        "shipper": ["Exporter SA", "Exporter S.A.", "Exporter S.A."],
        "consignee": ["Acme Ltd", "ACME", "ACME"], "notify_party": [None, None, None],
        "declared_value": [100.0, 50.0, 50.0],
    })  # fmt: skip
    trade = party_trade(bills)
    assert set(trade) == {"exporter", "acme"}
    assert trade["acme"].roles == {"consignee"}
    assert trade["acme"].bills == 2
    assert trade["acme"].declared_value == 150.0, "a bill counted once"


def _registry() -> ShellInputs:
    rows = [entity("v", "Vessel", name="SEA STAR", imo=9074729), entity("owner"),
            entity("boss", "Person"), entity("lonely", "Vessel", imo=9176187)]  # fmt: skip
    links = [owns("owner", "v", 100), owns("boss", "owner", 60), owns("boss", "lonely")]
    listed = {"boss": [ListedAs("sanctions/42", "The Boss", 0.9)]}
    return _inputs(rows, links, listed=listed)


def test_a_vessel_owned_up_the_chain_by_a_listed_person_gets_an_event_with_the_path() -> None:
    inputs = _registry()
    seen = {"v": Seen(T0, T0, 224000001, 10.0, -60.0)}
    events = as_frame(graph_events(inputs, {}, seen, Seen(T0, T0), PARAMS))
    vessels = events.filter(pl.col("subject").struct.field("kind") == "vessel").sort("mmsi")
    assert vessels.height == 2
    unheard = vessels.row(0, named=True)
    assert unheard["subject"] == {"kind": "vessel", "id": "lonely"}, "never heard: its entity id"
    assert (unheard["type"], unheard["mmsi"], unheard["lat"]) == ("owned_by_listed", None, None)
    assert json.loads(unheard["evidence"])["path"] == ["boss", "lonely"]
    row = vessels.row(1, named=True)
    assert row["type"] == "owned_by_listed"
    assert row["mmsi"] == 224000001
    assert row["subject"] == {"kind": "vessel", "id": "224000001"}
    assert {"kind": "list_entry", "id": "sanctions/42"} in row["related"]
    evidence = json.loads(row["evidence"])
    assert evidence["path"] == ["boss", "owner", "v"]
    assert evidence["reasons"] == ["BOSS owns 60 % of OWNER", "OWNER owns 100 % of SEA STAR"]
    company = events.filter(pl.col("subject").struct.field("kind") == "company")
    assert company["subject"].struct.field("id").to_list() == ["owner"]
    again = as_frame(graph_events(inputs, {}, seen, Seen(T0, T0), PARAMS))
    assert again["id"].to_list() == events["id"].to_list(), "stable ids"


def test_the_event_raises_the_vessels_risk_as_a_list_match_does() -> None:
    inputs = _registry()
    seen = {"v": Seen(T0, T0, 224000001)}
    events = as_frame(graph_events(inputs, {}, seen, Seen(T0, T0), PARAMS))
    vessels = pl.DataFrame({"mmsi": [224000001]})
    with_event = score_vessels(events, vessels, now=T0)
    without = score_vessels(events.clear(), vessels, now=T0)
    assert with_event["score"][0] > without["score"][0]
    assert "owned_by_listed" in with_event["reasons"][0]


def test_shell_events_from_the_score_and_owned_by_shell() -> None:
    rows = [entity(f"c{i}", address="1 Main") for i in range(3)]
    rows += [entity("v", "Vessel", imo=9074729), entity("tiny", address="2 Main")]
    inputs = _inputs(rows, [owns("c0", "v")])
    indicators = shell_indicators(inputs, PARAMS)
    events = shell_events(inputs, indicators, {}, Seen(T0, T0), PARAMS)
    assert sorted(e["subject"]["id"] for e in events) == ["c0", "c1", "c2"]
    assert all(e["type"] == "shell_company" for e in events)
    strict = shell_events(inputs, indicators, {}, Seen(T0, T0), ShellParams(min_score=0.5))
    assert strict == [], "one mass address is below a higher bar"
    shells = {"c0": 0.3}
    seen = {"v": Seen(T0, T0, 224000002)}
    owned = graph_events(inputs, shells, seen, Seen(T0, T0), PARAMS)
    assert [(e["type"], e["mmsi"]) for e in owned] == [("owned_by_shell", 224000002)]


def test_two_registry_vessels_heard_as_one_give_one_event() -> None:
    rows = [entity("v1", "Vessel", imo=9074729), entity("v2", "Vessel", imo=9176187),
            entity("boss", "Person")]  # fmt: skip
    links = [owns("boss", "v1"), owns("boss", "v2")]
    inputs = _inputs(rows, links, listed={"boss": [ListedAs("l/1", "Boss", 0.9)]})
    seen = {"v1": Seen(T0, T0, 224000001), "v2": Seen(T0, T0, 224000001)}
    events = as_frame(graph_events(inputs, {}, seen, Seen(T0, T0), PARAMS))
    assert events.height == 1
