"""Release before pickup: a user looked up a container's release (the PIN reference a haulier
presents at the gate), or the container while a release existed, shortly before an unusual
gate-out of that container. The strongest of the insider rules: it is the PIN-code fraud
Europol's 2023 report "Criminal networks in EU ports" describes (a corrupt insider passes the
reference on, an extraction team collects the box before the rightful haulier), seen from the
reading side.

A gate-out is unusual when the terminal rejected it, when the haulier is not the release's
authorised haulier, when it happened outside the release's validity, or while customs held the
box (status `hold` in force, or `released` only later). The release is the one the gate
transaction names, else the container's latest release issued before the gate-out. Reads of a
container in the user's work do not count; at the user's own ports a rejection alone is not
reported (see `REJECTED_ONLY_DISCOUNT`).
"""

from __future__ import annotations

from typing import Any, Final

import polars as pl

from balise.security.findings import Finding, listed, related_of
from balise.security.insider_params import InsiderParams

RULE: Final = "release_before_pickup"

UNUSUAL: Final = {
    "rejected": "the terminal rejected the pickup",
    "haulier_not_authorised": "the haulier is not the release's authorised haulier",
    "release_not_valid": "the pickup fell outside the release's validity",
    "customs_hold": "customs held the container at the time",
    "before_customs_release": "customs released the container only after the pickup",
}
"""Why a gate-out is unusual: the key written in the evidence, the text in the reasons."""

CONFIDENCE: Final = {"outside": 0.9, "unknown_user": 0.75, "own_port": 0.6}
"""By the reader's link to the container: a terminal outside the user's ports (no reason to
read it), a reader missing from the staff directory, a terminal of the user's own ports (their
job, and yet). Balise judgement; the strongest of the insider rules."""
REJECTED_ONLY_DISCOUNT: Final = 0.3
"""Taken off when a rejection is the only unusual thing: gates reject honest pickups too (a
mistyped reference, a truck not booked). At the user's own ports such a pickup is not reported
at all: the boxes of one's port are one's job, and rejections happen every day. Balise
judgement."""
CONTAINER_ONLY_DISCOUNT: Final = 0.15
"""Taken off when the user read the container but not its release: the reference is what a
network pays for. Balise judgement."""


def unusual_pickups(releases: pl.DataFrame, gate: pl.DataFrame) -> pl.DataFrame:
    """The unusual gate-outs: gate_tx_id, container, terminal, pickup_time, haulier,
    truck_plate, result, release_id, authorised_haulier, consignee, unusual (list of
    `UNUSUAL` keys)."""
    outs = (
        gate.filter(pl.col("direction") == "out")
        .drop_nulls(["container_number", "time"])
        .with_row_index("_row")
    )
    terms = releases.select(
        "release_id", r_container="container_number", issued_at="issued_at",
        consignee="issued_to", authorised_haulier="authorised_haulier",
        valid_from="valid_from", valid_until="valid_until", customs_status="customs_status",
        customs_status_at="customs_status_at",
    )  # fmt: skip
    named = outs.join(terms.drop_nulls("release_id"), on="release_id", how="inner")
    rest = outs.join(named.select("_row"), on="_row", how="anti").sort("time")
    latest = rest.join_asof(
        terms.drop_nulls(["r_container", "issued_at"]).sort("issued_at").drop("release_id"),
        left_on="time", right_on="issued_at", by_left="container_number",
        by_right="r_container", strategy="backward", check_sortedness=False,
    )  # fmt: skip
    kept = [*outs.columns, *(c for c in terms.columns if c not in ("release_id", "r_container"))]
    both = pl.concat([named.select(kept), latest.select(kept)], how="vertical_relaxed")
    return (
        both.with_columns(unusual=_unusual())
        .filter(pl.col("unusual").list.len() > 0)
        .select(
            "gate_tx_id",
            container="container_number",
            terminal="terminal",
            pickup_time="time",
            haulier="haulier",
            truck_plate="truck_plate",
            result="result",
            release_id="release_id",
            authorised_haulier="authorised_haulier",
            consignee="consignee",
            unusual="unusual",
        )
    )


def _same(column: str) -> pl.Expr:
    return pl.col(column).str.strip_chars().str.to_uppercase()


def _unusual() -> pl.Expr:
    """The `UNUSUAL` keys that hold for a gate-out joined to its release."""
    time = pl.col("time")
    status_at = pl.col("customs_status_at")
    checks = {
        "rejected": pl.col("result") == "rejected",
        "haulier_not_authorised": _same("haulier") != _same("authorised_haulier"),
        "release_not_valid": (time < pl.col("valid_from")) | (time > pl.col("valid_until")),
        "customs_hold": (pl.col("customs_status") == "hold") & (status_at <= time),
        "before_customs_release": (pl.col("customs_status") == "released") & (status_at > time),
    }
    flags = [pl.when(check.fill_null(False)).then(pl.lit(key)) for key, check in checks.items()]
    return pl.concat_list(flags).list.drop_nulls()


def release_before_pickup(
    lookups: pl.DataFrame, pickups: pl.DataFrame, params: InsiderParams
) -> list[Finding]:
    """One finding per (user, unusual gate-out) preceded within `pickup_window_hours` by the
    user's look-up of the container's release or of the container (outside their work)."""
    if lookups.is_empty() or pickups.is_empty():
        return []
    window = pl.duration(microseconds=int(params.pickup_window_hours * 3_600_000_000))
    read = lookups.filter(pl.col("release_id").is_not_null() & ~pl.col("in_work"))
    before = (
        read.select("user", "time", "record", "release_read", "in_ports", "known", "container")
        .join(pickups, on="container", how="inner")
        .filter(
            (pl.col("time") <= pl.col("pickup_time"))
            & (pl.col("pickup_time") - pl.col("time") <= window)
        )
    )
    grouped = before.group_by("user", "gate_tx_id", "container", maintain_order=True).agg(
        pl.exclude("time", "record", "release_read", "in_ports", "known").first(),
        first_read=pl.col("time").min(),
        last_read=pl.col("time").max(),
        lookups=pl.len(),
        records=pl.col("record").unique().sort(),
        release_read=pl.col("release_read").any(),
        in_ports=pl.col("in_ports").any(),
        known=pl.col("known").all(),
    )
    ordered = grouped.sort("user", "pickup_time").iter_rows(named=True)
    return [
        _finding(row, params)
        for row in ordered
        if not (_relation(row) == "own_port" and row["unusual"] == ["rejected"])
    ]


def _relation(row: dict[str, Any]) -> str:
    if not row["known"]:
        return "unknown_user"
    return "own_port" if row["in_ports"] else "outside"


def _finding(row: dict[str, Any], params: InsiderParams) -> Finding:
    relation = _relation(row)
    confidence = CONFIDENCE[relation]
    if row["unusual"] == ["rejected"]:
        confidence -= REJECTED_ONLY_DISCOUNT
    if not row["release_read"]:
        confidence -= CONTAINER_ONLY_DISCOUNT
    hours = (row["pickup_time"] - row["last_read"]).total_seconds() / 3600.0
    what = "its release" if row["release_read"] else "it"
    where = {
        "outside": "at a terminal outside the user's ports and work",
        "unknown_user": "(the user is not in the staff directory)",
        "own_port": "at one of the user's ports, outside their work",
    }[relation]
    reasons = [
        f"looked up container {row['container']} ({what}) {where}, {hours:.1f} h before it "
        f"left {row['terminal']}",
        *(UNUSUAL[key] for key in row["unusual"]),
    ]
    if row["haulier"] is not None and "haulier_not_authorised" in row["unusual"]:
        reasons.append(
            f"picked up by {row['haulier']}, authorised: {row['authorised_haulier'] or 'none'}"
        )
    evidence = {
        "rule": RULE,
        "container": row["container"],
        "terminal": row["terminal"],
        "consignee": row["consignee"],
        "relation": relation,
        "release_read": row["release_read"],
        "records_read": listed(row["records"]),
        "lookups": row["lookups"],
        "first_read": row["first_read"].isoformat(),
        "last_read": row["last_read"].isoformat(),
        "hours_before_pickup": round(hours, 2),
        "pickup": {
            "gate_tx_id": row["gate_tx_id"],
            "time": row["pickup_time"].isoformat(),
            "haulier": row["haulier"],
            "authorised_haulier": row["authorised_haulier"],
            "truck_plate": row["truck_plate"],
            "result": row["result"],
            "release_id": row["release_id"],
        },
        "unusual": row["unusual"],
        "window_hours": params.pickup_window_hours,
    }
    releases = {r for r in [*row["records"], row["release_id"]] if r and r != row["container"]}
    return Finding(
        user=row["user"],
        rule=RULE,
        key=f"{row['gate_tx_id'] or ''}|{row['container']}|{row['pickup_time'].isoformat()}",
        start=row["first_read"],
        end=row["pickup_time"],
        confidence=round(max(0.1, confidence), 3),
        reasons=reasons,
        evidence=evidence,
        related=[
            ("container", row["container"]),
            *related_of("release", sorted(releases)),
            *related_of("company", [row["consignee"], row["haulier"]]),
        ],
    )
