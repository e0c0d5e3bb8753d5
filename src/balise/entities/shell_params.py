"""Thresholds of the shell-company indicators and of risk through the ownership graph
(`balise.entities.shell`), as settings `shell.<field>` (e.g. `shell.mass_address_min`), each
number once, here, with its source."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from balise.model.parameters import params_from, settings_of

PREFIX = "shell"
"""The settings of this module are `shell.<field>`."""


@dataclass(frozen=True)
class ShellParams:
    """When an indicator fires, how much each weighs in a company's shell score (combined as
    a noisy-OR, like the vessel risk), and how far risk flows through the graph."""

    mass_address_min: int = 10
    """Companies registered at one address from which it is a mass registration address.
    Global Witness and DataKind, The Companies We Keep (2018), counted over 208,000 UK companies
    at company-factory or mailbox addresses, which hold hundreds each; Balise takes 10 as a
    judgement for the regional extracts a customs service holds."""
    nominee_director_min: int = 10
    """Companies one person directs from which the person is taken for a nominee. The same
    study counted over 9,000 companies whose controller controls more than 100 companies, on a
    national register; 10 is a Balise judgement for smaller registries. A role naming a
    nominee (`nominee director`) fires whatever the count."""
    young_company_days: int = 180
    """Age of a company, at its first bill of lading, under which it is young. FATF and the
    Egmont Group, Trade-Based Money Laundering: Risk Indicators (2021), name a newly formed
    company trading in high volumes; the six months are a Balise judgement."""
    young_company_value: float = 1_000_000.0
    """Declared value of the bills (in their currencies, summed as numbers) from which a young
    company's trade is large. Balise judgement."""
    mass_address_weight: float = 0.3
    """Weight of a mass registration address in the shell score. Balise judgement."""
    nominee_director_weight: float = 0.35
    """Weight of a nominee director. Balise judgement."""
    young_company_weight: float = 0.35
    """Weight of a young company moving large trade. Balise judgement."""
    circular_ownership_weight: float = 0.4
    """Weight of circular ownership (328 UK companies in such structures, Global Witness 2018:
    rare, and a way to have no ultimate owner). Balise judgement."""
    secrecy_owner_weight: float = 0.2
    """Weight of an owner up the chain in a secrecy jurisdiction (data/secrecy_jurisdictions.md).
    Low: the index ranks large economies high. Balise judgement."""
    consignee_only_weight: float = 0.15
    """Weight of a party that appears on bills of lading only as a consignee and in no
    registry: a name that exists on paper only. Balise judgement."""
    listed_officer_weight: float = 0.6
    """Weight of a director or owner (up the chain) who is on a screening list. Balise
    judgement, below the weight of a listing itself (0.9)."""
    min_score: float = 0.3
    """Shell score from which a company is a `shell_company` event (and a shell for the
    risk through the graph). With the weights above, one strong indicator or two weak ones.
    Balise judgement."""
    depth: int = 6
    """Links followed upwards from a vessel or company to a listed entity or a shell. Balise
    judgement: layering rarely passes five or six levels in the offshore leaks (ICIJ)."""


def shell_settings() -> list[dict[str, Any]]:
    """One setting declaration (keyword arguments of `balise.settings.Setting`) per number."""
    source = f"{ShellParams.__module__}.ShellParams (docs/entities.md)"
    return settings_of(PREFIX, ShellParams, source)


def shell_params(values: Mapping[str, Any]) -> ShellParams:
    """The shell parameters from resolved settings `values` (defaults where absent)."""
    return params_from(values, PREFIX, ShellParams)
