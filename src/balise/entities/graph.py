"""The ownership and control graph of registry entities, pure (no I/O): who owns a share of
whom (`ownership` links, with a share in %), who directs whom (`directorship` links), up to the
ultimate owners.

An entity's ultimate owners are found by walking its ownership links upwards, depth first,
until an owner nobody owns (or the depth limit). The effective share of an ultimate owner is
the product of the shares along a path, summed over every path (a holding through two
subsidiaries adds up); a path with a share not given has no effective share, and the owner's
share is then a lower bound (`complete` false). A path that comes back to an entity already on
it is a cycle (circular ownership): it is reported once and not followed further.

Links are read as they hold on a day when one is given (started on or before it, not ended
before it); without a day every link holds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

DEFAULT_DEPTH = 10
"""Links followed upwards at most: deeper chains are cut and their top reported as an owner
(`truncated`). Layering rarely passes five or six levels in the leaks (ICIJ)."""


@dataclass(frozen=True)
class Link:
    """One ownership or directorship link: `source_id` owns (a share `share_pct` %, None when
    not given) or directs `target_id`."""

    link_id: str
    kind: str
    source_id: str
    target_id: str
    share_pct: float | None = None
    role: str | None = None
    start: date | None = None
    end: date | None = None

    def holds_on(self, day: date | None) -> bool:
        """True when the link holds on `day` (always when `day` is None)."""
        if day is None:
            return True
        return (self.start is None or self.start <= day) and (self.end is None or self.end >= day)


@dataclass
class UltimateOwner:
    """An owner at the top of a chain: its effective share in % (the sum over its paths of the
    product of the shares; None when no path gives every share), its paths (each from the
    owner down to the entity), whether every path gave its shares, and whether the depth limit
    cut a chain above it."""

    owner_id: str
    effective_pct: float | None = None
    paths: list[tuple[str, ...]] = field(default_factory=list)
    complete: bool = True
    truncated: bool = False


@dataclass(frozen=True)
class Ownership:
    """The ultimate owners of an entity (largest share first) and the cycles met on the way
    (each as the entities around it, starting at its smallest id)."""

    owners: list[UltimateOwner]
    cycles: list[tuple[str, ...]]


def links_of_frame(frame: pl.DataFrame) -> list[Link]:
    """`Link`s of a `LINK_SCHEMA` frame."""
    return [
        Link(
            r["link_id"],
            r["kind"],
            r["source_id"],
            r["target_id"],
            r["share_pct"],
            r["role"],
            r["start_date"],
            r["end_date"],
        )
        for r in frame.iter_rows(named=True)
    ]


def canonical_cycle(cycle: Iterable[str]) -> tuple[str, ...]:
    """A cycle rotated to start at its smallest id, so one cycle has one form."""
    items = list(cycle)
    start = items.index(min(items))
    return tuple(items[start:] + items[:start])


class OwnershipGraph:
    """The links holding on `day` (all when None), indexed both ways by kind."""

    def __init__(self, links: Iterable[Link], day: date | None = None) -> None:
        self._up: dict[str, dict[str, list[Link]]] = defaultdict(lambda: defaultdict(list))
        self._down: dict[str, dict[str, list[Link]]] = defaultdict(lambda: defaultdict(list))
        for link in links:
            if not link.holds_on(day):
                continue
            self._up[link.kind][link.target_id].append(link)
            if link.source_id != link.target_id:  # a self-link is kept above, as a cycle
                self._down[link.kind][link.source_id].append(link)

    def owners_of(self, entity_id: str) -> list[Link]:
        """The direct ownership links of `entity_id` (its shareholders)."""
        return list(self._up["ownership"].get(entity_id, []))

    def owned_by(self, entity_id: str) -> list[Link]:
        """What `entity_id` owns a share of, directly."""
        return list(self._down["ownership"].get(entity_id, []))

    def directors_of(self, entity_id: str) -> list[Link]:
        """The directorship links of `entity_id` (its directors)."""
        return list(self._up["directorship"].get(entity_id, []))

    def directs(self, entity_id: str) -> list[Link]:
        """What `entity_id` directs."""
        return list(self._down["directorship"].get(entity_id, []))

    def ultimate_owners(self, entity_id: str, depth: int = DEFAULT_DEPTH) -> Ownership:
        """The ultimate owners of `entity_id` with effective shares and paths, and the ownership
        cycles met (see the module docstring)."""
        found: dict[str, UltimateOwner] = {}
        cycles: set[tuple[str, ...]] = set()
        self._walk(entity_id, (entity_id,), 1.0, depth, found, cycles)
        owners = sorted(found.values(), key=lambda o: (-(o.effective_pct or 0.0), o.owner_id))
        return Ownership(owners, sorted(cycles))

    def _walk(
        self,
        node: str,
        chain: tuple[str, ...],
        fraction: float | None,
        depth: int,
        found: dict[str, UltimateOwner],
        cycles: set[tuple[str, ...]],
    ) -> None:
        """`chain` runs from `node` down to the entity asked about."""
        owners = [link for link in self.owners_of(node) if link.source_id != node]
        for link in self.owners_of(node):
            if link.source_id == node:
                cycles.add((node,))
        if not owners or len(chain) > depth:
            if len(chain) > 1:
                self._record(node, chain, fraction, found, truncated=bool(owners))
            return
        for link in owners:
            if link.source_id in chain:
                cycles.add(canonical_cycle(chain[: chain.index(link.source_id) + 1]))
                continue
            share = (
                None
                if fraction is None or link.share_pct is None
                else fraction * (link.share_pct / 100.0)
            )
            self._walk(link.source_id, (link.source_id, *chain), share, depth, found, cycles)

    @staticmethod
    def _record(
        node: str,
        chain: tuple[str, ...],
        fraction: float | None,
        found: dict[str, UltimateOwner],
        truncated: bool,
    ) -> None:
        owner = found.setdefault(node, UltimateOwner(node))
        owner.paths.append(chain)
        owner.truncated = owner.truncated or truncated
        if fraction is None:
            owner.complete = False
        else:
            owner.effective_pct = (owner.effective_pct or 0.0) + 100.0 * fraction

    def controllers(self, entity_id: str, depth: int = DEFAULT_DEPTH) -> dict[str, tuple[str, ...]]:
        """Everyone above `entity_id` through ownership or directorship links, each with its
        shortest path (from the controller down to the entity), breadth first."""
        paths: dict[str, tuple[str, ...]] = {entity_id: (entity_id,)}
        frontier = [entity_id]
        for _ in range(depth):
            upper: list[str] = []
            for node in frontier:
                for link in self.owners_of(node) + self.directors_of(node):
                    if link.source_id not in paths:
                        paths[link.source_id] = (link.source_id, *paths[node])
                        upper.append(link.source_id)
            frontier = upper
        del paths[entity_id]
        return paths

    def cycles(self) -> list[tuple[str, ...]]:
        """Every ownership cycle of the graph (entities owning each other round)."""
        found: set[tuple[str, ...]] = set()
        for target in list(self._up["ownership"]):
            found.update(self.ultimate_owners(target).cycles)
        return sorted(found)

    def summary(self, entity_id: str) -> dict[str, Any]:
        """Counts of an entity's direct links, for listings."""
        return {
            "owners": len(self.owners_of(entity_id)), "owns": len(self.owned_by(entity_id)),
            "directors": len(self.directors_of(entity_id)), "directs": len(self.directs(entity_id)),
        }  # fmt: skip


def entities_by_id(frame: pl.DataFrame) -> Mapping[str, dict[str, Any]]:
    """The rows of an `ENTITY_SCHEMA` frame by entity id."""
    return {row["entity_id"]: row for row in frame.iter_rows(named=True)}
