"""The simulator's theatre against what reads it: its coastal sites and ports lie in the default
watch zones, its destination texts read back to its ports, its high-risk ports are on the list,
and its fleet's identities raise no identity event."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

import numpy as np
import polars as pl

from balise.geo.gazetteer import Gazetteer, load_high_risk_ports
from balise.geo.sphere import haversine_km
from balise.geo.zones import default_zones
from balise.maritime.identity import detect_identity_changes
from balise.model.schema import IDENTITY_SCHEMA, conform
from balise.sim.fleet import ROLE_SPECS, Identity, IdentityFactory, make_hull, renamed
from balise.sim.places import COASTAL_SITES, PORTS
from helpers import T0, evidence

AMBIGUOUS = {
    "MANZANILLO": "Panama, Mexico, Cuba, Dominican Republic",
    "PUERTO BOLIVAR": "Colombia, Ecuador",
    "PUERTOBOLIVAR": "Colombia, Ecuador",
    "GEORGETOWN": "Guyana, Cayman Islands, Malaysia, ...",
    "MARIN": "Le Marin (Martinique), Marin (Spain)",
    "BREST": "France, Belarus",
    "PORTSMOUTH": "England, Dominica, United States",
    "ST GEORGE'S": "Grenada, Bermuda",
    "STGEORGE'S": "Grenada, Bermuda",
    "ROSEAU": "Dominica, United States",
    "ST JOHN'S": "Antigua, Canada",
    "STJOHN'S": "Antigua, Canada",
}
"""Simulator texts naming ports that share their name with others elsewhere: None, not a guess."""
OTHER_CODE_SAME_HARBOUR = {"APAPA": "NGAPP", "EUROPOORT": "NLEUR", "CAYENNE": "GFCAY"}
"""Simulator aliases that are UN/LOCODEs of their own, a few km from the simulator's port."""


def test_theatre_sites_and_anchorages_lie_in_their_default_zone() -> None:
    zones = {zone.id: zone for zone in default_zones()}
    region = {"galicia": "galicia-rias", "brittany": "brittany-coast"}
    for site in COASTAL_SITES:
        expected = region.get(site.region) or (
            "martinique-coast" if "Martinique" in site.name else "guadeloupe-coast"
        )
        hits = [z.id for z in zones.values() if z.contains([site.sea_lat], [site.sea_lon])[0]]
        assert hits == [expected], site.name
    ports = {p.locode: p for p in PORTS}
    anchorages = [
        ("ESVGO", "galicia-rias"),
        ("FRBES", "brittany-coast"),
        ("MQFDF", "martinique-coast"),
        ("GPPTP", "guadeloupe-coast"),
    ]
    for locode, zone_id in anchorages:
        port = ports[locode]
        assert zones[zone_id].contains([port.anchorage_lat], [port.anchorage_lon])[0], locode


def test_every_simulator_destination_text_maps_back_to_its_port() -> None:
    gazetteer = Gazetteer.packaged()
    for here in PORTS:
        for text in here.ais_destination_texts:
            assert here.locode in gazetteer.candidates(text) or text in OTHER_CODE_SAME_HARBOUR
            if text in AMBIGUOUS:
                assert gazetteer.normalise(text) is None, text
            elif text in OTHER_CODE_SAME_HARBOUR:
                code = OTHER_CODE_SAME_HARBOUR[text]
                assert gazetteer.normalise(text) == code
                lat, lon = gazetteer.position(code) or (0.0, 0.0)
                assert haversine_km(lat, lon, here.lat, here.lon) < 25.0
            else:
                assert gazetteer.normalise(text) == here.locode, text


def test_high_risk_list_holds_the_theatre_departure_and_hub_ports() -> None:
    listed = set(load_high_risk_ports()["locode"])
    assert {p.locode for p in PORTS if p.high_risk} <= listed


def _broadcast(identity: Identity, *minutes: float) -> pl.DataFrame:
    """The static reports a simulated transponder of `identity` sends at `minutes` after T0."""
    fields = {k: v for k, v in asdict(identity).items() if k in IDENTITY_SCHEMA}
    rows = [{**fields, "timestamp": T0 + timedelta(minutes=m)} for m in minutes]
    return conform(pl.DataFrame(rows, infer_schema_length=None), IDENTITY_SCHEMA)


def test_simulated_fleet_identities_are_consistent() -> None:
    factory = IdentityFactory(np.random.default_rng(7))
    hulls = [make_hull(factory, i, role) for i, role in enumerate(sorted(ROLE_SPECS) * 30)]
    fleet = pl.concat([_broadcast(h.identity, 0, 6) for h in hulls])
    assert fleet["mmsi"].n_unique() == len(hulls)
    assert detect_identity_changes(fleet).is_empty()
    reflagged = renamed(hulls[0].identity, factory, new_flag="TG")  # a bulker: it has an IMO
    events = detect_identity_changes(pl.concat([fleet, _broadcast(reflagged, 600, 606)]))
    assert [evidence(events, i)["rule"] for i in range(events.height)] == ["imo_new_mmsi"]
    assert evidence(events)["reflag"] is True
