"""Export: one session's responses (or a whole district's sessions) to an .xlsx or a .zip of CSV files."""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from pathlib import Path

from ..content import validation as v
from ..content.errors import InvalidInput
from ..content.files import replace_atomic
from ..content.frameworks import SPECTRUM_IDS, load_content
from ..store import Store
from . import cells
from .cells import ATTRIBUTION, COLUMNS, FORMAT_NOTE, csv_cell, neutralise, xlsx_escape


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


def _numbered(people) -> dict[int, str]:
    """Respondent id -> 'Member 1', 'Member 2' ... in the order the members joined (``people`` in id order)."""
    return {p.id: f"{cells.MEMBER} {i}" for i, p in enumerate(people, start=1)}


def _collect(store: Store, session_id: int, names: bool) -> dict[str, list[list]]:
    """Every part of one session as rows in ``COLUMNS`` order (read in one transaction).

    ``names``: members are keyed by their names; otherwise by 'Member 1', 'Member 2' ... in join order.
    """
    session = store.session(session_id)
    d = store.district_by_id(session.district_id)
    order = {s: i for i, s in enumerate(SPECTRUM_IDS)}
    corder = {c.id: i for i, c in enumerate(load_content().conditions)}

    rest = store.session_rows(session_id)
    people, sm, cm = rest["members"], rest["spectrum_marks"], rest["condition_marks"]
    keys = _member_keys(people) if names else _numbered(people)
    rank = {p.id: i for i, p in enumerate(people)}
    items = sorted((r for r in rest["action_items"] if not r.deleted),
                   key=lambda r: (corder.get(r.condition_id, 99), v.HORIZONS.index(r.horizon), r.position, r.id))
    return {
        "session": [[d.slug, d.name, d.kind, d.schools, d.urbanicity, d.frl_percent, d.years_scaling, session.label,
                     session.held_on.isoformat(), session.min_group_size, bool(session.show_authors),
                     session.max_priorities, getattr(d, "engaged_percent", None)]],
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


def _readme(names: bool | None = None) -> list[str]:
    """The README's lines; ``names`` (one session's file) adds how its members are named."""
    said = [] if names is None else [cells.NAMES_NOTE if names else cells.NUMBERED_NOTE, ""]
    return [ATTRIBUTION, "", FORMAT_NOTE, ""] + said + [f"{name}: {', '.join(cols)}" for name, cols in COLUMNS.items()]


def _write_xlsx(parts: dict[str, list[list]], path: Path, names: bool | None = None) -> None:
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None  # a new workbook has one sheet, the active one
    ws.title = "README"
    ws.column_dimensions["A"].width = 120
    for i, line in enumerate(_readme(names), start=1):
        ws.cell(i, 1, line).data_type = "s"
    for name, rows in parts.items():
        ws = wb.create_sheet(name)
        for j, col in enumerate(COLUMNS[name], start=1):
            ws.cell(1, j, col).font = Font(bold=True)
            ws.column_dimensions[get_column_letter(j)].width = 60 if col == "text" else 18
        for i, row in enumerate(rows, start=2):
            for j, x in enumerate(row, start=1):
                cell = ws.cell(i, j, xlsx_escape(neutralise(x)) if isinstance(x, str) else x)
                if isinstance(x, str):
                    cell.data_type = "s"  # never a formula or an error code such as '#N/A'
        ws.freeze_panes = "A2"
    wb.save(path)


def _csv_bytes(header, rows) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([csv_cell(x) for x in row] for row in rows)
    return buf.getvalue().encode("utf-8-sig")


def _write_zip(parts: dict[str, list[list]], path: Path, names: bool | None = None) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("README.txt", "\r\n".join(_readme(names)).encode("utf-8-sig"))
        for name, rows in parts.items():
            zf.writestr(f"{name}.csv", _csv_bytes(COLUMNS[name], rows))



def export_session(store: Store, session_id: int, path, *, names: bool | None = None) -> dict:
    """Write all of one session's responses to ``path`` (.xlsx or .zip of CSVs); returns row counts per part.

    ``names``: members appear by name only when the session shows names (``show_authors``), as the join
    screen promises; otherwise as 'Member 1', 'Member 2' ... in the order they joined, in every part.
    ``True`` writes the names anyway (the facilitator's explicit choice), ``False`` never.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in (".xlsx", ".zip"):
        raise InvalidInput(f"Export to a .xlsx or .zip file, not {str(path)!r}.")
    if names not in (None, True, False):
        raise InvalidInput(f"names: True, False or None (the session's own choice), not {names!r}.")
    shown = bool(store.session(session_id).show_authors) if names is None else names
    parts = _collect(store, session_id, shown)
    write = _write_xlsx if suffix == ".xlsx" else _write_zip
    replace_atomic(path, lambda tmp: write(parts, tmp, shown))
    return {name: len(rows) for name, rows in parts.items()}


def export_district(store: Store, slug: str, path_zip) -> dict:
    """Every session of a district, one .xlsx per session, in one .zip; returns the file names written.

    For moving a district between workbooks: members keep their names, whatever each session shows.
    """
    if Path(path_zip).suffix.lower() != ".zip":
        raise InvalidInput(f"Export a district to a .zip file, not {str(path_zip)!r}.")
    store.district(slug)
    sessions = store.sessions(slug)

    def write(tmp):
        with tempfile.TemporaryDirectory() as folder, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("README.txt", "\r\n".join(_readme()).encode("utf-8-sig"))
            for s in sessions:
                name = f"{slug}-{s.held_on.isoformat()}-session-{s.id}.xlsx"
                export_session(store, s.id, Path(folder) / name, names=True)  # the district's own copy
                zf.write(Path(folder) / name, name)
                names.append(name)
    names: list[str] = []
    replace_atomic(path_zip, write)
    return {"district": slug, "sessions": len(sessions), "files": names}
