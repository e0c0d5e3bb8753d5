"""Release fraud: a container collected against its release in a way the release does not allow.

At the destination terminal a box leaves against its release, the reference (PIN code) the
shipping line gives the consignee's haulier. Networks obtain the reference through an insider,
a hacked system or a forwarder's clerk and send their own truck to collect the box before the
rightful haulier comes (Europol, "Criminal networks in EU ports", 2023; Antwerp's Certified
Pick-up and Rotterdam's Secure Chain were built against it). What a terminal's records show of it
(research note, §3.1): a pickup by an unexpected party, a second pickup attempt with the same
reference, a release used outside its validity or while customs still holds the box, pickups at
odd hours or unusually soon after discharge, rejected attempts.

The gate-outs (`GATE_SCHEMA`, direction `out`) of each container are grouped by the release they
present (the one they name, else the container's latest release issued before them) and read for
these indicators (weights in `ReleaseFraudParams`):

- `second_pickup` (**strong**): a gate-out attempt after an accepted gate-out with the same
  release, or two accepted;
- `unknown_release` (**strong**): the gate-out names a release the container's releases do not
  hold;
- `before_issue` (**strong**): accepted before the release was issued or before its validity;
- `customs_hold` (**strong**): accepted while customs held the box (the release's status `hold`
  in force, `released` only later, or a customs hold or selection event without a later
  `CUSTOMS_RELEASED`);
- `after_expiry`: accepted after the release expired;
- `haulier_not_on_release`: the haulier is not the release's authorised haulier, and
  `haulier_unknown` on top when it is not the authorised haulier of any release in the data;
- `odd_hour`: accepted at night in the terminal's local time;
- `fast_pickup`: accepted within `fast_pickup_hours` of the box's discharge at that port;
- `rejected_attempts`: the gate rejected attempts of the group.

A group is reported when a strong indicator holds or the noisy-OR of the weights reaches
`min_score`. A haulier that is not on the release is not enough alone, nor with one weak timing
hint: hauliers subcontract every day, and an honest subcontractor collecting at an ordinary time
must not raise an alarm; an unknown haulier at night, or soon after discharge, does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl

from balise.cargo.findings import Finding, events_of, hours, iso, noisy_or, related_of, rounded
from balise.cargo.ports import port_of, port_position

KIND: Final = "release_fraud"
STRONG: Final = ("second_pickup", "unknown_release", "before_issue", "customs_hold")
"""Indicators that are enough alone."""
HOLD_CODES: Final = ("CUSTOMS_HOLD", "CUSTOMS_SELECTED_FOR_SCAN", "CUSTOMS_SELECTED_FOR_INSPECTION")
"""Container events that put the box under customs control until `CUSTOMS_RELEASED`."""


@dataclass(frozen=True)
class ReleaseFraudParams:
    """Thresholds and weights of the release-fraud indicators (docs/detectors.md)."""

    min_score: float = 0.45
    """Combined weight (noisy-OR) that reports a group without a strong indicator: an unknown
    haulier (0.4) needs one more hint, a subcontracted one (0.25) two. Judgement."""
    fast_pickup_hours: float = 4.0
    """A pickup this soon (h) after discharge is unusually fast: import boxes wait days at
    European terminals for documents, customs and the haulier's slot, and the research note
    names "pickup unusually soon after DISC" among PIN-fraud signs. Judgement."""
    night_start_hour: int = 22
    """Local hour from which a pickup is at night (terminal time zone). Many terminal gates
    work round the clock, so night is a hint, never enough alone. Judgement."""
    night_end_hour: int = 5
    """Local hour at which the night ends."""
    weight_haulier_not_on_release: float = 0.25
    """A haulier other than the release's authorised one: everyday subcontracting, or a stolen
    reference. Judgement."""
    weight_haulier_unknown: float = 0.2
    """Added when the haulier is not the authorised haulier of any release in the data (the
    network's own truck). Judgement."""
    weight_after_expiry: float = 0.3
    """Accepted after the release's validity ended. Judgement."""
    weight_night: float = 0.2
    """Accepted at night, local time. Judgement."""
    weight_fast_pickup: float = 0.25
    """Accepted within `fast_pickup_hours` of discharge. Judgement."""
    weight_rejected_attempt: float = 0.15
    """Each rejected attempt of the group (at most three counted): a mistyped reference is
    common, repeated tries are not. Judgement."""
    weight_strong: float = 0.6
    """Weight of each strong indicator (second pickup, unknown release, use before issue,
    customs hold). Judgement."""


def detect_release_fraud(
    releases: pl.DataFrame,
    gate: pl.DataFrame,
    container_events: pl.DataFrame | None = None,
    params: ReleaseFraudParams | None = None,
    timezones: Mapping[str, str] | None = None,
) -> pl.DataFrame:
    """`release_fraud` events (`EVENT_SCHEMA`): one per (container, release) whose gate-outs
    show the module's indicators. `releases` has `RELEASE_SCHEMA`, `gate` `GATE_SCHEMA`,
    `container_events` `CONTAINER_EVENT_SCHEMA` (discharge times and customs events; optional);
    `timezones` maps UN/LOCODE → IANA zone for the local hour (a port without one is not judged
    on its hour)."""
    params = params or ReleaseFraudParams()
    outs = gate.filter(pl.col("direction").str.to_lowercase() == "out").drop_nulls(
        ["container_number", "time"]
    )
    if outs.is_empty():
        return events_of(KIND, [], params)
    context = _Context(releases, container_events, timezones or {})
    findings = []
    for group in _groups(outs, releases):
        finding = _judge(group, context, params)
        if finding is not None:
            findings.append(finding)
    return events_of(KIND, findings, params)


def _norm(text: str | None) -> str:
    return " ".join((text or "").upper().split())


class _Context:
    """What the indicators look up: releases by id, known hauliers, discharges, customs."""

    def __init__(
        self,
        releases: pl.DataFrame,
        container_events: pl.DataFrame | None,
        timezones: Mapping[str, str],
    ) -> None:
        self.releases = {r["release_id"]: r for r in releases.iter_rows(named=True)}
        self.boxes_with_releases = set(releases["container_number"].drop_nulls().to_list())
        self.hauliers = {_norm(h) for h in releases["authorised_haulier"].drop_nulls().to_list()}
        self.timezones = timezones
        self.discharges: dict[str, list[tuple[datetime, str | None, int | None]]] = {}
        self.customs: dict[str, list[tuple[datetime, str]]] = {}
        if container_events is not None:
            self._read_events(container_events)

    def _read_events(self, events: pl.DataFrame) -> None:
        actual = events.filter(
            (pl.col("classifier").fill_null("ACT") == "ACT")
            & pl.col("event_code").is_in(["DISCHARGED", "CUSTOMS_RELEASED", *HOLD_CODES])
        ).sort("event_time")
        for row in actual.iter_rows(named=True):
            box, code = row["container_number"], row["event_code"]
            if code == "DISCHARGED":
                entry = (row["event_time"], row["unlocode"], row["vessel_mmsi"])
                self.discharges.setdefault(box, []).append(entry)
            else:
                self.customs.setdefault(box, []).append((row["event_time"], code))

    def discharge_before(
        self, box: str, port: str | None, moment: datetime
    ) -> tuple[datetime, int | None] | None:
        """(time, vessel MMSI) of the box's last discharge at `port` before `moment`."""
        found = [
            (t, mmsi)
            for t, where, mmsi in self.discharges.get(box, [])
            if t <= moment and (port is None or where is None or where == port)
        ]
        return found[-1] if found else None

    def customs_open(self, box: str, moment: datetime) -> str | None:
        """The customs event holding the box at `moment`, when no release followed it."""
        last = [(t, code) for t, code in self.customs.get(box, []) if t <= moment]
        if last and last[-1][1] != "CUSTOMS_RELEASED":
            return last[-1][1]
        return None

    def local_hour(self, port: str | None, moment: datetime) -> int | None:
        """The hour of `moment` at `port`'s time zone, None when the zone is unknown."""
        zone = self.timezones.get(port or "")
        if not zone:
            return None
        try:
            return moment.astimezone(ZoneInfo(zone)).hour
        except (ZoneInfoNotFoundError, ValueError):
            return None


def _groups(outs: pl.DataFrame, releases: pl.DataFrame) -> list[list[dict[str, Any]]]:
    """Gate-outs grouped by (container, release presented), each group in time order; a
    gate-out naming no release gets the container's latest release issued before it."""
    issued: dict[str, list[dict[str, Any]]] = {}
    for row in releases.sort("issued_at", nulls_last=True).iter_rows(named=True):
        issued.setdefault(row["container_number"], []).append(row)
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in outs.sort("time", "gate_tx_id", nulls_last=True).iter_rows(named=True):
        release = row["release_id"]
        if not release:
            before = [
                r
                for r in issued.get(row["container_number"], [])
                if r["issued_at"] is None or r["issued_at"] <= row["time"]
            ]
            release = before[-1]["release_id"] if before else None
        row = row | {"release": release}
        groups.setdefault((row["container_number"], release or ""), []).append(row)
    return list(groups.values())


def _judge(
    group: list[dict[str, Any]], context: _Context, params: ReleaseFraudParams
) -> Finding | None:
    """The finding of one (container, release) group, None when nothing is unusual enough."""
    box = group[0]["container_number"]
    release = context.releases.get(group[0]["release"])
    accepted = [g for g in group if (g["result"] or "accepted").lower() == "accepted"]
    hits = _group_hits(group, accepted, release, context, params)
    for attempt in accepted[:1]:
        hits += _attempt_hits(attempt, release, context, params)
    kinds = {name for name, _, _ in hits}
    score = noisy_or(weight for _, weight, _ in hits)
    if not (kinds & set(STRONG)) and score < params.min_score:
        return None
    port = port_of(group[0]["terminal"])
    place = port_position(port) if port else None
    first = accepted[0] if accepted else group[0]
    discharge = context.discharge_before(box, port, first["time"])
    confidence = (0.7 if kinds & set(STRONG) else 0.5) + 0.05 * (len(kinds) - 1)
    return Finding(
        container=box,
        key=f"{group[0]['release'] or ''}|{iso(group[0]['time'])}",
        start=group[0]["time"],
        end=group[-1]["time"],
        confidence=round(min(0.9, confidence), 3),
        score=score,
        reasons=[text for _, _, text in hits],
        evidence=_evidence(group, release, sorted(kinds), discharge),
        lat=place[0] if place else None,
        lon=place[1] if place else None,
        mmsi=discharge[1] if discharge else None,
        related=[
            *related_of("release", [g["release"] for g in group]),
            *related_of(
                "company",
                [release["issued_to"] if release else None, *(g["haulier"] for g in group)],
            ),
        ],
    )


def _group_hits(
    group: list[dict[str, Any]],
    accepted: list[dict[str, Any]],
    release: dict[str, Any] | None,
    context: _Context,
    params: ReleaseFraudParams,
) -> list[tuple[str, float, str]]:
    """Indicators of the group as a whole: second pickup, unknown release, rejections."""
    hits: list[tuple[str, float, str]] = []
    box, named = group[0]["container_number"], group[0]["release_id"]
    if accepted:
        later = group[next(i for i, g in enumerate(group) if g is accepted[0]) + 1 :]
        if later:
            who = later[0]["haulier"] or "an unnamed haulier"
            hits.append(
                (
                    "second_pickup",
                    params.weight_strong,
                    f"a second pickup with the same release by {who} at "
                    f"{iso(later[0]['time'])}, after the box left at "
                    f"{iso(accepted[0]['time'])}",
                )
            )
    if named and release is None and box in context.boxes_with_releases:
        hits.append(
            (
                "unknown_release",
                params.weight_strong,
                f"release {named} is not one of the container's releases",
            )
        )
    rejected = [g for g in group if (g["result"] or "").lower() == "rejected"]
    if rejected:
        weight = min(3, len(rejected)) * params.weight_rejected_attempt
        hits.append(
            (
                "rejected_attempts",
                min(weight, 0.99),
                f"{len(rejected)} rejected gate-out attempt(s)",
            )
        )
    return hits


def _attempt_hits(
    attempt: dict[str, Any],
    release: dict[str, Any] | None,
    context: _Context,
    params: ReleaseFraudParams,
) -> list[tuple[str, float, str]]:
    """Indicators of the accepted gate-out: validity, customs, haulier, hour, speed."""
    hits: list[tuple[str, float, str]] = []
    moment, box = attempt["time"], attempt["container_number"]
    if release is not None:
        hits += _release_hits(attempt, release, context, params)
    hold = context.customs_open(box, moment)
    if hold and not any(name == "customs_hold" for name, _, _ in hits):
        hits.append(
            (
                "customs_hold",
                params.weight_strong,
                f"left under customs control ({hold.lower()}, no customs release yet)",
            )
        )
    port = port_of(attempt["terminal"])
    hour = context.local_hour(port, moment)
    if hour is not None and (hour >= params.night_start_hour or hour < params.night_end_hour):
        hits.append(
            ("odd_hour", params.weight_night, f"collected at {hour:02d} h local time at {port}")
        )
    discharge = context.discharge_before(box, port, moment)
    if discharge is not None and hours(discharge[0], moment) <= params.fast_pickup_hours:
        hits.append(
            (
                "fast_pickup",
                params.weight_fast_pickup,
                f"collected {hours(discharge[0], moment):.1f} h after discharge",
            )
        )
    return hits


def _release_hits(
    attempt: dict[str, Any],
    release: dict[str, Any],
    context: _Context,
    params: ReleaseFraudParams,
) -> list[tuple[str, float, str]]:
    """Indicators comparing the accepted gate-out with its release."""
    hits: list[tuple[str, float, str]] = []
    moment = attempt["time"]
    starts = [t for t in (release["issued_at"], release["valid_from"]) if t is not None]
    if starts and moment < max(starts):
        hits.append(
            (
                "before_issue",
                params.weight_strong,
                f"collected before its release was issued or valid ({iso(max(starts))})",
            )
        )
    if release["valid_until"] is not None and moment > release["valid_until"]:
        hits.append(
            (
                "after_expiry",
                params.weight_after_expiry,
                f"collected after its release expired ({iso(release['valid_until'])})",
            )
        )
    status, status_at = (release["customs_status"] or "").lower(), release["customs_status_at"]
    if (status == "hold" and (status_at is None or status_at <= moment)) or (
        status == "released" and status_at is not None and status_at > moment
    ):
        hits.append(("customs_hold", params.weight_strong, "left while customs held the container"))
    haulier, authorised = _norm(attempt["haulier"]), _norm(release["authorised_haulier"])
    if haulier and authorised and haulier != authorised:
        hits.append(
            (
                "haulier_not_on_release",
                params.weight_haulier_not_on_release,
                f"collected by {attempt['haulier']}, the release names "
                f"{release['authorised_haulier']}",
            )
        )
        if haulier not in context.hauliers:
            hits.append(
                (
                    "haulier_unknown",
                    params.weight_haulier_unknown,
                    f"{attempt['haulier']} is on no release in the data",
                )
            )
    return hits


def _evidence(
    group: list[dict[str, Any]],
    release: dict[str, Any] | None,
    indicators: list[str],
    discharge: tuple[datetime, int | None] | None,
) -> dict[str, Any]:
    """What was observed of one group."""
    return {
        "indicators": indicators,
        "terminal": group[0]["terminal"],
        "release": None
        if release is None
        else {
            "release_id": release["release_id"],
            "issued_at": iso(release["issued_at"]),
            "issued_to": release["issued_to"],
            "authorised_haulier": release["authorised_haulier"],
            "valid_from": iso(release["valid_from"]),
            "valid_until": iso(release["valid_until"]),
            "customs_status": release["customs_status"],
            "customs_status_at": iso(release["customs_status_at"]),
        },
        "attempts": [
            {
                "gate_tx_id": g["gate_tx_id"],
                "time": iso(g["time"]),
                "haulier": g["haulier"],
                "truck_plate": g["truck_plate"],
                "release_id": g["release_id"],
                "result": g["result"],
            }
            for g in group
        ],
        "discharged_at": iso(discharge[0]) if discharge else None,
        "hours_after_discharge": rounded(
            (group[0]["time"] - discharge[0]).total_seconds() / 3600.0, 2
        )
        if discharge
        else None,
    }
