"""Identity detectors: identity changes (`identity_change`) and static MMSI/flag inconsistencies
(`identity_inconsistency`).

What: `detect_identity_changes` reads identity reports (IDENTITY_SCHEMA: AIS types 5, 19, 24),
or the store's identity snapshots (the same with `last_seen` and `messages`), and returns one
EVENT_SCHEMA row per event, each with a `rule` in its evidence:
- `identity_change`, something changed over time: `field_change` (the name, call sign, IMO or
  ship type of one MMSI changed and the new value lasted; debounced: a flip A, B, A within
  `debounce_hours` and a value seen once are not changes) and `imo_new_mmsi` (one IMO number under
  a new MMSI; `reflag` is true when the flag changed with it);
- `identity_inconsistency`, nothing changed but what is said cannot all be right:
  `mid_flag_mismatch` (`check`: `mid_unallocated`, `not_ship_station`, `call_sign_series`). The
  call sign is checked only when it is plausibly one (`call_sign_plausible`, not the boat's name)
  and the vessel is not a class B or pleasure craft, which may carry none.

Why: a vessel renamed or reflagged between voyages, or one whose MMSI and call sign come from
two countries, are among the deceptive practices of the US "Global Maritime Advisory" of 14 May
2020 (OFAC, Department of State, US Coast Guard): false flags, vessel name and identity changes.

The spoofing detectors (shared MMSI, position jumps) live in `balise.maritime.spoofing`; they are
re-exported here with the shared `IdentityParams`.
"""

from __future__ import annotations

from datetime import datetime
from itertools import groupby
from typing import Any, Final

import polars as pl

from balise.maritime.identity_params import (
    DEFAULT_PARAMS,
    IDENTITY_CHANGE_SCORE,
    IDENTITY_INCONSISTENCY_SCORE,
    IdentityParams,
    outside_periods,
)
from balise.maritime.kernel import VESSEL_ORDER, build_events, params_json
from balise.maritime.spoofing import detect_position_jumps, detect_shared_mmsi, detect_spoofing
from balise.model.call_signs import (
    call_sign_administration,
    call_sign_fits_flag,
    call_sign_plausible,
)
from balise.model.events import empty_events, to_json
from balise.model.mid import FLAGS, flag_frame, mid_expr

__all__ = [
    "IdentityParams",
    "detect_identity_changes",
    "detect_position_jumps",
    "detect_shared_mmsi",
    "detect_spoofing",
]

REFLAG_CONFIDENCE: Final = 0.8
"""An IMO number under a new MMSI is strong evidence (the IMO is checked by its check digit)."""
MISMATCH_CONFIDENCE: Final[dict[str, float]] = {
    "not_ship_station": 0.7,
    "mid_unallocated": 0.6,
    "call_sign_series": 0.5,
}
"""A ship sending static data under a non-ship MMSI cannot be right; an unallocated MID can be a
typo when the transponder was set up; a foreign call sign can be a reflag not yet carried over
to the radio licence. Project choices."""
SHIP_STATION_MMSI: Final = (200_000_000, 799_999_999)
"""Ship station MMSIs are MIDXXXXXX with a MID from 2xx to 7xx (ITU-R M.585-9 Annex 1)."""


def _normalised(column: str) -> pl.Expr:
    """`column` as comparable text: strings trimmed of spaces and "@" padding, upper case and
    inner spaces collapsed (removed from call signs, which have none); empty text is null.
    Numbers are written as text."""
    inner = "" if column == "call_sign" else " "
    text = (
        pl.col(column)
        .cast(pl.String)
        .str.replace_all("@", " ")
        .str.replace_all(r"\s+", inner)
        .str.strip_chars()
        .str.to_uppercase()
    )
    return pl.when(text == "").then(None).otherwise(text)


def _as_snapshots(identities: pl.DataFrame) -> pl.DataFrame:
    """Identity reports as snapshots: `messages` (1 per report) and `last_seen` (the report's
    time) are added when missing. The store keeps snapshots (one row per distinct identity of
    an MMSI, `timestamp` its first sighting); raw reports are snapshots of one message."""
    columns = identities.columns
    messages = pl.col("messages").fill_null(1) if "messages" in columns else pl.lit(1)
    last_seen = pl.col("last_seen") if "last_seen" in columns else pl.col("timestamp")
    return identities.with_columns(
        messages=messages.cast(pl.Int64),
        last_seen=pl.max_horizontal(last_seen.fill_null(pl.col("timestamp")), "timestamp"),
    )


def _sightings(snapshots: pl.DataFrame, fields: tuple[str, ...]) -> pl.DataFrame:
    """When each value of each of `fields` was seen: at a snapshot's first sighting and at its
    last, its messages shared between the two (one at the last). Nulls are skipped, so type 24
    part A and part B reports do not flip each other's fields. Columns: field (its place in
    `fields`), mmsi, timestamp, value, reports; sorted by those but the last."""
    seen_later = pl.col("last_seen") > pl.col("timestamp")
    at_first = pl.when(seen_later).then(pl.col("messages") - 1).otherwise(pl.col("messages"))
    values = [_normalised(name).alias(str(i)) for i, name in enumerate(fields)]
    first = snapshots.select("mmsi", "timestamp", *values, reports=at_first)
    last = snapshots.filter(seen_later).select(
        "mmsi", pl.col("last_seen").alias("timestamp"), *values, reports=pl.lit(1, pl.Int64)
    )
    return (
        pl.concat([first, last])
        .unpivot([str(i) for i in range(len(fields))], index=["mmsi", "timestamp", "reports"],
                 variable_name="field", value_name="value")
        .drop_nulls("value")
        .with_columns(pl.col("field").cast(pl.Int32))
        .sort("field", "mmsi", "timestamp", "value")
    )  # fmt: skip


def _value_runs(snapshots: pl.DataFrame, fields: tuple[str, ...]) -> pl.DataFrame:
    """Runs of one value of one field of one MMSI, in time order: mmsi, field, value, first,
    last, reports. Only MMSIs with two runs or more of a field. All fields at once: on the few
    snapshots of a live run's vessels, each query costs more than its rows."""
    key = ["field", "mmsi"]
    changed = pl.col("value") != pl.col("value").shift(1).over(key)
    return (
        _sightings(snapshots, fields)
        .with_columns(run=changed.fill_null(True).cum_sum())
        .group_by(*key, "run", maintain_order=True)
        .agg(
            pl.col("value").first(),
            first=pl.col("timestamp").first(),
            last=pl.col("timestamp").last(),
            reports=pl.col("reports").sum(),
        )
        .filter(pl.len().over(key) > 1)
        .select(
            "mmsi",
            pl.col("field").replace_strict(dict(enumerate(fields)), return_dtype=pl.String),
            pl.exclude("mmsi", "field", "run"),
        )
    )


def _hours(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600.0


def _takes_over(
    run: dict[str, Any], latest: bool, first: bool, known: bool, params: IdentityParams
) -> bool:
    """Whether a run of a new value becomes the value in force (see `_lasting_changes`)."""
    lasting = latest or first or _hours(run["first"], run["last"]) >= params.debounce_hours
    return lasting and run["reports"] >= (1 if known else params.min_reports)


def _lasting_changes(runs: list[dict[str, Any]], params: IdentityParams) -> list[dict[str, Any]]:
    """The changes of one field of one MMSI that lasted, from its runs in time order.

    A run becomes the value in force when it has at least `min_reports` reports and lasts: it
    spans `debounce_hours` or more, or it is the latest value. A run failing either is ignored,
    so the value in force goes on through it: A, B, A with B shorter than the debounce is no
    change, and A, B, C with B short is one change, A to C. The first value in force needs
    only `min_reports` and is not a change; a value coming back needs one report (a stored
    snapshot keeps only the last sighting of a value that came back).

    Each change: mmsi, field, old, new, start (old value last seen), end (new value first seen)
    and the reports of the new value's first run.
    """
    changes: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    known: set[str] = set()
    for i, run in enumerate(runs):
        if current is not None and run["value"] == current["value"]:
            current["last"] = run["last"]
            continue
        latest = i == len(runs) - 1
        if not _takes_over(run, latest, current is None, run["value"] in known, params):
            continue
        if current is not None:
            old = {"old": current["value"], "start": current["last"]}
            new = {"new": run["value"], "end": run["first"], "reports": run["reports"]}
            changes.append({"mmsi": run["mmsi"], "field": run["field"], **old, **new})
        current = dict(run)
        known.add(run["value"])
    return changes


def _field_change_rows(identities: pl.DataFrame, params: IdentityParams) -> list[dict[str, Any]]:
    """`field_change` event rows: the lasting changes of one MMSI whose new values were first
    seen in the same report, together. Confidence: 0.2 + 0.2 per field changed (max 1)."""
    runs = _value_runs(identities, params.identity_fields).sort("mmsi", "field", "first")
    changes = [
        change
        for _, group in groupby(runs.iter_rows(named=True), key=lambda r: (r["mmsi"], r["field"]))
        for change in _lasting_changes(list(group), params)
    ]
    order = {name: i for i, name in enumerate(params.identity_fields)}
    changes.sort(key=lambda c: (c["mmsi"], c["end"], order[c["field"]]))
    rows = []
    for (mmsi, end), group in groupby(changes, key=lambda c: (c["mmsi"], c["end"])):
        fields = list(group)
        rows.append(
            {
                "start": min(c["start"] for c in fields),
                "end": end,
                "mmsi": mmsi,
                "confidence": min(1.0, 0.2 + 0.2 * len(fields)),
                "score": IDENTITY_CHANGE_SCORE,
                "params": params_json(params),
                "evidence": to_json(
                    {
                        "rule": "field_change",
                        "changes": [
                            {k: c[k] for k in ("field", "old", "new", "reports")} for c in fields
                        ],
                    }
                ),
                "_key": ",".join(c["field"] for c in fields),
            }
        )
    return rows


def _reflags(identities: pl.DataFrame) -> pl.DataFrame:
    """One row per IMO number seen under a new MMSI: old and new MMSI, their MIDs and flags,
    when the old MMSI was last and the new one first seen under that IMO."""
    flags = flag_frame().select("mid", "flag")
    seen = (
        identities.drop_nulls("imo")
        .group_by("imo", "mmsi")
        .agg(first=pl.col("timestamp").min(), last=pl.col("last_seen").max())
        .sort("imo", "first", "mmsi")
        .with_columns(
            old_mmsi=pl.col("mmsi").shift(1).over("imo"),
            old_last=pl.col("last").shift(1).over("imo"),
        )
        .drop_nulls("old_mmsi")
        .with_columns(new_mid=mid_expr("mmsi"), old_mid=mid_expr("old_mmsi"))
    )
    return (
        seen.join(flags.rename({"mid": "new_mid", "flag": "new_flag"}), on="new_mid", how="left")
        .join(flags.rename({"mid": "old_mid", "flag": "old_flag"}), on="old_mid", how="left")
        .sort("imo", "first", "mmsi")
    )


def _reflagged(r: dict[str, Any]) -> bool:
    """Whether the flag changed with the MMSI: France's MIDs 226, 227 and 228 are one flag; an
    unallocated MID compares by its number."""
    if r["old_flag"] is not None and r["new_flag"] is not None:
        return bool(r["old_flag"] != r["new_flag"])
    return bool(r["old_mid"] != r["new_mid"])


def _reflag_rows(identities: pl.DataFrame, params: IdentityParams) -> list[dict[str, Any]]:
    """`imo_new_mmsi` event rows: an IMO number under a new MMSI (`other_mmsi`: the old one),
    a reflag when the flag of the MID changed with it. Confidence 0.8."""
    rows = []
    for r in _reflags(identities).iter_rows(named=True):
        evidence = {
            "rule": "imo_new_mmsi",
            "imo": r["imo"],
            "changes": [{"field": "mmsi", "old": r["old_mmsi"], "new": r["mmsi"]}],
            "old_mmsi": r["old_mmsi"],
            "new_mmsi": r["mmsi"],
            "old_mid": r["old_mid"],
            "new_mid": r["new_mid"],
            "old_flag": r["old_flag"],
            "new_flag": r["new_flag"],
            "reflag": _reflagged(r),
            "old_mmsi_still_reporting": r["old_last"] > r["first"],
        }
        rows.append(
            {
                "start": min(r["old_last"], r["first"]),
                "end": r["first"],
                "mmsi": r["mmsi"],
                "other_mmsi": r["old_mmsi"],
                "confidence": REFLAG_CONFIDENCE,
                "score": IDENTITY_CHANGE_SCORE,
                "params": params_json(params),
                "evidence": to_json(evidence),
                "_key": f"imo:{r['imo']}",
            }
        )
    return rows


def _station_mismatches(identities: pl.DataFrame, params: IdentityParams) -> pl.DataFrame:
    """MMSIs that cannot be a ship's own: a ship-station number whose MID is not allocated, or
    the number of another kind of station (group, coast, SAR aircraft, AIS-SART, aid to
    navigation, craft of a parent ship, handheld) in reports of a ship (an IMO number or a
    ship type of `vessel_ship_types`). Columns: mmsi, check, first, last, reports, mid."""
    low, high = SHIP_STATION_MMSI
    ship_format = pl.col("mmsi").is_between(low, high)
    shiplike = pl.col("imo").is_not_null() | pl.col("ship_type").is_in(params.vessel_ship_types)
    per_mmsi = identities.group_by("mmsi").agg(
        first=pl.col("timestamp").min(),
        last=pl.col("last_seen").max(),
        reports=pl.col("messages").sum(),
        shiplike=shiplike.any(),
        ship_types=pl.col("ship_type").drop_nulls().unique().sort(),
    )
    check = (
        pl.when(ship_format & ~pl.col("mid").is_in(list(FLAGS)))
        .then(pl.lit("mid_unallocated"))
        .when(~ship_format & pl.col("shiplike"))
        .then(pl.lit("not_ship_station"))
    )
    return (
        per_mmsi.with_columns(mid=mid_expr("mmsi"))
        .with_columns(check=check)
        .filter(pl.col("check").is_not_null() & (pl.col("reports") >= params.min_reports))
    )


def _no_call_sign_needed(identities: pl.DataFrame, params: IdentityParams) -> pl.Series:
    """The MMSIs that may carry no call sign: a report of a class B message type or of a sailing
    or pleasure craft ship type (`no_call_sign_msg_types`, `no_call_sign_ship_types`)."""
    leisure = pl.col("ship_type").is_in(params.no_call_sign_ship_types) | pl.col("msg_type").is_in(
        params.no_call_sign_msg_types
    )
    return identities.filter(leisure.fill_null(False))["mmsi"].unique()


def _name_key(column: str) -> pl.Expr:
    """`column` upper case with everything but letters and digits removed: "TIGER LILY" and
    "TIGERL" compare as TIGERLILY and TIGERL."""
    return pl.col(column).cast(pl.String).str.to_uppercase().str.replace_all(r"[^A-Z0-9]", "")


def _checkable_call_signs(identities: pl.DataFrame, params: IdentityParams) -> pl.DataFrame:
    """Reports whose call sign is worth checking against the flag: a ship-station MMSI that needs
    a call sign (`_no_call_sign_needed`), a field plausibly holding one (`call_sign_plausible`),
    and not the vessel's name or the start of it (owners type the name in). Columns: mmsi,
    timestamp, last_seen, messages, call_sign (normalised)."""
    low, high = SHIP_STATION_MMSI
    raw = identities["call_sign"].cast(pl.String).drop_nulls().unique()
    plausible = [text for text in raw.to_list() if call_sign_plausible(text)]
    names = identities.select("mmsi", name=_name_key("name")).drop_nulls().unique()
    reports = (
        identities.filter(
            pl.col("mmsi").is_between(low, high)
            & pl.col("call_sign").cast(pl.String).is_in(plausible)
            & ~pl.col("mmsi").is_in(_no_call_sign_needed(identities, params).implode())
        )
        .select("mmsi", "timestamp", "last_seen", "messages", call_sign=_normalised("call_sign"))
        .drop_nulls("call_sign")
    )
    named = reports.join(names, on="mmsi", how="inner").filter(
        pl.col("name").str.starts_with(pl.col("call_sign"))
    )
    return reports.join(named.select("mmsi", "call_sign").unique(), on=["mmsi", "call_sign"],
                        how="anti")  # fmt: skip


def _call_sign_mismatches(identities: pl.DataFrame, params: IdentityParams) -> pl.DataFrame:
    """Call signs outside the series of the flag of their ship-station MMSI's MID (ITU Radio
    Regulations Appendix 42), reported at least `min_reports` times, of the reports worth
    checking (`_checkable_call_signs`). Flags the series table does not hold are not checked.
    Columns: mmsi, call_sign, first, last, reports, mid, flag, call_sign_flag."""
    pairs = (
        _checkable_call_signs(identities, params)
        .group_by("mmsi", "call_sign")
        .agg(
            first=pl.col("timestamp").min(),
            last=pl.col("last_seen").max(),
            reports=pl.col("messages").sum(),
        )
        .filter(pl.col("reports") >= params.min_reports)
        .with_columns(mid=mid_expr("mmsi"))
        .join(flag_frame().select("mid", "flag"), on="mid", how="inner")
    )
    fits = [call_sign_fits_flag(c, f) for c, f in pairs.select("call_sign", "flag").iter_rows()]
    return pairs.filter(pl.Series(fits, dtype=pl.Boolean).eq_missing(False)).with_columns(
        call_sign_flag=pl.col("call_sign").map_elements(
            call_sign_administration, return_dtype=pl.String
        )
    )


def _mismatch_rows(identities: pl.DataFrame, params: IdentityParams) -> list[dict[str, Any]]:
    """`identity_inconsistency` event rows (rule `mid_flag_mismatch`), one per MMSI and check
    (and call sign): from the first to the last report showing it."""
    found = [
        {**r, "call_sign": None, "flag": FLAGS[r["mid"]].alpha2 if r["mid"] in FLAGS else None}
        for r in _station_mismatches(identities, params).iter_rows(named=True)
    ] + [
        {**r, "check": "call_sign_series"}
        for r in _call_sign_mismatches(identities, params).iter_rows(named=True)
    ]
    rows = []
    for r in found:
        evidence = {
            "rule": "mid_flag_mismatch",
            "check": r["check"],
            "mid": r["mid"],
            "mid_flag": r["flag"],
            "reports": r["reports"],
        }
        if r["check"] == "call_sign_series":
            evidence |= {"call_sign": r["call_sign"], "call_sign_flag": r["call_sign_flag"]}
        if r["check"] == "not_ship_station":
            evidence["ship_types"] = r["ship_types"]
        rows.append(
            {
                "start": r["first"],
                "end": r["last"],
                "mmsi": r["mmsi"],
                "confidence": MISMATCH_CONFIDENCE[r["check"]],
                "score": IDENTITY_INCONSISTENCY_SCORE,
                "params": params_json(params),
                "evidence": to_json(evidence),
                "_key": f"{r['check']}:{r['call_sign'] or ''}",
            }
        )
    return rows


def detect_identity_changes(
    identities: pl.DataFrame,
    params: IdentityParams = DEFAULT_PARAMS,
    shared: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """`identity_change` and `identity_inconsistency` events from identity reports or
    snapshots, in any row order.

    Rules (evidence `rule`): `field_change` (lasting changes of `identity_fields`, debounced by
    `debounce_hours` and `min_reports`) and `imo_new_mmsi` (an IMO number under a new MMSI; a
    reflag when the flag changed) are changes; `mid_flag_mismatch` is an inconsistency (see the
    module docstring).

    `shared`: the `shared_mmsi` events of the same period (`detect_shared_mmsi`); field changes
    and mismatches of an MMSI overlapping one of its shared periods are dropped, as two hulls on
    one MMSI broadcast two identities. Ids are stable: field changes and IMO events are keyed
    on the MMSI, the time the new value was first seen and the fields; mismatches on the MMSI,
    the check and the call sign.
    """
    if identities.is_empty():
        return empty_events()
    identities = _as_snapshots(identities)
    kind = "identity_change"
    changes = build_events(
        kind, _field_change_rows(identities, params), ("mmsi", "end", "_key"), order=VESSEL_ORDER
    )
    mismatches = build_events(
        "identity_inconsistency",
        _mismatch_rows(identities, params),
        ("mmsi", "_key"),
        order=VESSEL_ORDER,
    )
    reflags = build_events(
        kind, _reflag_rows(identities, params), ("mmsi", "end", "_key"), order=VESSEL_ORDER
    )
    explained = outside_periods(pl.concat([changes, mismatches]), shared)
    return pl.concat([explained, reflags]).sort(["mmsi", "start", "id"])
