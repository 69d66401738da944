"""How a value is written into a cell and read back: the parts and their columns, formula-safe text, Excel's escapes."""

from __future__ import annotations

import datetime as dt
import re

ATTRIBUTION = ("Framework content: Avishai, E. & Rabbitt, B. (2018). Look Both Ways; Thomas, N. & Rabbitt, B. "
               "(2019). Innovative Learning Implementation Framework. The Learning Accelerator. CC BY 4.0.")
FORMAT_NOTE = (
    "This file holds one reflection session of the Look Both Ways workbook: one sheet (or CSV file) per part. "
    "'session' is the district and session (one row; engaged_percent is the share of the system's schools "
    "engaged in personalized or blended learning, 0 to 100); 'members' lists each team member once ('member' is the "
    "key the other parts refer to); 'spectrum_marks' and 'team_marks' hold current and aspiration marks "
    "(1 to 5 in steps of 0.5, empty when unmarked); 'condition_marks' holds Step 1 ratings and the "
    "priorities (TRUE/FALSE) of each member, at most the session's max_priorities (3 when empty); 'notes' "
    "holds free-text answers (an empty member is the team's agreed "
    "answer); 'plan_areas' and 'action_items' hold the action plan (horizon short, medium or long). Row 1 of "
    "each part is its header. Text starting with = + - or @ is stored with a leading ' so spreadsheets do not "
    "run it; the importer removes it. Personal links and join codes are not included.")
MEMBER = "Member"
"""How a file from a session that hides names calls its members: 'Member 1', 'Member 2' ... in join order."""
NUMBERED_NOTE = (
    "Members are 'Member 1', 'Member 2' ... in the order they joined: this session shows roles, not names, as its "
    "team was promised when it joined. Importing this file makes members of those names, each with its own marks.")
NAMES_NOTE = "Members are named as they joined ('member' is the name; 'Name (2)' for a second member of one name)."
COLUMNS = {
    "session": ("district_slug", "district_name", "kind", "schools", "urbanicity", "frl_percent", "years_scaling",
                "session_label", "held_on", "min_group_size", "show_authors", "max_priorities", "engaged_percent"),
    "members": ("member", "role"),
    "spectrum_marks": ("member", "spectrum", "current", "aspiration"),
    "condition_marks": ("member", "condition", "rating", "priority"),
    "notes": ("member", "question_id", "text"),
    "team_marks": ("spectrum", "current", "aspiration"),
    "plan_areas": ("position", "condition"),
    "action_items": ("condition", "horizon", "position", "text", "timeline", "owner", "done"),
}
OPTIONAL = {"session": {"schools", "urbanicity", "frl_percent", "years_scaling", "min_group_size", "show_authors",
                        "max_priorities", "engaged_percent"},
            "action_items": {"position", "timeline", "owner", "done"}, "spectrum_marks": {"role"},
            "condition_marks": {"role"}, "notes": {"role"}}
MEMBER_PARTS = ("spectrum_marks", "condition_marks", "notes")
MAX_PART_BYTES = 50_000_000
_DANGER = frozenset("=+-@\t\r")
_XLSX_ESC = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")
_XLSX_UNESC = re.compile(r"_x([0-9A-Fa-f]{4})_")



def neutralise(text: str) -> str:
    """Prefix ``'`` to text a spreadsheet would run as a formula (and to text already escaped that way)."""
    rest = text.lstrip("'")
    return "'" + text if rest and rest[0] in _DANGER else text


def unneutralise(text: str) -> str:
    """Undo :func:`neutralise`: drop one leading ``'`` before ``= + - @``, tab or CR."""
    rest = text.lstrip("'")
    return text[1:] if text.startswith("'") and rest and rest[0] in _DANGER else text


def xlsx_escape(text: str) -> str:
    """Text as an .xlsx cell can carry it (the importer reads it back exactly)."""
    # OOXML ST_Xstring: characters XML cannot carry (and CR, which XML turns into LF) as _xHHHH_
    return _XLSX_ESC.sub(lambda m: "_x005F_" if m.group() == "_" else f"_x{ord(m.group()):04X}_", text)


def _xlsx_unescape(text: str) -> str:
    return _XLSX_UNESC.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def _num(x) -> str:
    if isinstance(x, float):
        return str(int(x)) if x.is_integer() else repr(x)
    return str(x)


def csv_cell(x) -> str:
    """A value as its CSV cell: empty for None, TRUE/FALSE, numbers without a needless .0, text neutralised."""
    if x is None:
        return ""
    if isinstance(x, bool):
        return "TRUE" if x else "FALSE"
    return neutralise(x) if isinstance(x, str) else _num(x)


def xlsx_value(x) -> str:
    """A cell read from a workbook as the text the CSV importer would see."""
    if x is None:
        return ""
    if isinstance(x, bool):
        return "TRUE" if x else "FALSE"
    if isinstance(x, dt.datetime):
        return x.date().isoformat() if x.time() == dt.time() else x.isoformat()
    if isinstance(x, dt.date):
        return x.isoformat()
    if isinstance(x, (int, float)):
        return _num(x)
    return _xlsx_unescape(str(x))


def quoted(s) -> str:
    """A cell's value as an import problem quotes it (cut at 60 characters)."""
    s = str(s)
    return repr(s if len(s) <= 60 else s[:57] + "...")
