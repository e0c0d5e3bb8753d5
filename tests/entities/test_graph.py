"""The ownership graph: ultimate owners with effective shares summed over paths, cycles, depth,
links in force on a day, controllers through directorships."""

from __future__ import annotations

from datetime import date

import pytest

from balise.entities.graph import OwnershipGraph, canonical_cycle
from registry_helpers import directs, owns


def test_effective_share_is_the_product_along_a_path_summed_over_paths() -> None:
    # P owns 50 % of A and 100 % of B; A owns 40 % of T, B owns 30 % of T.
    graph = OwnershipGraph([owns("P", "A", 50), owns("P", "B", 100), owns("A", "T", 40),
                            owns("B", "T", 30), owns("Q", "T", 30)])  # fmt: skip
    found = graph.ultimate_owners("T")
    by_id = {o.owner_id: o for o in found.owners}
    assert set(by_id) == {"P", "Q"}
    assert by_id["P"].effective_pct == pytest.approx(50.0)  # 0.5 * 0.4 + 1.0 * 0.3
    assert sorted(by_id["P"].paths) == [("P", "A", "T"), ("P", "B", "T")]
    assert by_id["Q"].effective_pct == pytest.approx(30.0)
    assert [o.owner_id for o in found.owners] == ["P", "Q"], "largest share first"
    assert found.cycles == []


def test_a_share_not_given_makes_the_owner_incomplete() -> None:
    graph = OwnershipGraph([owns("P", "A", None), owns("A", "T", 60), owns("R", "T", 40)])
    by_id = {o.owner_id: o for o in graph.ultimate_owners("T").owners}
    assert by_id["P"].effective_pct is None
    assert not by_id["P"].complete
    assert by_id["R"].complete
    assert by_id["R"].effective_pct == pytest.approx(40.0)


def test_circular_ownership_is_reported_once_and_not_followed() -> None:
    graph = OwnershipGraph([owns("A", "B", 100), owns("B", "A", 100), owns("A", "T", 100),
                            owns("X", "B", 0)])  # fmt: skip
    found = graph.ultimate_owners("T")
    assert found.cycles == [("A", "B")]
    assert [o.owner_id for o in found.owners] == ["X"], "the loop has no owner at its top"
    assert graph.cycles() == [("A", "B")]
    assert canonical_cycle(["C", "A", "B"]) == ("A", "B", "C")


def test_an_entity_owning_itself_is_a_cycle() -> None:
    graph = OwnershipGraph([owns("A", "A", 10), owns("P", "A", 90)])
    found = graph.ultimate_owners("A")
    assert found.cycles == [("A",)]
    assert [o.owner_id for o in found.owners] == ["P"]


def test_the_depth_limit_cuts_a_chain_and_says_so() -> None:
    chain = [owns(f"N{i + 1}", f"N{i}") for i in range(6)]
    graph = OwnershipGraph(chain)
    deep = graph.ultimate_owners("N0")
    assert [o.owner_id for o in deep.owners] == ["N6"]
    assert not deep.owners[0].truncated
    cut = graph.ultimate_owners("N0", depth=3)
    assert [o.owner_id for o in cut.owners] == ["N3"]
    assert cut.owners[0].truncated


def test_links_are_read_as_they_hold_on_a_day() -> None:
    links = [
        owns("OLD", "T", 100, end=date(2020, 1, 1)),
        owns("NEW", "T", 100, start=date(2020, 1, 2)),
    ]
    assert [o.owner_id for o in OwnershipGraph(links, date(2019, 6, 1)).ultimate_owners(
        "T").owners] == ["OLD"]  # fmt: skip
    assert [o.owner_id for o in OwnershipGraph(links, date(2024, 6, 1)).ultimate_owners(
        "T").owners] == ["NEW"]  # fmt: skip
    assert len(OwnershipGraph(links).owners_of("T")) == 2


def test_controllers_go_up_through_owners_and_directors() -> None:
    graph = OwnershipGraph([owns("H", "C"), directs("D", "H"), owns("C", "V"), owns("U", "X")])
    assert graph.controllers("V") == {"C": ("C", "V"), "H": ("H", "C", "V"),
                                      "D": ("D", "H", "C", "V")}  # fmt: skip
    assert graph.controllers("V", depth=1) == {"C": ("C", "V")}
    assert [link.target_id for link in graph.directs("D")] == ["H"]
    assert [link.target_id for link in graph.owned_by("C")] == ["V"]
