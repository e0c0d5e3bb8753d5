"""The insider rules on reading rates, in sliding windows over each user's accesses: bursts of
look-ups far above the user's own rate, and scraping (very many records, or list page after list
page, in an hour). One finding per episode: consecutive windows over the threshold merged.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import polars as pl

from balise.security.findings import Finding, grown, joined, listed
from balise.security.insider_params import InsiderParams
from balise.security.windows import episodes, epoch_us, user_codes, window_starts, window_sums

BURST: Final = "burst"
SCRAPING: Final = "scraping"

US_PER_MINUTE: Final = 60_000_000
US_PER_HOUR: Final = 3_600_000_000

BURST_CONFIDENCE: Final = (0.4, 0.6)
"""A burst alone is weak (a ship arriving brings a list of boxes to check); far above the
user's own rate it says more. Balise judgement."""
SCRAPING_CONFIDENCE: Final = (0.6, 0.85)
"""Bulk collection is what an insider selling data does, and what no one needs to do by hand.
Balise judgement."""


def bursts(entries: pl.DataFrame, params: InsiderParams) -> list[Finding]:
    """Episodes in which a user made at least `burst_min_lookups` look-ups within
    `burst_minutes`, and at least `burst_factor` times their median per active window."""
    window_us = int(params.burst_minutes * US_PER_MINUTE)
    lookups = entries.filter(pl.col("lookup"))
    if lookups.is_empty() or window_us <= 0:
        return []
    baseline = (
        lookups.group_by("user", pl.col("time").dt.truncate(f"{window_us}us").alias("window"))
        .len()
        .group_by("user")
        .agg(baseline=pl.col("len").median())
    )
    rows = lookups.join(baseline, on="user", how="left", maintain_order="left")
    users, times = user_codes(rows), epoch_us(rows)
    starts = window_starts(users, times, window_us)
    counts = np.arange(users.size) - starts + 1
    needed = np.maximum(params.burst_min_lookups, params.burst_factor * rows["baseline"].to_numpy())
    episode = episodes(counts >= needed, starts, users)
    found = (
        rows.with_columns(episode=episode, in_window=counts)
        .filter(pl.col("episode") >= 0)
        .group_by("episode", maintain_order=True)
        .agg(
            pl.col("user").first(),
            pl.col("baseline").first(),
            start=pl.col("time").min(),
            end=pl.col("time").max(),
            lookups=pl.len(),
            peak=pl.col("in_window").max(),
            resources=pl.col("resource").drop_nulls().unique().sort(),
        )
    )
    return [_burst(row, params) for row in found.iter_rows(named=True)]


def _burst(row: dict[str, Any], params: InsiderParams) -> Finding:
    needed = max(params.burst_min_lookups, params.burst_factor * row["baseline"])
    base, cap = BURST_CONFIDENCE
    return Finding(
        user=row["user"],
        rule=BURST,
        key=row["start"].isoformat(),
        start=row["start"],
        end=row["end"],
        confidence=grown(base, row["peak"], needed, cap),
        reasons=[
            f"{row['peak']} look-ups within {params.burst_minutes:g} minutes "
            f"({row['lookups']} in the burst, of {joined(row['resources'])})",
            f"the user's usual rate is {row['baseline']:g} per {params.burst_minutes:g} minutes",
        ],
        evidence={
            "rule": BURST,
            "lookups": row["lookups"],
            "peak_in_window": row["peak"],
            "window_minutes": params.burst_minutes,
            "baseline_per_window": row["baseline"],
            "threshold": needed,
            "resources": listed(row["resources"]),
        },
    )


def scraping(entries: pl.DataFrame, params: InsiderParams) -> list[Finding]:
    """Episodes in which a user read at least `scrape_records_per_hour` records, or at least
    `scrape_pages_per_hour` list pages, within a sliding hour."""
    if entries.is_empty():
        return []
    users, times = user_codes(entries), epoch_us(entries)
    starts = window_starts(users, times, US_PER_HOUR)
    records = window_sums(entries["count"].fill_null(0).to_numpy().astype(np.int64), starts)
    page = (~entries["lookup"].fill_null(False)).to_numpy().astype(np.int64)
    pages = window_sums(page, starts)
    flagged = (records >= params.scrape_records_per_hour) | (pages >= params.scrape_pages_per_hour)
    episode = episodes(flagged, starts, users)
    found = (
        entries.with_columns(episode=episode, per_hour=records, pages_per_hour=pages)
        .filter(pl.col("episode") >= 0)
        .group_by("episode", maintain_order=True)
        .agg(
            pl.col("user").first(),
            start=pl.col("time").min(),
            end=pl.col("time").max(),
            accesses=pl.len(),
            records=pl.col("count").sum(),
            pages=(~pl.col("lookup")).sum(),
            peak=pl.col("per_hour").max(),
            peak_pages=pl.col("pages_per_hour").max(),
            routes=pl.col("route").drop_nulls().unique().sort(),
            resources=pl.col("resource").drop_nulls().unique().sort(),
        )
    )
    return [_scraping(row, params) for row in found.iter_rows(named=True)]


def _scraping(row: dict[str, Any], params: InsiderParams) -> Finding:
    base, cap = SCRAPING_CONFIDENCE
    ratio = max(
        row["peak"] / max(params.scrape_records_per_hour, 1),
        row["peak_pages"] / max(params.scrape_pages_per_hour, 1),
    )
    return Finding(
        user=row["user"],
        rule=SCRAPING,
        key=row["start"].isoformat(),
        start=row["start"],
        end=row["end"],
        confidence=grown(base, ratio, 1.0, cap),
        reasons=[
            f"read {row['records']:,} records in {row['accesses']:,} accesses, "
            f"{row['pages']:,} of them list pages (up to {row['peak']:,} records and "
            f"{row['peak_pages']} pages in an hour)",
            f"of {joined(row['resources'])} through {joined(row['routes'], 3)}",
        ],
        evidence={
            "rule": SCRAPING,
            "records": row["records"],
            "accesses": row["accesses"],
            "list_pages": row["pages"],
            "peak_records_per_hour": row["peak"],
            "peak_pages_per_hour": row["peak_pages"],
            "routes": listed(row["routes"]),
            "resources": listed(row["resources"]),
            "threshold_records_per_hour": params.scrape_records_per_hour,
            "threshold_pages_per_hour": params.scrape_pages_per_hour,
        },
    )
