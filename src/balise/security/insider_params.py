"""Thresholds of the insider look-up rules (`balise.security.insider`), as settings
`detect.insider.<field>` (e.g. `detect.insider.pickup_window_hours`), declared the way the
maritime detectors' are (`balise.maritime.params`): each number once, here, with its source.

Where a number comes from published insider-threat practice the docstring says which; where it
is Balise's judgement it says so. They are starting points to be tuned on a service's own audit
trail (the benchmark `bench/insider_quality.py` measures them on the synthetic world).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from balise.model.parameters import params_from, settings_of

PREFIX = "detect.insider"
"""The settings of this module are `detect.insider.<field>`."""


@dataclass(frozen=True)
class InsiderParams:
    """Thresholds of the insider look-up rules; docs/detectors.md#insider_lookup says what each
    rule does."""

    lookup_max_records: int = 5
    """An access reading at most this many records is a look-up (a container's page with its
    release and gate moves); a longer one is a list page. The rules on unrelated, consignee and
    release look-ups only count look-ups: a list a user scrolls is not a choice of boxes. Balise
    judgement."""
    unrelated_min_containers: int = 5
    """Distinct containers a user looks up in one local day at terminals outside their ports and
    not in their work (alerts, cases, queue) before it is reported. Need-to-know is the CERT
    practice "enforce separation of duties and least privilege" (Common Sense Guide to
    Mitigating Insider Threats, 6th ed., CMU/SEI-2018-TR-010) and the "first access to an asset
    outside the peer group" of UEBA products; the number is Balise judgement: one or two stray
    look-ups a day are curiosity, a handful is a pattern."""
    burst_minutes: float = 10.0
    """Length of the sliding window in which look-ups are counted for a burst. Balise
    judgement, of the order of the 5-15 minute windows of SIEM rate rules."""
    burst_min_lookups: int = 20
    """Look-ups within `burst_minutes` that make a burst (one every 30 s), when also
    `burst_factor` times the user's usual rate. Balise judgement."""
    burst_factor: float = 5.0
    """A burst must also be this many times the user's own median look-ups per active window
    (the CERT Common Sense Guide's practice "establish a baseline of normal behavior for both
    networks and employees"). Balise judgement on the factor."""
    workday_start_hour: int = 7
    """Local hour (the user's time zone) at which the working day starts, Monday to Friday.
    07:00-19:00 on weekdays is the business-hours window of common SIEM off-hours rules (e.g.
    the "logon outside business hours" queries published for Microsoft Sentinel); CERT lists
    access at unusual times among the technical indicators of insider activity."""
    workday_end_hour: int = 19
    """Local hour at which the working day ends; reads from this hour to `workday_start_hour`,
    and all day on Saturday and Sunday, are off-hours (see `workday_start_hour`)."""
    off_hours_min_reads: int = 5
    """Off-hours reads in one local day before it is reported: a single check from home is
    common, a session is not. Balise judgement."""
    routine_off_hours_share: float = 0.5
    """A user who reads off-hours on at least this share of their active days works shifts (a
    night watch officer): their off-hours reading is routine and not reported. The per-user
    baseline of UEBA products (Elastic's "unusual hour for a user to logon" learns each user's
    hours); the share is Balise judgement."""
    off_hours_baseline_days: int = 5
    """Active days a user needs in the trail before their off-hours habit is judged; with fewer,
    every off-hours session is reported. A working week; Balise judgement."""
    pickup_window_hours: float = 72.0
    """A look-up of a container's release (or of the container, when a release exists) counts
    when an unusual gate-out of that container follows within this many hours. Europol's
    joint report "Criminal networks in EU ports" (2023) describes PIN-code fraud: the reference
    is obtained through a corrupt insider and the box is extracted before the rightful haulier
    comes, usually within days of discharge. Three days is Balise judgement."""
    consignee_min_containers: int = 4
    """Distinct containers of one consignee (`issued_to` of their releases), outside the user's
    work, looked up in one local day before it is reported: when they are at terminals outside
    the user's ports, or when they make at least `consignee_min_share` of the containers the
    user looked up that day. Traffickers target the boxes of the front companies they use.
    Balise judgement."""
    consignee_min_share: float = 0.5
    """Share of the user's containers looked up in a day (outside their work) that one
    consignee must reach, at the user's own ports, to be a concentration: port staff read many
    boxes of the big importers every day. Balise judgement."""
    scrape_records_per_hour: int = 1_000
    """Records read in a sliding hour (the `count` of each access, list pages included) that
    make scraping: OWASP's automated threat OAT-011 (Scraping), the bulk collection of data;
    mass-download rules of UEBA products count files per hour the same way. The number is
    Balise judgement: a busy analyst pages through a few hundred records an hour."""
    scrape_pages_per_hour: int = 40
    """List pages (accesses reading more than `lookup_max_records` records) read in a sliding
    hour that make scraping: paging through a whole list. Balise judgement."""


def insider_settings() -> list[dict[str, Any]]:
    """One setting declaration (keyword arguments of `balise.settings.Setting`) per threshold."""
    source = f"{InsiderParams.__module__}.InsiderParams (docs/detectors.md#insider_lookup)"
    return settings_of(PREFIX, InsiderParams, source)


def insider_params(values: Mapping[str, Any]) -> InsiderParams:
    """The thresholds in force: the `detect.insider.<field>` entries of resolved settings."""
    return params_from(values, PREFIX, InsiderParams)
