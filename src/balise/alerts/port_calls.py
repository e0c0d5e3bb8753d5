"""The `port_call` alert rule: when a port visit is worth an officer's attention now.

A port call is routine context: it feeds the vessel's risk (calls at high-risk ports weigh in the
score) and its dossier, but most calls, including most calls at ports on the high-risk list, are
the scheduled work of liners, feeders and tankers. On the demo world, raising every call at a
high-risk port filled nine tenths of the inbox with them. A call opens an alert only when one of
three things makes it stand out:

- **the vessel is on the watchlist** (its risk reasons hold a watchlist hit): an arrival of a
  listed vessel is what a watch is set for;
- **it follows another anomaly of the vessel**: the call starts during, or within
  `port_after_anomaly_hours` of the end of, an alertable event of another type about the vessel
  (a meeting at sea, a dark period, loitering, a coastal drop, an identity change, ...): the port
  where a cargo handed over at sea lands;
- **it is off the vessel's pattern**: a call at a high-risk port the vessel has not called at in
  the `port_pattern_days` before, when its stored events reach back that far (with less history
  there is no pattern to depart from, and the call stays context).

These are Balise's rules, built on the practice of customs targeting (a call is risk context for
the cargo of the voyage, not an incident) and on the advisory of 14 May 2020 (US State, OFAC and
US Coast Guard), which lists voyage irregularities after at-sea transfers and dark periods among
the deceptive practices.
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl

PORT_CALL_COLUMNS = ("id", "mmsi", "start", "end", "locode")


def _calls(judged: pl.DataFrame, kinds: tuple[str, ...]) -> pl.DataFrame:
    """The port calls among `judged`: id, vessel, time span and UN/LOCODE."""
    locode = pl.col("evidence").str.json_path_match("$.locode").str.to_uppercase()
    return judged.filter(pl.col("type").is_in(kinds)).select(
        "id", "mmsi", "start", "end", locode.alias("locode")
    )


def _anomaly_spans(judged: pl.DataFrame, kinds: tuple[str, ...]) -> pl.DataFrame:
    """The alertable events of other types, once per vessel involved: mmsi, start, end."""
    anomalies = judged.filter(pl.col("alertable") & ~pl.col("type").is_in(kinds))
    sides = [anomalies.select(pl.col(side).alias("mmsi"), "start", "end")
             for side in ("mmsi", "other_mmsi")]  # fmt: skip
    return pl.concat(sides).drop_nulls("mmsi")


def _after_anomaly(calls: pl.DataFrame, anomalies: pl.DataFrame, hours: float) -> pl.Series:
    """Ids of the calls starting during an anomaly of their vessel or within `hours` after it."""
    window = timedelta(hours=hours)
    joined = calls.join(anomalies.rename({"start": "a_start", "end": "a_end"}), on="mmsi")
    near = joined.filter(
        (pl.col("a_start") <= pl.col("end"))
        & (pl.coalesce("a_end", "a_start") >= pl.col("start") - window)
    )
    return near["id"].unique()


def _off_pattern(
    calls: pl.DataFrame, history: pl.DataFrame, high_risk_ports: frozenset[str], days: float
) -> pl.Series:
    """Ids of the calls at a high-risk port that the vessel did not call at in the `days` before,
    though its events (`history`: mmsi, start) reach back at least that far."""
    window = timedelta(days=days)
    first = history.group_by("mmsi").agg(pl.col("start").min().alias("first_seen"))
    risky = calls.filter(pl.col("locode").is_in(sorted(high_risk_ports))).join(first, on="mmsi")
    known = risky.filter(pl.col("start") - pl.col("first_seen") >= window)
    earlier = known.join(
        calls.select("mmsi", "locode", pl.col("start").alias("before")), on=["mmsi", "locode"]
    ).filter((pl.col("before") < pl.col("start")) & (pl.col("before") >= pl.col("start") - window))
    return known.filter(~pl.col("id").is_in(earlier["id"].implode()))["id"]


def watchlisted(risk: pl.DataFrame | None) -> pl.Series:
    """The MMSIs whose risk reasons hold a watchlist hit (`balise.maritime.risk`)."""
    if risk is None or risk.is_empty():
        return pl.Series("mmsi", [], dtype=pl.Int32)
    hit = pl.col("reasons").str.contains('"kind":"watchlist"', literal=True)
    return risk.filter(hit.fill_null(False))["mmsi"].cast(pl.Int32)


def alerting_calls(
    judged: pl.DataFrame,
    kinds: tuple[str, ...],
    risk: pl.DataFrame | None,
    high_risk_ports: frozenset[str],
    after_anomaly_hours: float,
    pattern_days: float,
) -> pl.Series:
    """The ids of the events of `kinds` (port calls) in `judged` that the rule alerts on;
    `judged` holds every event with `alertable` already decided for the other types."""
    calls = _calls(judged, kinds)
    if calls.is_empty():
        return pl.Series("id", [], dtype=pl.String)
    listed = calls.filter(pl.col("mmsi").is_in(watchlisted(risk).implode()))["id"]
    after = _after_anomaly(calls, _anomaly_spans(judged, kinds), after_anomaly_hours)
    history = judged.select("mmsi", "start").drop_nulls()
    off = _off_pattern(calls, history, high_risk_ports, pattern_days)
    return pl.concat([listed, after, off]).unique()
