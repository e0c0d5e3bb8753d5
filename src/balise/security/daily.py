"""The insider rules counted per user and local day (the user's time zone): look-ups unrelated to
their work, off-hours reading, and look-ups concentrated on one consignee. One finding per
(user, local day, and consignee for the last).

A user missing from the staff directory has no ports and no time zone: their look-ups cannot be
called unrelated to their ports nor their hours odd, so only the consignee share applies to them
(and the release-before-pickup and rate rules, in their modules).
"""

from __future__ import annotations

from typing import Any, Final

import polars as pl

from balise.security.findings import Finding, day_text, grown, joined, listed, related_of
from balise.security.insider_params import InsiderParams

UNRELATED: Final = "unrelated_lookups"
OFF_HOURS: Final = "off_hours"
CONSIGNEE: Final = "consignee_concentration"

UNRELATED_CONFIDENCE: Final = (0.5, 0.8)
"""Confidence at the threshold and at most: containers nobody asked the user to read are a
pattern, but analysts do look around. Balise judgement."""
OFF_HOURS_CONFIDENCE: Final = (0.3, 0.5)
"""Off-hours reading alone is weak (deadlines, a call from the watch floor); it adds weight to
the user's other findings. Balise judgement."""
CONSIGNEE_CONFIDENCE: Final = {"outside": 0.6, "share": 0.45}
"""Several boxes of one consignee away from the user's ports, or most of their day on one
consignee at their own ports. Balise judgement."""


def unrelated_lookups(
    lookups: pl.DataFrame, people: pl.DataFrame, params: InsiderParams
) -> list[Finding]:
    """Users who looked up at least `unrelated_min_containers` distinct containers in a local
    day at terminals outside their ports and outside their work."""
    outside = lookups.filter(
        pl.col("known")
        & ~pl.col("in_ports")
        & ~pl.col("in_work")
        & pl.col("terminal").is_not_null()
    )
    keys = ["user", "local_day"]
    enough = pl.col("container").n_unique() >= params.unrelated_min_containers
    days = (
        _flagged_groups(outside, keys, enough)
        .group_by(keys)
        .agg(
            start=pl.col("time").min(),
            end=pl.col("time").max(),
            containers=pl.col("container").unique().sort(),
            terminals=pl.col("terminal").unique().sort(),
            lookups=pl.col("entry").n_unique(),
        )
        .join(people.select("user", "ports"), on="user", how="left")
        .sort(keys)
    )
    return [_unrelated(row, params) for row in days.iter_rows(named=True)]


def _flagged_groups(frame: pl.DataFrame, keys: list[str], condition: pl.Expr) -> pl.DataFrame:
    """The rows of `frame` in the groups of `keys` that meet `condition` (an aggregation): the
    rules count first and gather the lists of what was read only for the few groups flagged."""
    flagged = frame.group_by(keys).agg(condition.alias("_flag")).filter("_flag").drop("_flag")
    return frame.join(flagged, on=keys, how="semi")


def _unrelated(row: dict[str, Any], params: InsiderParams) -> Finding:
    count = len(row["containers"])
    base, cap = UNRELATED_CONFIDENCE
    return Finding(
        user=row["user"],
        rule=UNRELATED,
        key=str(row["local_day"]),
        start=row["start"],
        end=row["end"],
        confidence=grown(base, count, params.unrelated_min_containers, cap),
        reasons=[
            f"looked up {count} containers at {joined(row['terminals'])} on "
            f"{day_text(row['local_day'])}, local time",
            f"none is at the user's ports ({joined(row['ports'])}) or in their work",
        ],
        evidence={
            "rule": UNRELATED,
            "local_day": str(row["local_day"]),
            "containers": count,
            "container_numbers": listed(row["containers"]),
            "terminals": listed(row["terminals"]),
            "user_ports": listed(row["ports"] or []),
            "lookups": row["lookups"],
            "threshold": params.unrelated_min_containers,
        },
        related=related_of("container", row["containers"]),
    )


def off_hours(entries: pl.DataFrame, params: InsiderParams) -> list[Finding]:
    """Users who read at least `off_hours_min_reads` times off-hours in a local day, when
    off-hours reading is not their routine (see `InsiderParams.routine_off_hours_share`)."""
    known = entries.filter(pl.col("off_hours").is_not_null())
    per_day = known.group_by("user", "local_day").agg(
        reads=pl.len(),
        off_reads=pl.col("off_hours").sum(),
        start=pl.col("time").filter(pl.col("off_hours")).min(),
        end=pl.col("time").filter(pl.col("off_hours")).max(),
        first_local=pl.col("local_time").filter(pl.col("off_hours")).min(),
        last_local=pl.col("local_time").filter(pl.col("off_hours")).max(),
        timezone=pl.col("timezone").first(),
    )
    session = pl.col("off_reads") >= params.off_hours_min_reads
    habit = (
        per_day.group_by("user")
        .agg(active_days=pl.len(), off_days=session.sum())
        .with_columns(share=pl.col("off_days") / pl.col("active_days"))
    )
    routine = (pl.col("active_days") >= params.off_hours_baseline_days) & (
        pl.col("share") >= params.routine_off_hours_share
    )
    flagged = (
        per_day.filter(session)
        .join(habit.filter(~routine), on="user", how="inner")
        .sort("user", "local_day")
    )
    return [_off_hours(row, params) for row in flagged.iter_rows(named=True)]


def _off_hours(row: dict[str, Any], params: InsiderParams) -> Finding:
    weekend = row["local_day"].isoweekday() >= 6
    span = f"{row['first_local']:%H:%M}-{row['last_local']:%H:%M}"
    base, cap = OFF_HOURS_CONFIDENCE
    return Finding(
        user=row["user"],
        rule=OFF_HOURS,
        key=str(row["local_day"]),
        start=row["start"],
        end=row["end"],
        confidence=grown(base, row["off_reads"], params.off_hours_min_reads, cap),
        reasons=[
            f"{row['off_reads']} reads off-hours on {day_text(row['local_day'])}, "
            f"{span} local time ({row['timezone']})" + (", a weekend day" if weekend else ""),
            f"off-hours sessions on {row['off_days']} of the user's {row['active_days']} "
            "active days: not their routine",
        ],
        evidence={
            "rule": OFF_HOURS,
            "local_day": str(row["local_day"]),
            "timezone": row["timezone"],
            "weekend": weekend,
            "off_hours_reads": row["off_reads"],
            "reads_that_day": row["reads"],
            "first_local_time": row["first_local"].isoformat(),
            "last_local_time": row["last_local"].isoformat(),
            "workday": f"{params.workday_start_hour:02d}:00-{params.workday_end_hour:02d}:00",
            "off_hours_days": row["off_days"],
            "active_days": row["active_days"],
            "threshold": params.off_hours_min_reads,
        },
    )


def consignee_concentration(lookups: pl.DataFrame, params: InsiderParams) -> list[Finding]:
    """Users who looked up at least `consignee_min_containers` distinct containers of one
    consignee in a local day outside their work: at terminals outside their ports, or making at
    least `consignee_min_share` of the containers they looked up that day."""
    considered = lookups.filter(pl.col("consignee").is_not_null() & ~pl.col("in_work"))
    totals = considered.group_by("user", "local_day").agg(day_total=pl.col("container").n_unique())
    away = pl.col("known") & ~pl.col("in_ports")
    keys = ["user", "local_day", "consignee"]
    candidates = _flagged_groups(
        considered, keys, pl.col("container").n_unique() >= params.consignee_min_containers
    )
    per = (
        candidates.group_by(keys)
        .agg(
            start=pl.col("time").min(),
            end=pl.col("time").max(),
            containers=pl.col("container").unique().sort(),
            outside=pl.col("container").filter(away).n_unique(),
            terminals=pl.col("terminal").drop_nulls().unique().sort(),
        )
        .join(totals, on=["user", "local_day"], how="inner")
        .with_columns(
            count=pl.col("containers").list.len(),
            share=pl.col("containers").list.len() / pl.col("day_total"),
        )
    )
    enough = params.consignee_min_containers
    flagged = per.filter(
        (pl.col("outside") >= enough)
        | ((pl.col("count") >= enough) & (pl.col("share") >= params.consignee_min_share))
    ).sort("user", "local_day", "consignee")
    return [_consignee(row, params) for row in flagged.iter_rows(named=True)]


def _consignee(row: dict[str, Any], params: InsiderParams) -> Finding:
    away = row["outside"] >= params.consignee_min_containers
    base = CONSIGNEE_CONFIDENCE["outside" if away else "share"]
    reasons = [
        f"looked up {row['count']} containers of {row['consignee']} on "
        f"{day_text(row['local_day'])} ({joined(row['terminals'])}), none in the user's work",
        f"{row['outside']} of them at terminals outside the user's ports"
        if away
        else f"{row['share']:.0%} of the {row['day_total']} containers the user looked up that day",
    ]
    return Finding(
        user=row["user"],
        rule=CONSIGNEE,
        key=f"{row['local_day']}|{row['consignee']}",
        start=row["start"],
        end=row["end"],
        confidence=grown(base, row["count"], params.consignee_min_containers, base + 0.2),
        reasons=reasons,
        evidence={
            "rule": CONSIGNEE,
            "local_day": str(row["local_day"]),
            "consignee": row["consignee"],
            "containers": row["count"],
            "container_numbers": listed(row["containers"]),
            "outside_user_ports": row["outside"],
            "share_of_day": round(row["share"], 3),
            "containers_that_day": row["day_total"],
            "terminals": listed(row["terminals"]),
            "threshold": params.consignee_min_containers,
        },
        related=[("company", row["consignee"]), *related_of("container", row["containers"])],
    )
