"""The Downloads box, clicked in Python: the team summary (HTML, PDF) and the responses, names hidden by default."""

from __future__ import annotations

import base64
import io
import re
import zipfile

import pytest

from tests.unit.test_team_summary import MEMBERS, have_chromium, make_session, pdf_text, text_of
from workbook.widgets.sharing import NAMES_LABEL, session_downloads


def download(box, kind: str) -> tuple[str, str, bytes]:
    """Click the box's ``kind`` button; the offered file's name, MIME type and bytes (from its data: URL)."""
    box.buttons[kind].click()
    found = re.search(r"download='([^']*)' href='data:([^;]+);base64,([^']*)'", box.out.value)
    assert found, box.out.value
    return found.group(1), found.group(2), base64.b64decode(found.group(3))


def csv_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return "\n".join(zf.read(n).decode("utf-8-sig") for n in zf.namelist())


@pytest.fixture()
def team(store, content):
    return make_session(store, content)


def test_the_team_summary_downloads_as_a_page_with_the_plan_and_no_member_name(store, content, team):
    box = session_downloads(store, team["session"], content)
    name, mime, data = download(box, "summary")
    assert name == "quillby-usd-team-summary-2027-02-20.html" and mime == "text/html"
    page = data.decode()
    words = text_of(page)
    assert "Quillby Unified" in words and "Assistant superintendent Orla Pennywhistle" in words
    assert "15 March 2027" in words and content.condition(team["conditions"][3]).name in words
    assert not any(part in page for member, _ in MEMBERS for part in member.split())


def test_the_team_summary_downloads_as_a_pdf(store, content, team, tmp_path):
    have_chromium()
    box = session_downloads(store, team["session"], content)
    name, mime, data = download(box, "summary_pdf")
    assert name.endswith(".pdf") and mime == "application/pdf" and data[:5] == b"%PDF-"
    (tmp_path / name).write_bytes(data)
    text = pdf_text(tmp_path / name)
    assert "Orla Pennywhistle" in text and "15 March 2027" in text


def test_without_chromium_the_pdf_button_says_so(store, content, team, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBOOK_CHROMIUM", str(tmp_path / "no-such-chromium"))
    box = session_downloads(store, team["session"], content)
    box.buttons["summary_pdf"].click()  # no exception reaches the page
    assert "role='alert'" in box.out.value and "printed with Chromium" in box.out.value
    assert "data:" not in box.out.value


def test_the_responses_hide_names_unless_the_facilitator_ticks_the_box(store, content, team):
    box = session_downloads(store, team["session"], content)
    assert box.names.layout.display != "none" and box.names.value is False
    assert "anyone the file is forwarded to" in box.names.description == NAMES_LABEL
    _, mime, data = download(box, "zip")
    hidden = csv_text(data)
    assert mime == "application/zip" and "Member 1" in hidden
    assert not any(member in hidden for member, _ in MEMBERS), "a name travelled without the facilitator's choice"
    box.names.value = True
    shown = csv_text(download(box, "zip")[2])
    assert all(member in shown for member, _ in MEMBERS)
    box.names.value = False
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(download(box, "xlsx")[2]), read_only=True)
    cells = " ".join(str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row)
    assert "Member 1" in cells and not any(member in cells for member, _ in MEMBERS)


def test_a_session_that_shows_names_has_no_box_to_tick(store, content):
    team = make_session(store, content, show_names=True)
    box = session_downloads(store, team["session"], content)
    assert box.names.layout.display == "none"
    shown = csv_text(download(box, "zip")[2])
    assert all(member in shown for member, _ in MEMBERS)  # the team chose names; the export follows
