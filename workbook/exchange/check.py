"""Checking what was read: each row converted and checked, duplicates and cross-references, with their rows."""

from __future__ import annotations

import datetime as dt
import re

from ..content import validation as v
from ..content.errors import InvalidInput
from ..content.frameworks import SPECTRUM_IDS, load_content
from .cells import COLUMNS, MEMBER_PARTS, OPTIONAL, quoted
from .read import Part


class _Bad(Exception):
    def __init__(self, what: str, allowed: str):
        super().__init__(what)
        self.what, self.allowed = what, allowed


def _text(max_len: int, required: bool = True):
    def conv(s: str) -> str:
        if "\x00" in s:
            raise _Bad("contains a NUL character", "text without NUL")
        s = s.strip()
        if required and not s:
            raise _Bad("is empty", "non-empty text")
        if len(s) > max_len:
            raise _Bad(f"is too long ({len(s):,} characters)", f"at most {max_len:,} characters")
        return s
    return conv


def _check(fn, allowed: str, *, empty: object = ..., what: str = "is not valid"):
    """A converter from a validation function; ``empty`` (when given) is the value of an empty cell."""
    def conv(s: str):
        s = s.strip()
        if not s and empty is not ...:
            return empty
        try:
            return fn(s)
        except (InvalidInput, ValueError):
            raise _Bad(what, allowed) from None
    return conv


def _bool(s: str) -> bool:
    s = s.strip().lower()
    if s in ("true", "1", "yes", "1.0"):
        return True
    if s in ("false", "0", "no", "0.0", ""):
        return False
    raise _Bad("is not TRUE or FALSE", "TRUE, FALSE, 1, 0 or empty")


def part_fields() -> dict[str, dict]:
    """Each part's columns with the converter that checks its cells."""
    conds = tuple(c.id for c in load_content().conditions)
    spectrum = _check(v.spectrum_id, ", ".join(SPECTRUM_IDS), what="unknown spectrum")
    condition = _check(v.condition_id, ", ".join(conds), what="unknown condition")
    mark = _check(v.mark, "1 to 5 in steps of 0.5, or empty", empty=None, what="is not a mark")
    role = _check(v.role, ", ".join(v.ROLES), what="unknown role")
    opt_role = _check(v.role, ", ".join(v.ROLES) + " or empty", empty=None, what="unknown role")
    member = _text(120)
    return {
        "session": {
            "district_slug": _check(v.slug, "1-64 lowercase letters, digits and inner hyphens", what="bad slug"),
            "district_name": _text(200), "kind": _check(lambda s: v.choice(s, "kind", v.KINDS), ", ".join(v.KINDS)),
            "schools": _check(lambda s: v.integer(s, "schools", 1, 100_000), "1 to 100000 or empty", empty=None),
            "urbanicity": _check(lambda s: v.choice(s, "urbanicity", v.URBANICITY),
                                 ", ".join(v.URBANICITY) + " or empty", empty=None),
            "frl_percent": _check(lambda s: v.number(s, "FRL", 0, 100), "0 to 100 or empty", empty=None),
            "years_scaling": _check(lambda s: v.number(s, "years", 0, 100), "0 to 100 or empty", empty=None),
            "session_label": _text(200),
            "held_on": _check(lambda s: dt.date.fromisoformat(s[:10]), "a date like 2026-10-15"),
            "min_group_size": _check(lambda s: v.integer(s, "size", 1, 100), "1 to 100", empty=5),
            "show_authors": _bool,
            "max_priorities": _check(lambda s: v.integer(s, "priorities", 1, v.PRIORITIES_MOST),
                                     f"1 to {v.PRIORITIES_MOST}", empty=v.MAX_PRIORITIES),
            "engaged_percent": _check(lambda s: v.number(s, "share of schools engaged", 0, 100),
                                      "0 to 100 or empty", empty=None)},
        "members": {"member": member, "role": role},
        "spectrum_marks": {"member": member, "role": opt_role, "spectrum": spectrum, "current": mark,
                           "aspiration": mark},
        "condition_marks": {"member": member, "role": opt_role, "condition": condition, "rating": mark,
                            "priority": _bool},
        "notes": {"member": _text(120, required=False), "role": opt_role, "question_id": _text(120),
                  "text": _text(v.NOTE_MAX, required=False)},
        "team_marks": {"spectrum": spectrum, "current": mark, "aspiration": mark},
        "plan_areas": {"position": _check(lambda s: v.integer(s, "position", 0, 10_000), "0 to 10000"),
                       "condition": condition},
        "action_items": {
            "condition": condition, "horizon": _check(lambda s: v.choice(s, "horizon", v.HORIZONS),
                                                      ", ".join(v.HORIZONS), what="unknown horizon"),
            "position": _check(lambda s: v.integer(s, "position", 0, 10**6), "0 to 1000000 or empty", empty=None),
            "text": _text(2000), "timeline": _text(200, False), "owner": _text(200, False), "done": _bool},
    }


def convert_rows(part: Part, fields: dict, problems: list[str]) -> list[tuple[int, dict]]:
    """Check the header and every cell; returns the rows that are fully valid."""
    required = [c for c in COLUMNS[part.name] if c not in OPTIONAL.get(part.name, ())]
    missing = [c for c in required if c not in part.header]
    unknown = [c for c in part.header if c not in fields]
    twice = sorted({c for c in part.header if part.header.count(c) > 1})
    if twice:
        problems.append(f"{part.name}, row 1: column(s) named twice: {', '.join(twice)} (allowed each column once)")
    if missing:
        problems.append(f"{part.name}, row 1: missing column(s) {', '.join(missing)} (got {', '.join(part.header)};"
                        f" allowed {', '.join(fields)})")
    if unknown:
        problems.append(f"{part.name}, row 1: unknown column(s) {', '.join(unknown)} (allowed {', '.join(fields)})")
    if missing:
        return []
    out = []
    for num, raw in part.rows:
        rec, ok = {}, True
        for col, conv in fields.items():
            try:
                rec[col] = conv(raw.get(col, ""))
            except _Bad as bad:
                problems.append(f"{part.name}, row {num}: {col} {bad.what} (got {quoted(raw.get(col, ''))}; "
                                f"allowed {bad.allowed})")
                ok = False
        if ok:
            out.append((num, rec))
    return out


def _dupes(part: str, rows, key, label: str, problems: list[str]) -> None:
    seen: dict = {}
    for num, rec in rows:
        k = key(rec)
        if k in seen:
            problems.append(f"{part}, row {num}: duplicate {label} (got {quoted(' / '.join(map(str, k)))}; "
                            f"allowed one row per {label}, first at row {seen[k]})")
        else:
            seen[k] = num


def member_roles(recs: dict, problems: list[str]) -> dict[str, tuple[str, str]]:
    """Member key -> (name, role) from the members part and any role columns; checks every reference."""
    roles: dict[str, tuple[str, int, str]] = {}
    for part in ("members",) + MEMBER_PARTS:
        for num, rec in recs.get(part, []):
            key, role = rec["member"], rec.get("role")
            if not key or role is None:
                continue
            if key in roles and part == "members":
                problems.append(f"members, row {num}: duplicate member (got {quoted(key)}; allowed each member "
                                f"once, first at row {roles[key][1]})")
            elif key in roles and roles[key][0] != role:
                problems.append(f"{part}, row {num}: role differs for member {quoted(key)} (got {quoted(role)}; "
                                f"allowed {roles[key][0]!r} as in {roles[key][2]}, row {roles[key][1]})")
            roles.setdefault(key, (role, num, part))
    for part in MEMBER_PARTS:
        for num, rec in recs.get(part, []):
            if rec["member"] and rec["member"] not in roles:
                problems.append(f"{part}, row {num}: member is not in members (got {quoted(rec['member'])}; "
                                "allowed a member listed in members, or add a role column)")
    names = {}
    for key, (role, _, _) in roles.items():
        m = re.fullmatch(r"(.*) \((\d+)\)", key)
        names[key] = (m.group(1) if m and m.group(1) in roles else key, role)
    return names


def cross_check(recs: dict, problems: list[str], limit: int | None = None) -> None:
    """Checks across rows: duplicates, one session row, and no member with more priorities than allowed.

    ``limit`` is the number of priorities of the existing session the rows go into; a new session's comes
    from its 'session' row (the workbook's default when empty).
    """
    _dupes("spectrum_marks", recs.get("spectrum_marks", []), lambda r: (r["member"], r["spectrum"]),
           "member and spectrum", problems)
    _dupes("condition_marks", recs.get("condition_marks", []), lambda r: (r["member"], r["condition"]),
           "member and condition", problems)
    _dupes("notes", recs.get("notes", []), lambda r: (r["member"], r["question_id"]), "member and question_id",
           problems)
    _dupes("team_marks", recs.get("team_marks", []), lambda r: (r["spectrum"],), "spectrum", problems)
    _dupes("plan_areas", recs.get("plan_areas", []), lambda r: (r["condition"],), "condition", problems)
    _dupes("plan_areas", recs.get("plan_areas", []), lambda r: (r["position"],), "position", problems)
    picked: dict[str, int] = {}
    session = recs.get("session") or []
    most = limit if limit is not None else session[0][1].get("max_priorities") if session else None
    most = most if isinstance(most, int) else v.MAX_PRIORITIES
    for num, rec in recs.get("condition_marks", []):
        if rec["priority"]:
            picked[rec["member"]] = picked.get(rec["member"], 0) + 1
            if picked[rec["member"]] == most + 1:
                problems.append(f"condition_marks, row {num}: more than {most} priorities for one member "
                                f"(got {quoted(rec['member'])}; allowed at most {most} per member in this session)")
    session_rows = recs.get("session", [])
    for num, _ in session_rows[1:]:
        problems.append(f"session, row {num}: more than one session row (allowed exactly one row)")
