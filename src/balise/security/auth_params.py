"""The sign-in and session thresholds, as settings `auth.<field>`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from balise.model.parameters import params_from, settings_of

SETTINGS_PREFIX: Final = "auth"


@dataclass(frozen=True)
class AuthParams:
    """How long credentials live and how many failed sign-ins are tolerated."""

    session_hours: float = 12.0
    """A browser session's absolute lifetime: one watch (OWASP Session Management Cheat Sheet:
    absolute timeouts of 4-8 h for office use; a 12 h watch is the navy's shift)."""
    token_days: float = 90.0
    """Default lifetime of an API token (`balise users token --days`): tokens expire, so a
    forgotten one stops working (NIST SP 800-63B §7.1 asks for session secrets to expire)."""
    link_minutes: float = 60.0
    """Lifetime of a one-time sign-in link (`balise users link`, `balise demo`)."""
    sign_in_failures: int = 5
    """Failed sign-ins of one account or one address within `sign_in_window_minutes` after which
    sign-in is refused until the window passes (NIST SP 800-63B §5.2.2 caps failures at 100;
    OWASP Authentication Cheat Sheet suggests a handful before a lockout)."""
    sign_in_window_minutes: float = 15.0
    """The window of `sign_in_failures`."""


def auth_settings() -> list[dict[str, Any]]:
    """The sign-in thresholds as settings `auth.<field>` (declarations for `balise.settings`)."""
    return settings_of(SETTINGS_PREFIX, AuthParams, "balise.security.auth_params.AuthParams")


def auth_params(values: Mapping[str, Any]) -> AuthParams:
    """The sign-in thresholds in force: the `auth.<field>` entries of resolved settings."""
    return params_from(values, SETTINGS_PREFIX, AuthParams)
