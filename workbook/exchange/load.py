"""Importing: find or make the district and session, then write everything in one transaction through the store."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..content.errors import ImportRejected, InvalidInput, NotFound
from ..content.validation import MAX_PRIORITIES
from ..store import Store
from .cells import quoted
from .check import convert_rows, cross_check, member_roles, part_fields
from .read import read_parts


@dataclass
class _Target:
    district_id: int | None
    session_id: int | None
    slug: str


def _target(store: Store, recs, parts, district_slug, session_id, code, problems) -> _Target:
    if session_id not in (None, "") and not district_slug:
        raise InvalidInput("To import into an existing session, give both the district and the session.")
    if session_id not in (None, ""):
        district, session = store.resolve_session(district_slug, session_id)
        if code is not None:
            store.check_code(session, code, facilitator=True)
        return _Target(district.id, session.id, district.slug)
    if "session" not in parts:
        if problems:  # the file's own problems are reported first
            return _Target(None, None, "")
        raise InvalidInput("This file has no 'session' part, so it can only go into an existing session: "
                           "give the district and the session to import into.")
    if not recs.get("session"):
        if not parts["session"].rows and not problems:
            problems.append("session, row 2: no session row (allowed exactly one row)")
        return _Target(None, None, "")
    if district_slug:
        return _Target(store.district(district_slug).id, None, district_slug)
    num, row = recs["session"][0]
    slug = row["district_slug"]
    try:
        store.district(slug)
        taken = True
    except NotFound:
        taken = False
    if taken:
        problems.append(f"session, row {num}: district_slug already exists in this workbook (got {quoted(slug)}; "
                        "allowed a new slug, or import into that district with --district/--session)")
    return _Target(None, None, slug)


def _write(store: Store, recs: dict, members: dict, target: _Target) -> int:
    """Everything in one transaction (the store's ``import_rows``); returns the session id."""
    def rows(part):
        return [r for _, r in recs.get(part, [])]

    new = {}
    if target.session_id is None:
        row = rows("session")[0]
        new["session"] = {"label": row["session_label"], "held_on": row["held_on"],
                          "min_group_size": row["min_group_size"], "show_authors": row["show_authors"],
                          "max_priorities": row.get("max_priorities", MAX_PRIORITIES)}
        if target.district_id is None:
            new["district"] = {"slug": row["district_slug"], "name": row["district_name"], "kind": row["kind"],
                               "schools": row["schools"], "urbanicity": row["urbanicity"],
                               "frl_percent": row["frl_percent"], "years_scaling": row["years_scaling"]}
            if row.get("engaged_percent") is not None:  # a file from before the field has none
                new["district"]["engaged_percent"] = row["engaged_percent"]
    return store.import_rows(
        members=members, district_id=target.district_id, session_id=target.session_id, **new,
        spectrum_marks=[{"member": r["member"], "spectrum_id": r["spectrum"], "current": r["current"],
                         "aspiration": r["aspiration"]} for r in rows("spectrum_marks")],
        condition_marks=[{"member": r["member"], "condition_id": r["condition"], "rating": r["rating"],
                          "priority": r["priority"]} for r in rows("condition_marks")],
        notes=rows("notes"),
        team_marks=[{"spectrum_id": r["spectrum"], "current": r["current"], "aspiration": r["aspiration"]}
                    for r in rows("team_marks")],
        plan_areas=[{"condition_id": r["condition"], "position": r["position"]} for r in rows("plan_areas")],
        action_items=[{"condition_id": r["condition"], "horizon": r["horizon"], "position": r["position"],
                       "text": r["text"], "timeline": r["timeline"], "owner": r["owner"], "done": r["done"]}
                      for r in rows("action_items")])


def import_session(store: Store, path, district_slug=None, session_id=None, code=None) -> dict:
    """Import a session from .xlsx, .zip, a folder of CSVs or one part CSV; all rows or nothing.

    With ``district_slug`` and ``session_id`` the rows go into that existing session (``code``, when
    given, must be its facilitator code); with ``district_slug`` alone a new session is made in that
    district; with neither the district (whose slug must be new) and session come from the 'session'
    part. Members are always created fresh. Team notes and team marks replace the session's; plan areas
    replace the session's when the file has some; action items are added.
    """
    problems: list[str] = []
    parts = read_parts(Path(path), problems)
    fields = part_fields()
    recs = {name: convert_rows(part, fields[name], problems) for name, part in parts.items()}
    members = member_roles(recs, problems)
    target = _target(store, recs, parts, district_slug, session_id, code, problems)
    cross_check(recs, problems, store.session(target.session_id).max_priorities if target.session_id else None)
    if problems:
        raise ImportRejected(path, problems)
    sid = _write(store, recs, members, target)
    district = store.district_by_id(store.session(sid).district_id)
    return {"district": district.slug, "session": sid, "members": len(members),
            "marks": sum(len(recs.get(p, [])) for p in ("spectrum_marks", "condition_marks", "team_marks")),
            "notes": len(recs.get("notes", [])), "plan_areas": len(recs.get("plan_areas", [])),
            "items": len(recs.get("action_items", []))}
