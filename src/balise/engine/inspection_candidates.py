"""The candidates of a site's day: boxes discharged there in its shifts, with cargo and manifest."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final

import polars as pl

from balise.cargo.risk import CargoRiskParams, score_containers
from balise.engine.cargo import CARGO_TYPES
from balise.inspection.params import InspectionParams, Site
from balise.store.base import EventFilter, Store

PARTY_COLUMNS: Final = ("shipper", "consignee", "notify_party", "carrier")
"""The parties a box's manifest names."""


def day_origin(day: date) -> datetime:
    """Midnight (UTC) of `day`: the origin of the shifts' minutes."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def candidates_of(store: Store, site: Site, day: date, params: InspectionParams) -> pl.DataFrame:
    """One row per box discharged at `site` whose window overlaps the day's shifts:
    container_number, earliest, latest, vessel_imo, bill_of_lading."""
    origin = day_origin(day)
    first = origin + timedelta(minutes=min(a for a, _ in site.shifts))
    last = origin + timedelta(minutes=max(b for _, b in site.shifts))
    dwell = timedelta(hours=params.default_dwell_hours)
    events = store.container_events(since=first - timedelta(days=60), until=last)
    here = events.filter(pl.col("unlocode") == site.site)
    discharges = (
        here.filter(pl.col("event_code") == "DISCHARGED")
        .sort("event_time")
        .group_by("container_number")
        .agg(pl.all().last())
        .select(
            "container_number",
            pl.col("event_time").alias("earliest"),
            "vessel_imo",
            "bill_of_lading",
        )
    )
    gate_outs = here.filter(pl.col("event_code") == "GATED_OUT").select(
        "container_number", pl.col("event_time").alias("gate_out")
    )
    later = store.container_events(since=last, until=last + dwell)
    gate_outs = pl.concat(
        [gate_outs, later.filter((pl.col("unlocode") == site.site)
                                 & (pl.col("event_code") == "GATED_OUT"))
                    .select("container_number", pl.col("event_time").alias("gate_out"))]
    )  # fmt: skip
    first_out = (
        discharges.join(gate_outs, on="container_number", how="left")
        .filter(pl.col("gate_out").is_null() | (pl.col("gate_out") > pl.col("earliest")))
        .group_by("container_number")
        .agg(pl.col("gate_out").min())
    )
    return (
        discharges.join(first_out, on="container_number", how="left")
        .with_columns(
            pl.coalesce("gate_out", pl.col("earliest") + dwell).alias("latest"),
        )
        .filter((pl.col("earliest") < last) & (pl.col("latest") > first))
        .select("container_number", "earliest", "latest", "vessel_imo", "bill_of_lading")
        .sort("container_number")
    )


def last_record_day(store: Store) -> date | None:
    """The day (UTC) of the latest stored container event, None without any: the demo plans
    that day."""
    events = store.container_events()
    latest = events["event_time"].max() if not events.is_empty() else None
    return latest.date() if isinstance(latest, datetime) else None


def _box_manifests(manifests: pl.DataFrame, boxes: Iterable[str]) -> pl.DataFrame:
    """One manifest row per box (the latest bill naming it)."""
    wanted = pl.Series("container_number", list(boxes), dtype=pl.String())
    return (
        manifests.explode("container_numbers")
        .rename({"container_numbers": "container_number"})
        .filter(pl.col("container_number").is_in(wanted.implode()))
        .sort("issued_at")
        .group_by("container_number")
        .agg(pl.all().last())
    )


def box_manifests(store: Store, boxes: Iterable[str]) -> pl.DataFrame:
    """One stored manifest row per box of `boxes` that a bill names (the latest bill), with
    `container_number`: what `manifest_declarations` turns into declarations."""
    return _box_manifests(store.manifests(), boxes)


@dataclass(frozen=True)
class CandidateBoxes:
    """The candidates of a site's day and what their risk is read from."""

    names: list[str]
    """The container numbers, as `candidates_of` found them."""
    rows: pl.DataFrame
    """The candidates with their container risk (`p_cargo`, `cargo_reasons`) and their
    manifest's parties and goods."""
    manifests: pl.DataFrame
    """The manifest of each candidate a bill names (`box_manifests`)."""
    scored_at: datetime
    """The end of the day's last shift: cargo events and party flags count as they stood then."""


def gather_boxes(
    store: Store, site: Site, day: date, params: InspectionParams, risk_params: CargoRiskParams
) -> CandidateBoxes:
    """The candidates of `site` on `day` (`candidates_of`) with the container risk of their
    cargo events (`balise.cargo.risk`, score / 100) and their manifests."""
    boxes = candidates_of(store, site, day, params)
    names = boxes["container_number"].to_list()
    last = day_origin(day) + timedelta(minutes=max(b for _, b in site.shifts))
    cargo = score_containers(store.find_events(EventFilter(types=CARGO_TYPES)), now=last,
                             params=risk_params)  # fmt: skip
    boxes = boxes.join(
        cargo.select("container_number", (pl.col("score") / 100).alias("p_cargo"),
                     pl.col("reasons").alias("cargo_reasons")),
        on="container_number", how="left",
    ).with_columns(pl.col("p_cargo").fill_null(0.0))  # fmt: skip
    manifests = _box_manifests(store.manifests(), names)
    boxes = boxes.join(
        manifests.select("container_number", *PARTY_COLUMNS, "declarant", "hs_code",
                         "place_of_receipt", "port_of_loading", "gross_weight_kg",
                         "declared_value"),
        on="container_number", how="left",
    )  # fmt: skip
    return CandidateBoxes(names, boxes, manifests, last)
