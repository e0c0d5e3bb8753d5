"""Thresholds of the radar core: tracking, radar-AIS association and dark targets.

One dataclass, registered as the settings `detect.radar.<field>` (`balise.maritime.params`), so a
detection run records the values in force in each `dark_target` event's `params`. The reasoning
behind the tracker is in docs/decisions/0011-radar-tracking.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from balise.geo.coast_country import FRENCH_ISO3


@dataclass(frozen=True)
class RadarParams:
    """Thresholds of radar tracking, association with AIS and the `dark_target` detector."""

    scan_seconds: float = 60.0
    """Contacts of one sensor are taken in batches of this length (s), in which a track takes at
    most one contact: it must be shorter than the sensor's revisit period of a target. Coastal
    trackers report each target every one to a few minutes (the simulator every 2 min); a plot
    extractor reporting every rotation (2-3 s, 20-30 rpm) needs this below 2 s."""
    process_noise: float = 0.1
    """Spectral density of the white-noise acceleration of the constant-velocity model (m²/s³):
    a velocity change of about √(q·T) = 3.5 m/s (7 kn) over a two-minute scan interval, a
    go-fast's turn or a speed change (Bar-Shalom, Li & Kirubarajan 2001, §6.2)."""
    min_position_error_m: float = 10.0
    """Floor of the 1-sigma position error of a contact (m), for sensors that report none or 0."""
    initial_speed_sigma_knots: float = 4.0
    """1-sigma error of the velocity a new track takes from its first contact's speed and
    course (kn); a contact without them starts at rest with `max_speed_knots` / 2 as sigma."""
    max_speed_knots: float = 60.0
    """Fastest craft expected (kn): go-fasts reach 50-60 kn."""
    gate_chi2: float = 9.21
    """Gate of a contact on a track's predicted position, squared Mahalanobis distance: the
    chi-square 99 % quantile with 2 degrees of freedom (a 2-D position)."""
    confirm_contacts: int = 3
    """M of the M-of-N confirmation: a tentative track is confirmed at its M-th contact."""
    revisit_seconds: float = 120.0
    """Period at which the sensor reports a target it holds (s): the tracker's update rate.
    Coastal trackers report every one to a few minutes (the simulator every 2 min); a plot
    extractor reporting every antenna rotation needs 2-3 s (20-30 rpm)."""
    confirm_scans: int = 6
    """N of the M-of-N confirmation: a tentative track is dropped as clutter when N revisits
    (`revisit_seconds`) pass from its first contact before its M-th. Counted in revisits of a
    target, not in batches of the sensor's contacts: a semi-submersible seen on a third of the
    revisits still gathers 3 contacts in 6 revisits about half of the time, and tries again."""
    max_gap_minutes: float = 20.0
    """A track not updated for this long is ended (min): ten two-minute scans, long enough to
    bridge the fading of a semi-submersible seen on a third of the scans."""
    match_km: float = 1.5
    """Least gate between a radar contact and an AIS position dead-reckoned to its time (km):
    Skylight's detection-to-AIS correlation distance (Allen AI Skylight, "vessel detection"
    documentation: detections within 1.5 km of an AIS position are correlated)."""
    match_sigmas: float = 3.0
    """The gate widens to this many 1-sigma position errors of the contact when that is larger
    than `match_km` (a contact at the edge of a long-range radar)."""
    match_speed_knots: float = 10.0
    """A contact matches an AIS vessel only when the speed the radar reports is within this of
    hers (kn; a contact without speed agrees). ARPA speeds settle within 1-2 kn but a new track's
    speed is rough and an interpolated AIS speed is an average, hence the slack; the gap between a
    go-fast (25-50 kn) or a coastal-drop boat (15-20 kn) and the drifting ship it met is larger
    (IMO Resolution MSC.192(79), radar performance standards: ARPA speed accuracy)."""
    max_dead_reckoning_minutes: float = 15.0
    """An AIS position is carried forward (from its SOG/COG, or towards the next fix) this long at
    most (min): a ship under way reports every 2-10 s, at anchor every 3 min (ITU-R M.1371)."""
    max_interpolation_minutes: float = 60.0
    """Two consecutive AIS fixes this close in time are joined by a straight line (min); farther
    apart, the earlier fix is dead-reckoned from its SOG/COG. Coastal reception has gaps of tens
    of minutes (a boat behind a headland, a receiver's outage) that the line bridges; a vessel
    silent for longer is dark between her fixes."""
    min_match_share: float = 0.5
    """A track is associated with the vessel matching at least this share of its contacts; for a
    vessel gone silent, of its contacts up to her last AIS position."""
    min_matched_contacts: int = 3
    """A vessel must match at least this many contacts of a track to be associated with it."""
    min_contacts: int = 3
    """A dark target needs a confirmed track of at least this many contacts."""
    min_duration_minutes: float = 4.0
    """A dark target needs a track at least this long (min)."""
    min_extent_nm: float = 0.5
    """A dark target must move this far from its first contact (nm): a craft that stays at its
    mooring or anchorage is no run (small craft need no AIS), and a fixed echo is clutter."""
    silent_minutes: float = 15.0
    """A vessel is dark when radar still follows her this long after her last AIS position (min):
    the dead-reckoning horizon, beyond which a ship under way has missed hundreds of reports."""
    coast_search_nm: float = 30.0
    """Landfall is looked for this far along the track's course (nm)."""
    origin_search_nm: float = 120.0
    """The coast the track came from is looked for this far back along its course (nm)."""
    home_countries: tuple[str, ...] = tuple(sorted(FRENCH_ISO3))
    """Countries (ISO 3166 alpha-3) whose coasts are not foreign: a track coming from any other
    coast scores the `foreign_origin` term. France and its overseas territories by default (the
    customs and navy of the French Caribbean); a Spanish deployment would name ESP."""
    min_score: float = 0.4
    """Dark targets scoring below this are not reported (the score: docs/detectors.md): slow
    craft far from a coast by day, which are mostly vessels whose AIS the receivers missed.
    Chosen on development seeds of the synthetic world (bench/results/dark_target_quality.md)."""
    fast_knots: float = 25.0
    """Speed of a go-fast run (kn): the score's speed term is full at this speed."""
    slow_knots: float = 6.0
    """At or below this speed (kn) a track scores no speed term: fishing, drifting, manoeuvring."""
    landing_hours: float = 1.0
    """The score's landfall term is full when the course reaches the coast within this time (h)
    and falls to zero at four times it."""
