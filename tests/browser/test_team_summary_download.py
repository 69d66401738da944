"""The team summary from the facilitator's Downloads box, in Voila and Chromium: the PDF a team takes home."""

from __future__ import annotations

import re
import shutil
import subprocess

from tests.browser.conftest import SHOTS, wait_for_app
from tests.browser.layout import check_layout
from tests.conftest import require


def test_the_facilitator_downloads_the_team_summary_as_pdf_and_html(server, page, tmp_path):
    from workbook.content.frameworks import load_content

    content = load_content()
    store = server.store()
    sid = int(server.codes["session"])
    items = store.action_items(sid)
    owner = next(o for o in items["owner"] if o)
    planned = [content.plan_area(c).name for c in store.plan_areas(sid)]
    assert owner and planned, "the demo plan has an owner and a priority"

    page.goto(server.facilitator_link("action_planning.ipynb"))
    wait_for_app(page, "Action planning")
    # a session that hides names offers the names, off, saying who would see them
    names = page.get_by_role("checkbox", name=re.compile("Include members' names"))
    assert not names.is_checked() and "anyone the file is forwarded to" in names.evaluate(
        "e => e.closest('.widget-checkbox').innerText")

    page.get_by_role("button", name="Team summary (PDF)").click()
    link = page.get_by_role("link", name=re.compile(r"Download .*team-summary.*\.pdf"))
    link.wait_for(timeout=90_000)
    with page.expect_download() as got:
        link.click()
    target = tmp_path / got.value.suggested_filename
    got.value.save_as(target)
    assert target.read_bytes()[:5] == b"%PDF-"
    require(shutil.which("pdftotext") is not None, "pdftotext not found: apt-get install poppler-utils")
    text = re.sub(r"\s+", " ", subprocess.run(["pdftotext", str(target), "-"], capture_output=True, text=True,
                                              check=True).stdout)
    assert owner in text and all(name in text for name in planned), text[:1500]
    assert "Fictional demo data" in text and "CC BY 4.0" in text

    page.get_by_role("button", name="Team summary (HTML)").click()
    link = page.get_by_role("link", name=re.compile(r"Download .*team-summary.*\.html"))
    link.wait_for(timeout=60_000)
    with page.expect_download() as got:
        link.click()
    html = got.value.path().read_text(encoding="utf-8")
    assert "size: letter" in html and owner in html
    respondents = store.respondents(sid)
    assert respondents and not any(r.name in html for r in respondents)
    store.dispose()
    # the box with its buttons, the names box and a download link: nothing cut off or overlapping at any size
    check_layout(page, "downloads", docs=False)
    # on a phone the box lies below the check's 8000 px: its words and buttons stay inside it there too
    page.set_viewport_size({"width": 390, "height": 844})
    box = page.locator(".wb-card", has=page.get_by_role("heading", name="Downloads"))
    box.scroll_into_view_if_needed()
    box.screenshot(path=str(SHOTS / "downloads-box-390.png"))
    outside = box.evaluate("""card => { const c = card.getBoundingClientRect();
        return [...card.querySelectorAll('button, label, a, p, input')].filter(e => {
            const r = e.getBoundingClientRect();
            return r.width > 0 && (r.left < c.left - 1 || r.right > c.right + 1 || e.scrollWidth > e.clientWidth + 1);
        }).map(e => e.tagName + ': ' + (e.innerText || e.value || '').slice(0, 60)); }""")
    assert outside == [], outside
