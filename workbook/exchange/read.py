"""Reading a file to import: an .xlsx, a .zip, a folder or one part CSV, into parts of rows (nothing checked yet)."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..content.errors import InvalidInput
from .cells import COLUMNS, MAX_PART_BYTES, quoted, unneutralise, xlsx_value


@dataclass
class Part:
    """One part as read: its name, its header and its rows (number, cells as text)."""

    name: str
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]


def _part_name(filename: str) -> str | None:
    stem = Path(filename).stem.lower().strip()
    for name in COLUMNS:
        if stem == name or (stem.startswith(name) and not stem[len(name)].isalpha()):
            return name
    return None


def _table(name: str, rows, problems: list[str]) -> Part:
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
            problems.append(f"{name}, row {num}: a value in a column without a header (got {quoted(stray[0])}; "
                            "allowed values only under the named columns)")
        body.append((num, {h: c for h, c in zip(header, cells) if h}))
    return Part(name, [h for h in header or [] if h], body)


def _read_csv(name: str, data: bytes, problems: list[str]) -> Part | None:
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


def _read_xlsx(path: Path, problems: list[str]) -> dict[str, Part]:
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
        rows = ((r[0].row, [xlsx_value(c.value) for c in r]) for r in ws.iter_rows() if r)
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


def read_parts(path: Path, problems: list[str]) -> dict[str, Part]:
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
