"""Checks for every value a person or a browser sends; each failure says what and where.

The store calls these before every write, so a forged widget message is refused in
the kernel whatever the browser allowed.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata

from .errors import InvalidInput
from .frameworks import SPECTRUM_IDS

NOTE_MAX = 20_000
KINDS = ("district", "cmo", "private", "other")
URBANICITY = ("urban", "suburban", "rural", "mixed")
NETWORK_MIN_GROUP = 5
"""The fewest members whose marks make a figure a coach sees across the network (a session may ask for more)."""
MAX_PRIORITIES = 3  # the workbook's default; a facilitator sets each session's (1 to PRIORITIES_MOST)
PRIORITIES_MOST = 16  # every condition
"""Conditions one member may pick as priorities (the workbook's own rule, said where members pick them)."""
ROLES = (
    "Superintendent",
    "Central-office leader",
    "Principal / school leader",
    "Teacher leader",
    "Teacher",
    "Board member",
    "Coach or partner",
    "Other",
)
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


def text(value, what: str, *, max_len: int, required: bool) -> str:
    """Free text: a string without NUL, at most ``max_len`` characters; stripped."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(f"The {what} must be text, not {type(value).__name__}.")
    if "\x00" in value:
        raise InvalidInput(f"The {what} contains a NUL character, which cannot be stored.")
    value = value.strip()
    if required and not value:
        raise InvalidInput(f"Please enter a {what}; it cannot be empty.")
    if len(value) > max_len:
        raise InvalidInput(f"The {what} is {len(value):,} characters long; the limit is {max_len:,}. "
                           "Nothing was saved: shorten it and try again.")
    return value


def integer(value, what: str, low: int, high: int) -> int:
    """A whole number from ``low`` to ``high`` (an int, a whole float or a numeric string; never a bool)."""
    if isinstance(value, bool):
        raise InvalidInput(f"The {what} must be a whole number, not {value!r}.")
    try:
        number = int(str(value).strip()) if isinstance(value, str) else int(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"The {what} must be a whole number, not {value!r}.") from None
    if isinstance(value, float) and value != number:
        raise InvalidInput(f"The {what} must be a whole number, not {value!r}.")
    if not low <= number <= high:
        raise InvalidInput(f"The {what} must be between {low} and {high}, not {number}.")
    return number


def number(value, what: str, low: float, high: float) -> float:
    """A finite number from ``low`` to ``high`` (never a bool or None)."""
    if isinstance(value, bool) or value is None:
        raise InvalidInput(f"The {what} must be a number, not {value!r}.")
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"The {what} must be a number, not {value!r}.") from None
    if not math.isfinite(result) or not low <= result <= high:
        raise InvalidInput(f"The {what} must be between {low:g} and {high:g}, not {value!r}.")
    return result


def mark(value, what: str = "mark") -> float:
    """A spectrum mark: 1 to 5 in steps of 0.5."""
    result = number(value, what, 1, 5)
    if result * 2 != int(result * 2):
        raise InvalidInput(f"The {what} must be in steps of 0.5 (1, 1.5, ... 5), not {value!r}.")
    return result


def rating(value, what: str = "rating") -> float:
    """A condition rating: 1 (not aligned at all) to 5 (fully aligned) in steps of 0.5."""
    return mark(value, what)


def choice(value, what: str, allowed) -> str:
    """``value`` itself when it is one of ``allowed``."""
    if value not in allowed:
        raise InvalidInput(f"{value!r} is not a valid {what}; allowed: {', '.join(map(str, allowed))}.")
    return value


def spectrum_id(value) -> str:
    """One of the seven spectrum ids."""
    return choice(value, "spectrum", SPECTRUM_IDS)


def role(value) -> str:
    """One of :data:`ROLES`, matched without regard to case and returned as spelled there."""
    value = text(value, "role", max_len=60, required=True)
    for known in ROLES:
        if value.casefold() == known.casefold():
            return known
    raise InvalidInput(f"{value!r} is not one of the roles: {', '.join(ROLES)}.")


def slug(value) -> str:
    """A district slug: lowercase letters, digits and inner hyphens, at most 64 characters.

    Slugs become file names in reports, so anything that could leave a folder
    ('..', '/', NUL, absolute paths) is refused here.
    """
    if not isinstance(value, str) or not SLUG_RE.fullmatch(value):
        shown = value if not isinstance(value, str) else value[:80]
        raise InvalidInput(f"{shown!r} is not a valid district slug: use 1-64 lowercase letters, digits and "
                           "hyphens, starting and ending with a letter or digit (for example 'example-usd').")
    return value


def slugify(name: str) -> str:
    """A slug made from a display name ('Example Unified SD' -> 'example-unified-sd')."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:64].strip("-")
    return base or "district"


def district_fields(*, slug: str, name: str, kind: str, schools, urbanicity, frl_percent, years_scaling,
                    engaged_percent=None) -> dict:
    """A district's fields checked: slug, name, kind and the optional context of the system.

    The context: schools, urbanicity, FRL share, years scaling, share of schools engaged in personalized learning.
    """
    return {
        "slug": globals()["slug"](slug),
        "name": text(name, "district name", max_len=200, required=True),
        "kind": choice(kind, "kind of system", KINDS),
        "schools": None if schools in (None, "") else integer(schools, "number of schools", 1, 100_000),
        "urbanicity": None if urbanicity in (None, "") else choice(urbanicity, "urbanicity", URBANICITY),
        "frl_percent": None if frl_percent in (None, "") else number(frl_percent, "share of students on FRL", 0, 100),
        "years_scaling": None if years_scaling in (None, "") else number(years_scaling, "years scaling", 0, 100),
        "engaged_percent": None if engaged_percent in (None, "") else number(
            engaged_percent, "share of schools engaged", 0, 100),
    }


HORIZONS = ("short", "medium", "long")


def condition_id(value) -> str:
    """The id of one of the framework's conditions."""
    from .frameworks import load_content

    return choice(value, "condition", [c.id for c in load_content().conditions])


def plan_area_id(value) -> str:
    """What a Step 2 plan is for: one condition, or a whole layer (the guide allows either)."""
    from .frameworks import load_content

    fw = load_content().framework
    return choice(value, "condition or layer", [c.id for c in fw.conditions] + [layer.id for layer in fw.layers])


def review_date(value) -> dt.date | None:
    """When the team looks at an action again: a date (or ``YYYY-MM-DD``), or empty for none."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInput(f"{str(value)[:40]!r} is not a review date: write it as YYYY-MM-DD "
                           "(for example 2027-03-15), or leave it empty.") from None


STEP_RE = re.compile(r"[a-z][a-z0-9_]{0,39}")


def step_id(value) -> str | None:
    """A run-of-show step id (lowercase letters, digits, underscores, at most 40), or None for 'not started'."""
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not STEP_RE.fullmatch(value):
        raise InvalidInput(f"{str(value)[:40]!r} is not a step of the run of show.")
    return value


def action_item(*, condition_id: str, horizon: str, text: str, timeline: str, owner: str,
                review_on=None) -> dict:
    """An action item's fields checked: plan area, horizon, text and the optional details.

    The details: the timeline, who is responsible and when the team reviews it.
    """
    return {
        "review_on": review_date(review_on),
        "condition_id": plan_area_id(condition_id),
        "horizon": choice(horizon, "horizon", HORIZONS),
        "text": globals()["text"](text, "action item", max_len=2000, required=True),
        "timeline": globals()["text"](timeline, "timeline", max_len=200, required=False),
        "owner": globals()["text"](owner, "who is responsible", max_len=200, required=False),
    }
