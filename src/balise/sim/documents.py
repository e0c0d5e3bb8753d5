"""Paper the world produces besides AIS: yacht clearance declarations, a watchlist, the roster.

French overseas customs expect a declaration from a yacht arriving from a foreign port; every
yacht of the background traffic files one (a few hours before arrival), the `clearance_missing`
scenario yacht does not, and the `clearance_mismatch` yachts file declarations their tracks
contradict. The watchlist is what a partner agency shares: the scenario's vessel of interest among
entries for ships that never show up.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import polars as pl

from balise.sim.fleet import Hull, Identity, IdentityFactory, make_hull
from balise.sim.places import port
from balise.sim.plan import FiledDeclaration, HullPlan

FRENCH_OVERSEAS = ("MQ", "GP", "MF", "BL", "GF")
"""Countries (ISO 3166) of the French Caribbean and Guiana ports: a clearance is due there."""


def _time(start: datetime, seconds: float) -> str:
    return (start + timedelta(seconds=round(seconds))).strftime("%Y-%m-%dT%H:%M:%SZ")


def clearances(
    plans: list[HullPlan],
    undeclared: list[int],
    start: datetime,
    end_s: float,
    rng: np.random.Generator,
    staged: list[FiledDeclaration] | None = None,
) -> pl.DataFrame:
    """One declaration per yacht arrival from abroad at a French overseas port in the window,
    and the declarations the scenarios filed (`staged`; their yachts get no other).

    A yacht's previous call is the one before in her plan, her starting berth included: a yacht
    berthed in St John's when the world begins and sailing to Pointe-à-Pitre declares it."""
    staged = staged or []
    skipped = {*undeclared, *(d.mmsi for d in staged)}
    identities = {plan.hull.identity.mmsi: plan.hull.identity for plan in plans}
    rows = []
    for plan in plans:
        identity = plan.hull.identity
        if plan.hull.role != "yacht" or identity.mmsi in skipped:
            continue
        for before, call in zip(plan.port_calls, plan.port_calls[1:], strict=False):
            foreign = port(before.locode).country not in FRENCH_OVERSEAS
            if (
                foreign
                and port(call.locode).country in FRENCH_OVERSEAS
                and 0 <= call.arrival_s < end_s
            ):
                submitted = call.arrival_s - float(rng.uniform(2, 20)) * 3600
                expected = round(call.arrival_s / 3600) * 3600
                filed = FiledDeclaration(identity.mmsi, submitted, call.locode, expected,
                                         before.locode)  # fmt: skip
                rows.append(_declaration(filed, identity, start, rng))
    rows += [_declaration(filed, identities[filed.mmsi], start, rng) for filed in staged]
    return pl.DataFrame(rows, schema=CLEARANCE_SCHEMA).sort("submitted_at", "declaration_id")


def _declaration(
    filed: FiledDeclaration, identity: Identity, start: datetime, rng: np.random.Generator
) -> dict[str, object]:
    return {
        "declaration_id": f"DEC-{filed.mmsi}-{round(filed.expected_arrival_s)}",
        "submitted_at": _time(start, filed.submitted_s),
        "vessel_name": identity.name,
        "mmsi": filed.mmsi,
        "flag": identity.flag,
        "call_sign": identity.call_sign,
        "arrival_port": filed.arrival_port,
        "expected_arrival": _time(start, filed.expected_arrival_s),
        "last_port": filed.last_port,
        "persons_on_board": int(rng.integers(1, 7)),
    }


CLEARANCE_SCHEMA: dict[str, pl.DataType] = {
    "declaration_id": pl.String(),
    "submitted_at": pl.String(),
    "vessel_name": pl.String(),
    "mmsi": pl.Int64(),
    "flag": pl.String(),
    "call_sign": pl.String(),
    "arrival_port": pl.String(),
    "expected_arrival": pl.String(),
    "last_port": pl.String(),
    "persons_on_board": pl.Int64(),
}

_REASONS = (
    "suspected cocaine transport (partner intelligence)",
    "previous seizure on board",
    "owner linked to a sanctioned company",
)


def watchlist(listed: list[Hull], factory: IdentityFactory, start: datetime) -> pl.DataFrame:
    """Watchlist entries: the listed hulls and decoys that are not in the world."""
    decoys = [make_hull(factory, -i, "general_cargo") for i in range(1, 5)]
    rows = [
        {
            "name": hull.identity.name,
            "imo": hull.identity.imo,
            "mmsi": hull.identity.mmsi,
            "call_sign": hull.identity.call_sign,
            "flag": hull.identity.flag,
            "reason": _REASONS[index % len(_REASONS)],
            "source": "partner agency",
            "listed_since": (start - timedelta(days=30 + 17 * index)).strftime("%Y-%m-%d"),
        }
        for index, hull in enumerate([*listed, *decoys])
    ]
    return pl.DataFrame(rows).sort("name")


def roster(plans: list[HullPlan]) -> pl.DataFrame:
    """Every hull of the world with its role and scenario: the truth of who is who."""
    return pl.DataFrame(
        [
            {
                "hull_id": plan.hull.hull_id,
                "role": plan.hull.role,
                "scenario": plan.scenario,
                "ais": bool(plan.statics),
                "mmsi": plan.hull.identity.mmsi,
                "imo": plan.hull.identity.imo,
                "name": plan.hull.identity.name,
                "call_sign": plan.hull.identity.call_sign,
                "flag": plan.hull.identity.flag,
                "ship_type": plan.hull.identity.ship_type,
                "length_m": plan.hull.identity.length_m,
                "ais_class": plan.hull.identity.ais_class,
            }
            for plan in plans
        ]
    )
