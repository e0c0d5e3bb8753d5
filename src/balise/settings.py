"""The settings registry: every setting declared once, with its default, unit and source.

A value is resolved, highest first, from a command-line flag, a `BALISE_<NAME>` environment
variable, the workspace's `balise.toml`, then the documented default. `docs/settings.md` is
generated from this registry and a test fails when it drifts or when a setting lacks its help.

The detectors', rules' and plans' thresholds are declared by their own modules, imported when
one of those settings is first needed (`all_settings`): resolving settings that name none of
them (no flag, `balise.toml` key or `BALISE_*` variable does) imports no detector, and their
defaults are filled in when a command first reads one.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from balise.errors import SettingError
from balise.io.arpa import ARPA_POSITION_ERROR_M
from balise.io.telemetry import LIVE_BATCH_MESSAGES, LIVE_BATCH_SECONDS, RECONNECT_MAX_SECONDS
from balise.model.batch import (
    MAX_INPUT_BYTES,
    MAX_LINE_BYTES,
    MAX_QUARANTINE_TEXT_BYTES,
    MAX_RECORD_LINE_BYTES,
)

STREAM_POLL_SECONDS = 0.1
"""How often, at the latest, the live stream looks for new data and changed alerts, s
(`stream.poll_seconds`)."""
STREAM_KEEPALIVE_SECONDS = 15.0
"""Longest silence on the live stream before a comment line, s (`stream.keepalive_seconds`)."""
STREAM_LOOKBACK_SECONDS = 60.0
"""How far before its last change the live stream looks again for alerts, s
(`stream.lookback_seconds`)."""


def parse_utc(text: str) -> datetime:
    """An ISO 8601 instant as an aware UTC datetime; a time without an offset is taken as UTC."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as err:
        raise SettingError(f"not an ISO 8601 time: {text!r}", value=text) from err
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise ValueError("must be positive")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not 0 < value < float("inf"):
        raise ValueError("must be positive")
    return value


def _non_negative_float(text: str) -> float:
    value = float(text)
    if not 0 <= value < float("inf"):
        raise ValueError("must be zero or positive")
    return value


@dataclass(frozen=True)
class Setting:
    """One setting: name, parser, default, unit, help and the source of the default."""

    name: str
    parse: Callable[[str], Any]
    default: Any
    unit: str
    help: str
    source: str

    @property
    def env_var(self) -> str:
        return "BALISE_" + self.name.upper().replace(".", "_")


DETECT_PRESETS: tuple[str, ...] = ("gfw", "skylight", "starboard")
"""The named threshold presets of the detectors (balise.maritime.encounters.PRESETS)."""


def host_names(text: str) -> tuple[str, ...]:
    """Comma-separated host names or IP literals (IPv6 in brackets), as a Host header names
    them, without scheme, port or path; `*.example.org` allows every subdomain."""
    hosts = tuple(part.strip().lower() for part in text.split(",") if part.strip())
    for host in hosts:
        bare = host.removeprefix("*.")
        if bare.startswith("[") and bare.endswith("]"):
            bare = bare[1:-1].replace(":", "")
        if not bare or not all(c.isalnum() or c in "-." for c in bare):
            raise ValueError(f"{host!r} is not a host name (no scheme, port or path)")
    return hosts


MAX_BODY_BYTES = 1 << 20
"""1 MiB: the largest request body `balise serve` reads (`serve.max_body_bytes`)."""


def _preset(text: str) -> str:
    if text not in DETECT_PRESETS:
        raise ValueError(f"one of {', '.join(DETECT_PRESETS)}")
    return text


_FIRST: tuple[Setting, ...] = (
    Setting(
        name="workspace",
        parse=Path,
        default=Path("balise-workspace"),
        unit="directory",
        help="Folder holding the DuckDB store, balise.toml, quarantine files and exports.",
        source="docs/architecture.md, workspace contract",
    ),
    Setting(
        name="ingest.batch_records",
        parse=_positive_int,
        default=200_000,
        unit="records",
        help="Records decoded and committed per batch; bounds memory and the work redone "
        "after an interruption.",
        source="Balise: measured on a 2-core machine, ~100 MB peak per batch of DMA rows",
    ),
    Setting(
        name="ingest.assume_time",
        parse=parse_utc,
        default=None,
        unit="ISO 8601 UTC",
        help="Time given to NMEA sentences that carry none (no tag block, no leading "
        "timestamp); unset, such sentences are quarantined with reason no_time.",
        source="Balise: no silent guess of time",
    ),
    Setting(
        name="ingest.max_line_bytes",
        parse=_positive_int,
        default=MAX_LINE_BYTES,
        unit="bytes",
        help="Longest NMEA line read; a longer one is quarantined as line_too_long with only its "
        "first bytes kept, so a line without end costs no more memory than this.",
        source="IEC 61162-1: a sentence is at most 82 characters; tag blocks add < 100 bytes",
    ),
    Setting(
        name="ingest.max_record_line_bytes",
        parse=_positive_int,
        default=MAX_RECORD_LINE_BYTES,
        unit="bytes",
        help="Longest line of a container release, gate, access log or staff file (a CSV row, "
        "a JSON line); a longer one is quarantined as line_too_long with only its first bytes "
        "kept.",
        source="Balise: an access log entry lists up to 1,000 record identifiers (~20 KB)",
    ),
    Setting(
        name="ingest.max_input_bytes",
        parse=_positive_int,
        default=MAX_INPUT_BYTES,
        unit="bytes (decompressed)",
        help="Decompressed bytes read from one input (file, archive member, stdin); past it "
        "reading stops, the records read are kept and an input_too_large quarantine row is "
        "written. Guards against decompression bombs.",
        source="Balise: a DMA archive day is 3-5 GB; 64 GiB is an order of magnitude above",
    ),
    Setting(
        name="ingest.max_quarantine_text_bytes",
        parse=_positive_int,
        default=MAX_QUARANTINE_TEXT_BYTES,
        unit="bytes",
        help="Original text kept in one quarantine row (store and quarantine file); longer "
        "text is cut and ends with an ellipsis.",
        source="Balise: a sentence or archive row (< 1 KB) is kept whole",
    ),
    Setting(
        name="ingest.arpa_position_error_m",
        parse=_positive_float,
        default=ARPA_POSITION_ERROR_M,
        unit="m (1 sigma)",
        help="Position error given to radar targets read from NMEA TTM/TLL sentences (which "
        "carry none) and to ASTERIX reports without an accuracy item.",
        source="IMO MSC.192(79) radar range accuracy (30 m or 1 % of the range scale) and "
        "IMO A.823(19) ARPA tracking accuracy",
    ),
    Setting(
        name="listen.batch_seconds",
        parse=_positive_float,
        default=LIVE_BATCH_SECONDS,
        unit="s",
        help="Longest a message received by `balise listen telemetry` waits before it is stored "
        "(with the others received meanwhile, as one batch); bounds the delay from a message "
        "to its stored reading and to what runs after each batch.",
        source="Balise: a quarter of issue 14's one second from a container's message to its "
        "alert (bench/results/telemetry_live.md)",
    ),
    Setting(
        name="listen.batch_messages",
        parse=_positive_int,
        default=LIVE_BATCH_MESSAGES,
        unit="messages",
        help="Most messages `balise listen telemetry` stores in one batch; a batch is stored "
        "as soon as it is full, before listen.batch_seconds.",
        source="Balise: one second of the 5,000 messages/s of issue 14",
    ),
    Setting(
        name="listen.pipeline_seconds",
        parse=_non_negative_float,
        default=300.0,
        unit="s",
        help="How often a live listener (`balise listen ais`, `balise serve --listen-ais`) also "
        "runs the workspace-wide stages of `balise detect` after a batch: radar association, "
        "list screening, ownership, insider look-ups, cargo and the risk assessment, so list "
        "matches and risk follow live data without stopping the server; 0 leaves them to "
        "`balise detect`.",
        source="Balise: judgement; the stages take tens of seconds on a simulated week "
        "(bench/results/cargo_quality.md, cost per world), so at most a tenth of a listener's "
        "time goes to them, and a risk is never older than five minutes",
    ),
    Setting(
        name="listen.reconnect_max_seconds",
        parse=_positive_int,
        default=RECONNECT_MAX_SECONDS,
        unit="s",
        help="Longest wait between two attempts of `balise listen telemetry` to reach a lost "
        "broker; the wait starts at 1 s and doubles up to this.",
        source="Balise: a restarted broker is found again within half a minute (Paho's "
        "default, 120 s, leaves a watch officer blind for two)",
    ),
    Setting(
        name="stream.poll_seconds",
        parse=_positive_float,
        default=STREAM_POLL_SECONDS,
        unit="s",
        help="How often, at the latest, the live stream (GET /api/v1/stream) looks for new "
        "data and changed alerts for each connected browser (it looks at once after this "
        "process stored data or refreshed alerts).",
        source="Balise: a tenth of issue 17's one second from a sentence to its alert in the "
        "browser (bench/results/live.md)",
    ),
    Setting(
        name="stream.keepalive_seconds",
        parse=_positive_float,
        default=STREAM_KEEPALIVE_SECONDS,
        unit="s",
        help="Longest silence on the live stream: a comment line is sent after it, so proxies "
        "keep the connection and the browser sees it alive.",
        source="WHATWG HTML, server-sent events: a comment every 15 s or so for legacy proxies",
    ),
    Setting(
        name="stream.lookback_seconds",
        parse=_positive_float,
        default=STREAM_LOOKBACK_SECONDS,
        unit="s",
        help="How far before the last change the stream has sent it looks again for alerts: an "
        "alert is dated by the detection run that raised it, which may end after a later "
        "change was seen; alerts already sent are not sent twice.",
        source="Balise: a detection run after a live batch takes well under a second "
        "(bench/results/live.md); a minute leaves a wide margin",
    ),
    Setting(
        name="detect.preset",
        parse=_preset,
        default="gfw",
        unit="preset",
        help="Encounter thresholds: gfw (500 m for >= 2 h at < 2 kn, >= 10 km from anchorages, "
        "same pair merged within 4 h), skylight (250 m for > 30 min) or starboard (200 m for "
        ">= 30 min).",
        source='GFW pipe-encounters and encounter-events.sql; Skylight "Standard Rendezvous" '
        '(skylight.helpjuice.com); Starboard "How are vessel encounters identified" '
        "(help.starboard.nz)",
    ),
    Setting(
        name="serve.allowed_hosts",
        parse=host_names,
        default=None,
        unit="host names",
        help="Host names (comma-separated) that `balise serve` answers to besides localhost, "
        "127.0.0.1, [::1] and the --host it binds to; a request naming another host in its "
        "Host header is refused (400), which defeats DNS rebinding. List the proxy's public "
        "name here when serving behind a reverse proxy.",
        source="Django ALLOWED_HOSTS, Starlette TrustedHostMiddleware: an allow-list of Host names",
    ),
    Setting(
        name="serve.max_body_bytes",
        parse=_positive_int,
        default=MAX_BODY_BYTES,
        unit="bytes",
        help="Largest request body the API reads; a larger one is refused with 413, whether "
        "its Content-Length says so or a chunked body grows past it.",
        source="Balise: a zone or a triage note is a few KB; raise it to import large zone files",
    ),
)
"""The settings declared here that come before the thresholds of `_declared` (the order of
`all_settings` and of docs/settings.md)."""

_LAST: tuple[Setting, ...] = (
    Setting(
        name="inspection.sites_file",
        parse=Path,
        default=None,
        unit="file (CSV)",
        help="The inspection sites' scanners: site (UN/LOCODE), scanners, scans_per_hour, "
        "shifts (`06:00-14:00;14:00-22:00`, UTC). Unset: the workspace's inspection-sites.csv "
        "when present, else the table shipped with Balise (Le Havre, FRLEH).",
        source="balise/data/inspection_sites.md: Le Havre's scanners as reported in 2024-2025 "
        "(research note cargo-anchors §3.9)",
    ),
    Setting(
        name="inspection.model_file",
        parse=Path,
        default=None,
        unit="file (model)",
        help="The customs risk model (`balise cargo train --model …`) that scores the boxes' "
        "manifests in every plan, from the command line and the API. Unset: the workspace's "
        "customs-model.zip when present, else none (plans rank on the cargo events alone).",
        source="Balise: the model is trained by its users on their own declarations",
    ),
    Setting(
        name="inspection.banned_file",
        parse=Path,
        default=None,
        unit="file (CSV)",
        help="Banned shipping companies and parties, one name a line (a `name` header is "
        "optional); their containers are held (red lane) whatever their score. Unset: the "
        "workspace's banned-parties.csv when present, else none.",
        source="Balise: a plain list until the entities work brings sanctioned parties",
    ),
)
"""The settings declared here that come after the thresholds of `_declared`."""

_OWN = {item.name: item for item in (*_FIRST, *_LAST)}
"""The settings declared in this module, by name: known without importing the detectors."""


def _declared() -> tuple[Setting, ...]:
    """The thresholds declared by the detectors, the rules and the plans: their modules are
    imported here, when a setting of theirs is first needed (a command that names none of them,
    such as `balise ingest`, does not pay for importing every detector)."""
    from balise.alerts.rules import alert_settings
    from balise.cargo.params import cargo_settings
    from balise.entities.params import screen_settings
    from balise.entities.shell_params import shell_settings
    from balise.inspection.params import inspection_settings
    from balise.maritime.params import detector_settings
    from balise.maritime.siting_demand import siting_settings
    from balise.security.auth_params import auth_settings
    from balise.security.insider_params import insider_settings
    from balise.targeting.params import targeting_settings

    groups = (
        detector_settings, insider_settings, cargo_settings, alert_settings, auth_settings,
        siting_settings, inspection_settings, screen_settings, shell_settings,
        targeting_settings,
    )  # fmt: skip
    return tuple(Setting(**declared) for group in groups for declared in group())


@cache
def all_settings() -> tuple[Setting, ...]:
    """Every setting; `detect.<detector>.<threshold>` ones come from the detectors' parameter
    classes (balise.maritime.params, and balise.security.insider_params for
    `detect.insider.*`), `cargo.<rule>.<threshold>` ones and `cargo.watched_hubs` from
    balise.cargo.params, `alerts.<threshold>` ones from the alert rules (balise.alerts.rules)."""
    return (*_FIRST, *_declared(), *_LAST)


@cache
def _by_name() -> dict[str, Setting]:
    return {item.name: item for item in all_settings()}


def setting(name: str) -> Setting:
    """The declared setting `name`, or a `SettingError` naming the known ones."""
    if name in _OWN:
        return _OWN[name]
    try:
        return _by_name()[name]
    except KeyError as err:
        raise SettingError(f"unknown setting {name!r}", known=sorted(_by_name())) from err


def _from_toml(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        tree = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise SettingError(f"{path}: not valid TOML: {err}", path=str(path)) from err
    flat: dict[str, Any] = {}

    def walk(prefix: str, node: Mapping[str, Any]) -> None:
        for key, value in node.items():
            name = f"{prefix}{key}"
            if isinstance(value, Mapping):
                walk(name + ".", value)
            else:
                flat[name] = value

    walk("", tree)
    return flat


def _parse(item: Setting, raw: Any, origin: str) -> Any:
    if raw is None or not isinstance(raw, str):
        return raw
    try:
        return item.parse(raw)
    except SettingError:
        raise
    except (ValueError, TypeError) as err:
        raise SettingError(
            f"setting {item.name} from {origin}: invalid value {raw!r} ({err})",
            setting=item.name,
            value=raw,
        ) from err


@dataclass(frozen=True)
class Settings:
    """Resolved values, keyed by setting name, with where each came from."""

    values: Mapping[str, Any]
    origins: Mapping[str, str]

    def __getitem__(self, name: str) -> Any:
        setting(name)
        return self.values[name]


class _Defaulted(Mapping[str, Any]):
    """Every setting's value (or origin): those `resolved`, and `default(item)` for each other
    setting, which nothing named (the whole registry is made when one of them is first asked
    for)."""

    def __init__(self, resolved: Mapping[str, Any], default: Callable[[Setting], Any]) -> None:
        self._resolved = resolved
        self._default = default
        self._whole: dict[str, Any] | None = None

    def _all(self) -> dict[str, Any]:
        if self._whole is None:
            self._whole = {
                item.name: self._resolved[item.name]
                if item.name in self._resolved
                else self._default(item)
                for item in all_settings()
            }
        return self._whole

    def __getitem__(self, name: str) -> Any:
        if name in self._resolved:
            return self._resolved[name]
        return self._all()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


def _own_only(names: set[str], environ: Mapping[str, str]) -> bool:
    """Whether the flags and balise.toml keys `names` and the `BALISE_*` variables of
    `environ` name only settings declared in this module (then every other one is at its
    default, which needs no parsing: none of the detectors' modules is imported)."""
    variables = {item.env_var for item in _OWN.values()}
    named = {key for key in environ if key.startswith("BALISE_")}
    return names <= _OWN.keys() and named <= variables


def resolve(
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    toml_path: Path | None = None,
) -> Settings:
    """Resolve every setting: flag > `BALISE_*` environment variable > balise.toml > default."""
    flags = {k: v for k, v in (flags or {}).items() if v is not None}
    environ = os.environ if environ is None else environ
    from_toml = _from_toml(toml_path) if toml_path else {}
    for name in set(flags) | set(from_toml):
        setting(name)
    own_only = _own_only(set(flags) | set(from_toml), environ)
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for item in _OWN.values() if own_only else all_settings():
        if item.name in flags:
            values[item.name], origins[item.name] = _parse(item, flags[item.name], "flag"), "flag"
        elif item.env_var in environ:
            origin = f"env {item.env_var}"
            values[item.name], origins[item.name] = (
                _parse(item, environ[item.env_var], origin),
                origin,
            )
        elif item.name in from_toml:
            values[item.name] = _parse(item, from_toml[item.name], "balise.toml")
            origins[item.name] = "balise.toml"
        else:
            values[item.name], origins[item.name] = item.default, "default"
    if not own_only:
        return Settings(values=values, origins=origins)
    return Settings(
        values=_Defaulted(values, lambda item: item.default),
        origins=_Defaulted(origins, lambda item: "default"),
    )


def settings_markdown() -> str:
    """The settings reference page (docs/settings.md), generated so it cannot drift."""
    lines = [
        "# Settings",
        "",
        "Resolved, highest first: command-line flag, `BALISE_<NAME>` environment variable "
        "(dots become underscores), the workspace's `balise.toml`, the default below.",
        "",
        "| setting | environment variable | default | unit | meaning | source of the default |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for item in all_settings():
        default = "unset" if item.default is None else f"`{item.default}`"
        lines.append(
            f"| `{item.name}` | `{item.env_var}` | {default} | {item.unit} | {item.help} "
            f"| {item.source} |"
        )
    return "\n".join(lines) + "\n"
