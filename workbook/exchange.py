"""Data exchange: one session's responses to and from Excel (.xlsx) or CSV (.zip, a folder, one part file).

One part per kind of answer (``COLUMNS``): an .xlsx has a README sheet and a sheet per part, a .zip has
README.txt and a UTF-8 (BOM) CSV per part. Text a spreadsheet could run as a formula (starting with
= + - @, tab or CR) gets a leading ' that the importer removes (text already starting with ' before such a
character gets one more), so round trips are exact. An import checks every row first, imports nothing if
any is wrong (ImportRejected lists each problem with its spreadsheet row) and writes in one transaction.
Tokens, join/facilitator codes and the database URL are never exported; imported members get new tokens.
A single part CSV goes into an existing session; its member-bearing parts may carry a ``role`` column so
members are created from it without a ``members`` part.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from . import validation as v
from .content import SPECTRUM_IDS, load_content
from .errors import ImportRejected, InvalidInput, NotFound
from .files import replace_atomic
from .store import Store

ATTRIBUTION = ("Framework content: Avishai, E. & Rabbitt, B. (2018). Look Both Ways; Thomas, N. & Rabbitt, B. "
               "(2019). Innovative Learning Implementation Framework. The Learning Accelerator. CC BY 4.0.")
FORMAT_NOTE = (
    "This file holds one reflection session of the Look Both Ways workbook: one sheet (or CSV file) per part. "
    "'session' is the district and session (one row); 'members' lists each team member once ('member' is the "
    "key the other parts refer to); 'spectrum_marks' and 'team_marks' hold current and aspiration marks "
    "(1 to 5 in steps of 0.5, empty when unmarked); 'condition_marks' holds Step 1 ratings and up to three "
    "priorities (TRUE/FALSE) per member; 'notes' holds free-text answers (an empty member is the team's agreed "
    "answer); 'plan_areas' and 'action_items' hold the action plan (horizon short, medium or long). Row 1 of "
    "each part is its header. Text starting with = + - or @ is stored with a leading ' so spreadsheets do not "
    "run it; the importer removes it. Personal links and join codes are not included.")
COLUMNS = {
    "session": ("district_slug", "district_name", "kind", "schools", "urbanicity", "frl_percent", "years_scaling",
                "session_label", "held_on", "min_group_size", "show_authors"),
    "members": ("member", "role"),
    "spectrum_marks": ("member", "spectrum", "current", "aspiration"),
    "condition_marks": ("member", "condition", "rating", "priority"),
    "notes": ("member", "question_id", "text"),
    "team_marks": ("spectrum", "current", "aspiration"),
    "plan_areas": ("position", "condition"),
    "action_items": ("condition", "horizon", "position", "text", "timeline", "owner", "done"),
}
OPTIONAL = {"session": {"schools", "urbanicity", "frl_percent", "years_scaling", "min_group_size", "show_authors"},
            "action_items": {"position", "timeline", "owner", "done"}, "spectrum_marks": {"role"},
            "condition_marks": {"role"}, "notes": {"role"}}
MEMBER_PARTS = ("spectrum_marks", "condition_marks", "notes")
MAX_PART_BYTES = 50_000_000
_DANGER = frozenset("=+-@\t\r")
_XLSX_ESC = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")
_XLSX_UNESC = re.compile(r"_x([0-9A-Fa-f]{4})_")


# ------------------------------------------------------------------ cell encoding
def neutralise(text: str) -> str:
    """Prefix ``'`` to text a spreadsheet would run as a formula (and to text already escaped that way)."""
    rest = text.lstrip("'")
    return "'" + text if rest and rest[0] in _DANGER else text


def unneutralise(text: str) -> str:
    """Undo :func:`neutralise`: drop one leading ``'`` before ``= + - @``, tab or CR."""
    rest = text.lstrip("'")
    return text[1:] if text.startswith("'") and rest and rest[0] in _DANGER else text


def _xlsx_escape(text: str) -> str:
    # OOXML ST_Xstring: characters XML cannot carry (and CR, which XML turns into LF) as _xHHHH_
    return _XLSX_ESC.sub(lambda m: "_x005F_" if m.group() == "_" else f"_x{ord(m.group()):04X}_", text)


def _xlsx_unescape(text: str) -> str:
    return _XLSX_UNESC.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def _num(x) -> str:
    if isinstance(x, float):
        return str(int(x)) if x.is_integer() else repr(x)
    return str(x)


def _csv_cell(x) -> str:
    if x is None:
        return ""
    if isinstance(x, bool):
        return "TRUE" if x else "FALSE"
    return neutralise(x) if isinstance(x, str) else _num(x)


def _xlsx_value(x) -> str:
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


# ------------------------------------------------------------------ export
def _member_keys(people) -> dict[int, str]:
    """Respondent id -> a unique key: the name, or 'Name (2)' etc. when two share it."""
    names = {p.name for p in people}
    used: set[str] = set()
    keys = {}
    for p in people:
        key, n = p.name, 1
        while key in used or (n > 1 and key in names):
            n += 1
            key = f"{p.name} ({n})"
        used.add(key)
        keys[p.id] = key
    return keys


def _collect(store: Store, session_id: int) -> dict[str, list[list]]:
    """Every part of one session as rows in ``COLUMNS`` order (read in one transaction)."""
    session = store.session(session_id)
    d = store.district_by_id(session.district_id)
    order = {s: i for i, s in enumerate(SPECTRUM_IDS)}
    corder = {c.id: i for i, c in enumerate(load_content().conditions)}

    rest = store.session_rows(session_id)
    people, sm, cm = rest["members"], rest["spectrum_marks"], rest["condition_marks"]
    keys = _member_keys(people)
    rank = {p.id: i for i, p in enumerate(people)}
    items = sorted((r for r in rest["action_items"] if not r.deleted),
                   key=lambda r: (corder.get(r.condition_id, 99), v.HORIZONS.index(r.horizon), r.position, r.id))
    return {
        "session": [[d.slug, d.name, d.kind, d.schools, d.urbanicity, d.frl_percent, d.years_scaling, session.label,
                     session.held_on.isoformat(), session.min_group_size, bool(session.show_authors)]],
        "members": [[keys[p.id], p.role] for p in people],
        "spectrum_marks": [[keys[r.respondent_id], r.spectrum_id, r.current, r.aspiration] for r in
                           sorted(sm, key=lambda r: (rank[r.respondent_id], order.get(r.spectrum_id, 99)))],
        "condition_marks": [[keys[r.respondent_id], r.condition_id, r.rating, bool(r.priority)] for r in
                            sorted(cm, key=lambda r: (rank[r.respondent_id], corder.get(r.condition_id, 99)))],
        "notes": [[keys.get(r.respondent_id, ""), r.question_id, r.text] for r in
                  sorted(rest["notes"], key=lambda r: (rank.get(r.respondent_id, -1), r.question_id))],
        "team_marks": [[r.spectrum_id, r.current, r.aspiration]
                       for r in sorted(rest["team_marks"], key=lambda r: order.get(r.spectrum_id, 99))],
        "plan_areas": [[r.position, r.condition_id] for r in sorted(rest["plan_areas"], key=lambda r: r.position)],
        "action_items": [[r.condition_id, r.horizon, r.position, r.text, r.timeline, r.owner, bool(r.done)]
                         for r in items],
    }


def _readme() -> list[str]:
    return [ATTRIBUTION, "", FORMAT_NOTE, ""] + [f"{name}: {', '.join(cols)}" for name, cols in COLUMNS.items()]


def _write_xlsx(parts: dict[str, list[list]], path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "README"
    ws.column_dimensions["A"].width = 120
    for i, line in enumerate(_readme(), start=1):
        ws.cell(i, 1, line).data_type = "s"
    for name, rows in parts.items():
        ws = wb.create_sheet(name)
        for j, col in enumerate(COLUMNS[name], start=1):
            ws.cell(1, j, col).font = openpyxl.styles.Font(bold=True)
            ws.column_dimensions[openpyxl.utils.get_column_letter(j)].width = 60 if col == "text" else 18
        for i, row in enumerate(rows, start=2):
            for j, x in enumerate(row, start=1):
                cell = ws.cell(i, j, _xlsx_escape(neutralise(x)) if isinstance(x, str) else x)
                if isinstance(x, str):
                    cell.data_type = "s"  # never a formula or an error code such as '#N/A'
        ws.freeze_panes = "A2"
    wb.save(path)


def _csv_bytes(header, rows) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_csv_cell(x) for x in row] for row in rows)
    return buf.getvalue().encode("utf-8-sig")


def _write_zip(parts: dict[str, list[list]], path: Path) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("README.txt", "\r\n".join(_readme()).encode("utf-8-sig"))
        for name, rows in parts.items():
            zf.writestr(f"{name}.csv", _csv_bytes(COLUMNS[name], rows))


_atomic = replace_atomic  # the name this module's writers use


def export_session(store: Store, session_id: int, path) -> dict:
    """Write all of one session's responses to ``path`` (.xlsx or .zip of CSVs); returns row counts per part."""
    suffix = Path(path).suffix.lower()
    if suffix not in (".xlsx", ".zip"):
        raise InvalidInput(f"Export to a .xlsx or .zip file, not {str(path)!r}.")
    parts = _collect(store, session_id)
    _atomic(path, lambda tmp: (_write_xlsx if suffix == ".xlsx" else _write_zip)(parts, tmp))
    return {name: len(rows) for name, rows in parts.items()}


def export_district(store: Store, slug: str, path_zip) -> dict:
    """Every session of a district, one .xlsx per session, in one .zip; returns the file names written."""
    if Path(path_zip).suffix.lower() != ".zip":
        raise InvalidInput(f"Export a district to a .zip file, not {str(path_zip)!r}.")
    store.district(slug)
    sessions = store.sessions(slug)

    def write(tmp):
        with tempfile.TemporaryDirectory() as folder, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("README.txt", "\r\n".join(_readme()).encode("utf-8-sig"))
            for s in sessions:
                name = f"{slug}-{s.held_on.isoformat()}-session-{s.id}.xlsx"
                export_session(store, s.id, Path(folder) / name)
                zf.write(Path(folder) / name, name)
                names.append(name)
    names: list[str] = []
    _atomic(path_zip, write)
    return {"district": slug, "sessions": len(sessions), "files": names}


# ------------------------------------------------------------------ reading
@dataclass
class _Part:
    name: str
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]


def _part_name(filename: str) -> str | None:
    stem = Path(filename).stem.lower().strip()
    for name in COLUMNS:
        if stem == name or (stem.startswith(name) and not stem[len(name)].isalpha()):
            return name
    return None


def _table(name: str, rows, problems: list[str]) -> _Part:
    """Rows of (number, cells as text): the first non-empty row is the header; empty rows are skipped."""
    header: list[str] | None = None
    body = []
    for num, cells in rows:
        cells = [unneutralise(c) for c in cells]
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = [c.strip().lower() for c in cells]
            continue
        stray = [c for h, c in zip(header + [""] * len(cells), cells) if c.strip() and not h]
        if stray:
            problems.append(f"{name}, row {num}: a value in a column without a header (got {_shown(stray[0])}; "
                            "allowed values only under the named columns)")
        body.append((num, {h: c for h, c in zip(header, cells) if h}))
    return _Part(name, [h for h in header or [] if h], body)


def _read_csv(name: str, data: bytes, problems: list[str]) -> _Part | None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(f"{name}: not UTF-8 text: save it as 'CSV UTF-8' (got byte 0x{data[exc.start]:02X} at "
                        f"position {exc.start}; allowed UTF-8 text)")
        return None
    first = text.split("\n", 1)[0]
    delimiter = ";" if "," not in first and ";" in first else ","
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        problems.append(f"{name}: not a readable CSV file ({exc})")
        return None
    return _table(name, enumerate(rows, start=1), problems)


def _read_xlsx(path: Path, problems: list[str]) -> dict[str, _Part]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        problems.append(f"{path.name}: not an Excel workbook that can be read ({type(exc).__name__}: {exc})")
        return {}
    parts = {}
    for ws in wb.worksheets:
        name = ws.title.strip().lower()
        if name == "readme":
            continue
        if name not in COLUMNS:
            problems.append(f"{ws.title}: unknown sheet (got {ws.title!r}; allowed README, {', '.join(COLUMNS)})")
            continue
        rows = ((r[0].row, [_xlsx_value(c.value) for c in r]) for r in ws.iter_rows() if r)
        parts[name] = _table(name, rows, problems)
    wb.close()
    return parts


def _csv_sources(path: Path, problems: list[str]) -> list[tuple[str, bytes]]:
    if path.is_dir():
        return [(p.name, p.read_bytes()) for p in sorted(path.iterdir()) if p.suffix.lower() == ".csv"]
    if path.suffix.lower() == ".csv":
        return [(path.name, path.read_bytes())]
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        problems.append(f"{path.name}: not a zip file that can be read")
        return []
    out = []
    with zf:
        for info in zf.infolist():
            base = info.filename.rsplit("/", 1)[-1]
            if info.is_dir() or info.filename.startswith("__MACOSX/") or not base:
                continue
            if base.lower().endswith(".xlsx"):
                problems.append(f"{base}: this zip holds workbooks; import each .xlsx file on its own")
            elif base.lower().endswith(".csv"):
                if info.file_size > MAX_PART_BYTES:
                    problems.append(f"{base}: too large (got {info.file_size:,} bytes; allowed {MAX_PART_BYTES:,})")
                else:
                    out.append((base, zf.read(info)))
    return out


def _read_parts(path: Path, problems: list[str]) -> dict[str, _Part]:
    """The parts of an .xlsx, .zip, folder of CSVs or single part CSV; file-level problems go to ``problems``."""
    if not path.exists():
        raise InvalidInput(f"There is no file or folder {str(path)!r}.")
    if path.suffix.lower() == ".xlsx":
        parts = _read_xlsx(path, problems)
    elif path.is_dir() or path.suffix.lower() in (".zip", ".csv"):
        parts = {}
        for filename, data in _csv_sources(path, problems):
            name = _part_name(filename)
            if name is None:
                problems.append(f"{filename}: unknown part (got {filename!r}; allowed {', '.join(COLUMNS)})")
            elif name in parts:
                problems.append(f"{filename}: a second file for the part {name!r} (allowed one file per part)")
            elif (part := _read_csv(name, data, problems)) is not None:
                parts[name] = part
    else:
        raise InvalidInput(f"Import a .xlsx, .zip or .csv file or a folder of CSV files, not {str(path)!r}.")
    if not parts and not problems:
        problems.append(f"{path.name}: no parts found (allowed {', '.join(COLUMNS)})")
    return parts


# ------------------------------------------------------------------ checking
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


def _check(fn, allowed: str, *, empty=..., what: str = "is not valid"):
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


def _fields() -> dict[str, dict]:
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
            "show_authors": _bool},
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


def _shown(s) -> str:
    s = str(s)
    return repr(s if len(s) <= 60 else s[:57] + "...")


def _convert(part: _Part, fields: dict, problems: list[str]) -> list[tuple[int, dict]]:
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
                problems.append(f"{part.name}, row {num}: {col} {bad.what} (got {_shown(raw.get(col, ''))}; "
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
            problems.append(f"{part}, row {num}: duplicate {label} (got {_shown(' / '.join(map(str, k)))}; "
                            f"allowed one row per {label}, first at row {seen[k]})")
        else:
            seen[k] = num


def _members(recs: dict, problems: list[str]) -> dict[str, tuple[str, str]]:
    """Member key -> (name, role) from the members part and any role columns; checks every reference."""
    roles: dict[str, tuple[str, int, str]] = {}
    for part in ("members",) + MEMBER_PARTS:
        for num, rec in recs.get(part, []):
            key, role = rec["member"], rec.get("role")
            if not key or role is None:
                continue
            if key in roles and part == "members":
                problems.append(f"members, row {num}: duplicate member (got {_shown(key)}; allowed each member "
                                f"once, first at row {roles[key][1]})")
            elif key in roles and roles[key][0] != role:
                problems.append(f"{part}, row {num}: role differs for member {_shown(key)} (got {_shown(role)}; "
                                f"allowed {roles[key][0]!r} as in {roles[key][2]}, row {roles[key][1]})")
            roles.setdefault(key, (role, num, part))
    for part in MEMBER_PARTS:
        for num, rec in recs.get(part, []):
            if rec["member"] and rec["member"] not in roles:
                problems.append(f"{part}, row {num}: member is not in members (got {_shown(rec['member'])}; "
                                "allowed a member listed in members, or add a role column)")
    names = {}
    for key, (role, _, _) in roles.items():
        m = re.fullmatch(r"(.*) \((\d+)\)", key)
        names[key] = (m.group(1) if m and m.group(1) in roles else key, role)
    return names


def _cross_checks(recs: dict, problems: list[str]) -> None:
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
    for num, rec in recs.get("condition_marks", []):
        if rec["priority"]:
            picked[rec["member"]] = picked.get(rec["member"], 0) + 1
            if picked[rec["member"]] == v.MAX_PRIORITIES + 1:
                problems.append(f"condition_marks, row {num}: more than {v.MAX_PRIORITIES} priorities for one member "
                                f"(got {_shown(rec['member'])}; allowed at most {v.MAX_PRIORITIES} per member)")
    session_rows = recs.get("session", [])
    for num, _ in session_rows[1:]:
        problems.append(f"session, row {num}: more than one session row (allowed exactly one row)")


# ------------------------------------------------------------------ importing
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
        problems.append(f"session, row {num}: district_slug already exists in this workbook (got {_shown(slug)}; "
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
                          "min_group_size": row["min_group_size"], "show_authors": row["show_authors"]}
        if target.district_id is None:
            new["district"] = {"slug": row["district_slug"], "name": row["district_name"], "kind": row["kind"],
                               "schools": row["schools"], "urbanicity": row["urbanicity"],
                               "frl_percent": row["frl_percent"], "years_scaling": row["years_scaling"]}
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
    parts = _read_parts(Path(path), problems)
    fields = _fields()
    recs = {name: _convert(part, fields[name], problems) for name, part in parts.items()}
    members = _members(recs, problems)
    _cross_checks(recs, problems)
    target = _target(store, recs, parts, district_slug, session_id, code, problems)
    if problems:
        raise ImportRejected(path, problems)
    sid = _write(store, recs, members, target)
    district = store.district_by_id(store.session(sid).district_id)
    return {"district": district.slug, "session": sid, "members": len(members),
            "marks": sum(len(recs.get(p, [])) for p in ("spectrum_marks", "condition_marks", "team_marks")),
            "notes": len(recs.get("notes", [])), "plan_areas": len(recs.get("plan_areas", [])),
            "items": len(recs.get("action_items", []))}


# ------------------------------------------------------------------ data ownership
