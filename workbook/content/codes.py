"""The random codes links carry: one place that says how long each is and how it is made.

Every code comes from :mod:`secrets` (URL-safe base64) and begins with a letter or a digit, so a
code given after an option on a command line (``workbook serve --token CODE``) is read as its value,
never as an option. A join code is typed or scanned by members, so it is the shortest; the
facilitator's code and a member's personal token open more, so they are longer; secrets the server
keeps (the room's access secret, the coach's code) are the longest.
"""

from __future__ import annotations

import secrets

JOIN_BYTES = 9
FACILITATOR_BYTES = 12
MEMBER_BYTES = 16


def _code(nbytes: int) -> str:
    """``nbytes`` random bytes as URL-safe base64 that begins with a letter or a digit."""
    while True:
        code = secrets.token_urlsafe(nbytes)
        if code[:1].isalnum():
            return code


def join_code() -> str:
    """A session's join code (members' link)."""
    return _code(JOIN_BYTES)


def facilitator_code() -> str:
    """A session's facilitator code (the facilitator's and presenter's links)."""
    return _code(FACILITATOR_BYTES)


def member_token() -> str:
    """A member's personal token (their personal link back to their own marks)."""
    return _code(MEMBER_BYTES)


def secret(nbytes: int) -> str:
    """A server-side secret of ``nbytes`` random bytes (the room's access secret, the coach's code)."""
    return _code(nbytes)
