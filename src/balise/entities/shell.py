"""Shell-company indicators over the ownership graph, pure (no I/O), each with its reason, as
investigators use them (Global Witness and DataKind, The Companies We Keep, 2018; FATF and the
Egmont Group, Trade-Based Money Laundering: Risk Indicators, 2021):

- `mass_address`: registered at an address shared by `shell.mass_address_min` companies or
  more (a company factory or a mailbox);
- `nominee_director`: a director who directs `shell.nominee_director_min` companies or more, or
  whose role names a nominee;
- `young_company`: incorporated less than `shell.young_company_days` before its first bill of
  lading, with bills declaring `shell.young_company_value` or more;
- `circular_ownership`: the company owns itself through others (no ultimate owner);
- `secrecy_owner`: an owner up the chain registered in a secrecy jurisdiction
  (`data/secrecy_jurisdictions.csv`);
- `consignee_only`: named on bills of lading only ever as consignee (never shipper or notify
  party);
- `listed_officer`: a director, or an owner up the chain, is on a screening list.

A company's shell score combines the weights of its indicators as a noisy-OR (each kind once);
from `shell.min_score` it is a shell.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

import polars as pl

from balise.entities.graph import OwnershipGraph
from balise.entities.linking import address_key, name_key
from balise.entities.shell_params import ShellParams
from balise.model.registry import ORGANISATION_SCHEMATA

PARTY_ROLES = ("shipper", "consignee", "notify_party", "declarant")
MAX_LISTED = 10
"""Other companies listed in the evidence of a mass address (the count is always given)."""


@cache
def secrecy_jurisdictions() -> dict[str, str]:
    """The shipped secrecy jurisdictions (`balise/data/secrecy_jurisdictions.csv`): country
    code (lower case) → the list naming it (`fsi_2022`, `eu_annex_i_2026_02`)."""
    text = resources.files("balise.data").joinpath("secrecy_jurisdictions.csv").read_text("utf-8")
    found: dict[str, str] = {}
    for row in csv.DictReader(io.StringIO(text)):
        found.setdefault(row["country"], row["list"])
    return found


@dataclass(frozen=True)
class PartyTrade:
    """What the bills of lading say of one party (by name key): its name as first written, its
    roles, its first and last bill, the sum of the declared values and the number of bills."""

    name: str
    roles: frozenset[str]
    first_bill: datetime
    last_bill: datetime
    declared_value: float
    bills: int


def party_trade(manifests: pl.DataFrame) -> dict[str, PartyTrade]:
    """The parties of `MANIFEST_SCHEMA` rows, by `name_key`."""
    found: dict[str, dict[str, Any]] = {}
    for row in manifests.sort("issued_at", "bill_of_lading").iter_rows(named=True):
        for role in PARTY_ROLES:
            key = name_key(row.get(role))  # a frame of an earlier schema has no declarant
            if not key:
                continue
            party = found.setdefault(key, {"name": " ".join(row[role].split()), "roles": set(),
                                           "times": [], "value": 0.0, "bills": set()})  # fmt: skip
            party["roles"].add(role)
            party["times"].append(row["issued_at"])
            if row["bill_of_lading"] not in party["bills"]:
                party["value"] += row["declared_value"] or 0.0
                party["bills"].add(row["bill_of_lading"])
    return {
        key: PartyTrade(
            p["name"],
            frozenset(p["roles"]),
            min(p["times"]),
            max(p["times"]),
            p["value"],
            len(p["bills"]),
        )
        for key, p in found.items()
    }


@dataclass(frozen=True)
class ListedAs:
    """A registry entity's match on a screening list: the entry (`<list>/<entry id>`), its name
    and the match score."""

    entry_ref: str
    entry_name: str
    score: float


@dataclass(frozen=True)
class Indicator:
    """One shell indicator of an entity: its code, weight, reason and evidence."""

    code: str
    entity_id: str
    weight: float
    reason: str
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ShellInputs:
    """What the indicators read: registry entities by id (`ENTITY_SCHEMA` rows), the graph, the
    bills' parties by name key, the registry entities on lists, the secrecy jurisdictions."""

    entities: Mapping[str, Mapping[str, Any]]
    graph: OwnershipGraph
    trade: Mapping[str, PartyTrade] = field(default_factory=dict)
    listed: Mapping[str, Sequence[ListedAs]] = field(default_factory=dict)
    secrecy: Mapping[str, str] = field(default_factory=dict)


def shell_score(indicators: Sequence[Indicator]) -> float:
    """The noisy-OR of the indicators' weights, each code counted once (its largest)."""
    best: dict[str, float] = {}
    for found in indicators:
        best[found.code] = max(best.get(found.code, 0.0), found.weight)
    remaining = 1.0
    for weight in best.values():
        remaining *= 1.0 - weight
    return round(1.0 - remaining, 6)


def shell_indicators(
    inputs: ShellInputs, params: ShellParams, only: Collection[str] | None = None
) -> dict[str, list[Indicator]]:
    """The indicators of every organisation of the registry that has one (of those of `only`
    when given: an entity page), by entity id."""
    addresses = _addresses(inputs.entities)
    crowded = Counter(addresses.values())
    wanted = inputs.entities.keys() if only is None else [e for e in only if e in inputs.entities]
    cycles = _cycles(inputs.graph, None if only is None else wanted, params.depth)
    found: dict[str, list[Indicator]] = {}
    for entity_id in wanted:
        row = inputs.entities[entity_id]
        if row["schema"] not in ORGANISATION_SCHEMATA:
            continue
        indicators = [
            *_mass_address(entity_id, addresses, crowded, params),
            *_nominees(entity_id, inputs, params),
            *_young(entity_id, row, inputs, params),
            *_circular(entity_id, cycles, params),
            *_secrecy(entity_id, inputs, params),
            *_consignee_only(entity_id, row, inputs, params),
            *_listed_officers(entity_id, inputs, params),
        ]
        if indicators:
            found[entity_id] = indicators
    return found


def _cycles(
    graph: OwnershipGraph, only: Iterable[str] | None, depth: int
) -> dict[str, tuple[str, ...]]:
    """The ownership cycle each entity is on (of the whole graph, or met above `only`)."""
    if only is None:
        found = graph.cycles()
    else:
        found = sorted({c for e in only for c in graph.ultimate_owners(e, depth).cycles})
    return {member: cycle for cycle in found for member in cycle}


def _name(inputs: ShellInputs, entity_id: str) -> str:
    row = inputs.entities.get(entity_id)
    return str(row["name"]) if row else entity_id


def _addresses(entities: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """Each organisation's address key: its address as written, else its address entity's."""
    keys = {}
    for entity_id, row in entities.items():
        if row["schema"] not in ORGANISATION_SCHEMATA:
            continue
        text = row["address"]
        if not text and row["address_id"] in entities:
            text = entities[row["address_id"]]["name"]
        key = address_key(text)
        if key:
            keys[entity_id] = key
    return keys


def _mass_address(
    entity_id: str, addresses: Mapping[str, str], crowded: Counter[str], params: ShellParams
) -> list[Indicator]:
    key = addresses.get(entity_id)
    if key is None or crowded[key] < params.mass_address_min:
        return []
    others = sorted(e for e, k in addresses.items() if k == key and e != entity_id)
    reason = (f"registered at an address shared by {crowded[key]} companies "
              f"(from {params.mass_address_min}: shell.mass_address_min)")  # fmt: skip
    evidence = {"address": key, "companies": crowded[key], "others": others[:MAX_LISTED]}
    return [Indicator("mass_address", entity_id, params.mass_address_weight, reason, evidence)]


def _nominees(entity_id: str, inputs: ShellInputs, params: ShellParams) -> list[Indicator]:
    found = []
    for link in inputs.graph.directors_of(entity_id):
        directed = len({d.target_id for d in inputs.graph.directs(link.source_id)})
        nominee_role = "nominee" in (link.role or "").lower()
        if directed < params.nominee_director_min and not nominee_role:
            continue
        why = (f"role '{link.role}'" if nominee_role else
               f"directs {directed} companies (from {params.nominee_director_min}: "
               "shell.nominee_director_min)")  # fmt: skip
        reason = f"director {_name(inputs, link.source_id)} {why}"
        evidence = {"director": link.source_id, "companies_directed": directed, "role": link.role}
        found.append(Indicator("nominee_director", entity_id, params.nominee_director_weight,
                               reason, evidence))  # fmt: skip
    return found


def _trade_of(row: Mapping[str, Any], inputs: ShellInputs) -> PartyTrade | None:
    for text in (row["name"], *(row["aliases"] or ())):
        trade = inputs.trade.get(name_key(text))
        if trade is not None:
            return trade
    return None


def _young(
    entity_id: str, row: Mapping[str, Any], inputs: ShellInputs, params: ShellParams
) -> list[Indicator]:
    trade, born = _trade_of(row, inputs), row["incorporation_date"]
    if trade is None or born is None:
        return []
    age_days = (trade.first_bill.date() - born).days
    if age_days >= params.young_company_days or trade.declared_value < params.young_company_value:
        return []
    reason = (f"incorporated {age_days} days before its first bill of lading (under "
              f"{params.young_company_days}), bills declaring {trade.declared_value:,.0f} "
              f"(from {params.young_company_value:,.0f})")  # fmt: skip
    evidence = {"incorporated": str(born), "first_bill": trade.first_bill.isoformat(),
                "age_days": age_days, "declared_value": trade.declared_value,
                "bills": trade.bills}  # fmt: skip
    return [Indicator("young_company", entity_id, params.young_company_weight, reason, evidence)]


def _circular(
    entity_id: str, cycles: Mapping[str, tuple[str, ...]], params: ShellParams
) -> list[Indicator]:
    cycle = cycles.get(entity_id)
    if cycle is None:
        return []
    reason = "owns itself through " + " → ".join((*cycle, cycle[0]))
    evidence = {"cycle": list(cycle)}
    return [Indicator("circular_ownership", entity_id, params.circular_ownership_weight, reason,
                      evidence)]  # fmt: skip


def _secrecy(entity_id: str, inputs: ShellInputs, params: ShellParams) -> list[Indicator]:
    owners = inputs.graph.ultimate_owners(entity_id, params.depth)
    seen: set[str] = set()
    for owner in owners.owners:
        for path in owner.paths:
            for node in path[:-1]:
                country = str((inputs.entities.get(node) or {}).get("country") or "")
                if node in seen or country not in inputs.secrecy:
                    continue
                seen.add(node)
                reason = (f"owner {_name(inputs, node)} registered in {country.upper()} "
                          f"({inputs.secrecy[country]})")  # fmt: skip
                evidence = {"owner": node, "country": country, "list": inputs.secrecy[country],
                            "path": list(path[path.index(node):])}  # fmt: skip
                return [Indicator("secrecy_owner", entity_id, params.secrecy_owner_weight,
                                  reason, evidence)]  # fmt: skip
    return []


def _consignee_only(
    entity_id: str, row: Mapping[str, Any], inputs: ShellInputs, params: ShellParams
) -> list[Indicator]:
    trade = _trade_of(row, inputs)
    if trade is None or trade.roles != frozenset({"consignee"}):
        return []
    reason = f"named on {trade.bills} bills of lading, only ever as consignee"
    evidence = {"bills": trade.bills, "roles": sorted(trade.roles)}
    return [Indicator("consignee_only", entity_id, params.consignee_only_weight, reason, evidence)]


def _listed_officers(entity_id: str, inputs: ShellInputs, params: ShellParams) -> list[Indicator]:
    officers: dict[str, tuple[str, ...]] = {
        link.source_id: (link.source_id, entity_id) for link in inputs.graph.directors_of(entity_id)
    }
    for owner, path in inputs.graph.controllers(entity_id, params.depth).items():
        officers.setdefault(owner, path)
    found = []
    for officer, path in sorted(officers.items()):
        for match in inputs.listed.get(officer, ()):
            reason = (
                f"{_name(inputs, officer)} ({' → '.join(path)}) matches list entry "
                f"{match.entry_ref} ({match.entry_name}, score {match.score:.2f})"
            )
            evidence = {"officer": officer, "path": list(path), "entry": match.entry_ref,
                        "score": match.score}  # fmt: skip
            found.append(Indicator("listed_officer", entity_id, params.listed_officer_weight,
                                   reason, evidence))  # fmt: skip
    return found
