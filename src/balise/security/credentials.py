"""Secrets: password hashes (Argon2id), API tokens, session and link secrets, TOTP codes.

Only hashes are stored. A password is hashed with Argon2id (argon2-cffi's defaults, RFC 9106's
second recommended option); tokens and session secrets are 256-bit random values, stored as their
SHA-256 (they are high-entropy, so a fast hash is enough and lets a look-up use an index). An API
token reads `bal_<id>_<secret>`: the id finds the row, the secret's hash is compared in constant
time.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Final

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

TOKEN_PREFIX: Final = "bal_"
MIN_PASSWORD_CHARS: Final = 12
"""NIST SP 800-63B §3.1.1.2 asks for at least 8; Balise asks 12 of accounts that read sensitive
data, and no composition rules (which the same guideline advises against)."""
MAX_PASSWORD_CHARS: Final = 1_024

_HASHER: Final = PasswordHasher()


def hash_password(password: str) -> str:
    """The Argon2id hash of `password` (salted, with its parameters)."""
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Does `password` match the `stored` hash? False for no hash or a malformed one. Costs one
    Argon2 verification even then, so timing does not tell whether an account exists."""
    try:
        return _HASHER.verify(stored or _dummy_hash(), password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash() -> str:
    """A hash of a random password, verified against when there is no hash: made at the first
    sign-in, not when the module is imported (an Argon2 hash costs every command's start)."""
    return _HASHER.hash(secrets.token_urlsafe(16))


def password_problem(password: str) -> str | None:
    """Why `password` cannot be used, or None."""
    if len(password) < MIN_PASSWORD_CHARS:
        return f"a password needs at least {MIN_PASSWORD_CHARS} characters"
    if len(password) > MAX_PASSWORD_CHARS:
        return f"a password has at most {MAX_PASSWORD_CHARS} characters"
    return None


def digest(secret: str) -> str:
    """The SHA-256 (hex) of a high-entropy secret: how tokens, sessions and links are stored."""
    return hashlib.sha256(secret.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time equality of two texts."""
    return hmac.compare_digest(a.encode(), b.encode())


def new_secret() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class NewToken:
    """A token as shown once to its owner (`text`) and as stored (`token_id`, `hash`)."""

    token_id: str
    text: str
    hash: str


def new_token() -> NewToken:
    """A fresh API token."""
    token_id, secret = secrets.token_hex(6), new_secret()
    return NewToken(token_id, f"{TOKEN_PREFIX}{token_id}_{secret}", digest(secret))


def split_token(text: str) -> tuple[str, str] | None:
    """(id, secret hash) of a token's text, or None if it is not shaped like a token."""
    if not text.startswith(TOKEN_PREFIX):
        return None
    token_id, sep, secret = text[len(TOKEN_PREFIX) :].partition("_")
    if not sep or len(token_id) != 12 or not secret or len(secret) > 128:
        return None
    return token_id, digest(secret)


def new_totp_secret() -> str:
    """A base32 TOTP secret (RFC 6238, 160 bits)."""
    return pyotp.random_base32(32)


def totp_uri(secret: str, username: str) -> str:
    """The otpauth:// URI an authenticator app reads (as a QR code or typed)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name="Balise")


def verify_totp(secret: str, code: str) -> bool:
    """Is `code` the current TOTP code of `secret` (one 30 s step of clock drift allowed)?"""
    code = code.strip().replace(" ", "")
    return code.isdigit() and pyotp.TOTP(secret).verify(code, valid_window=1)
