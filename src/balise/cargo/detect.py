"""The cargo detection run: every cargo rule over the cargo frames, in one call the engine wires
to the store (`detect_cargo`), and the journeys and risk it is built on.

Each rule runs when its inputs are there (a missing frame is None or empty): journeys and the
shell game, clones and the smart-container rules need container events; release fraud needs
releases and gate moves; `box_off_vessel` needs telemetry and the vessels' AIS positions. The
events come out in one `EVENT_SCHEMA` frame, in (start, id) order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from balise.cargo.clone import detect_container_clones
from balise.cargo.door import Geo, detect_door_openings
from balise.cargo.inland import detect_unexpected_stops
from balise.cargo.journey import journeys
from balise.cargo.params import CargoParams
from balise.cargo.ports import PortDistance, hub_ports, port_timezones, sea_route_km
from balise.cargo.reefer import detect_reefer_anomalies
from balise.cargo.release_fraud import detect_release_fraud
from balise.cargo.shell_game import detect_shell_game
from balise.cargo.vessel_track import VesselPositions, detect_box_off_vessel
from balise.model.events import EVENT_SCHEMA, empty_events

__all__ = ["CargoInputs", "CargoParams", "detect_cargo"]


@dataclass(frozen=True)
class CargoInputs:
    """What the cargo rules read; any may be None.

    - `container_events`: `CONTAINER_EVENT_SCHEMA` (Track & Trace events);
    - `manifests`: `MANIFEST_SCHEMA` (for the parties' risk; no rule reads them yet);
    - `releases`: `RELEASE_SCHEMA`; `gate`: `GATE_SCHEMA`;
    - `telemetry`: `TELEMETRY_SCHEMA`;
    - `port_visits`: mmsi, start, end and locode and/or lat, lon of the vessels' AIS port
      visits (`balise.cargo.journey.port_visits_of_events` of the stored `port_visit` events);
    - `vessel_positions`: the vessels' AIS positions (`POSITION_SCHEMA`), a frame or a function
      of the MMSI.
    """

    container_events: pl.DataFrame | None = None
    manifests: pl.DataFrame | None = None
    releases: pl.DataFrame | None = None
    gate: pl.DataFrame | None = None
    telemetry: pl.DataFrame | None = None
    port_visits: pl.DataFrame | None = None
    vessel_positions: VesselPositions | None = None


def _present(frame: pl.DataFrame | None) -> bool:
    return frame is not None and not frame.is_empty()


def detect_cargo(
    inputs: CargoInputs,
    params: CargoParams | None = None,
    *,
    distance: PortDistance = sea_route_km,
    timezones: Mapping[str, str] | None = None,
    shore: Geo | None = None,
    port_distance: Geo | None = None,
) -> pl.DataFrame:
    """Every cargo event (`EVENT_SCHEMA`) of `inputs`. `distance` measures the detour ratio
    (sea routes; `balise.cargo.ports.great_circle_km` for great circles, with no network to
    load), `timezones` maps a port's UN/LOCODE to its IANA zone (default:
    `balise/data/container_ports.csv`), `shore` (nm) and `port_distance` (km) place door
    openings at sea."""
    params = params or CargoParams()
    events, telemetry = inputs.container_events, inputs.telemetry
    found: list[pl.DataFrame] = []
    if _present(events) and events is not None:
        trips = journeys(events, distance)
        found += [
            detect_shell_game(
                trips,
                frozenset(params.watched_hubs),
                hub_ports(),
                params.shell_game,
                inputs.port_visits,
            ),
            detect_container_clones(events, telemetry, params.container_clone),
            detect_door_openings(
                telemetry, events, params.door_opened, shore=shore, port_distance=port_distance
            ),
            detect_reefer_anomalies(telemetry, events, params.reefer_anomaly),
            detect_unexpected_stops(telemetry, events, params.unexpected_stop),
            detect_box_off_vessel(
                trips, telemetry, inputs.vessel_positions, params.box_off_vessel, events
            ),
        ]
    elif _present(telemetry):
        found.append(detect_reefer_anomalies(telemetry, None, params.reefer_anomaly))
    if _present(inputs.releases) and _present(inputs.gate):
        assert inputs.releases is not None
        assert inputs.gate is not None
        found.append(
            detect_release_fraud(
                inputs.releases,
                inputs.gate,
                events,
                params.release_fraud,
                timezones if timezones is not None else port_timezones(),
            )
        )
    frames = [f for f in found if not f.is_empty()]
    if not frames:
        return empty_events()
    return pl.concat(frames, how="vertical").select(list(EVENT_SCHEMA)).sort("start", "id")
