"""The printable worksheet reads like the four guides; ids for the import live only in the coach's key."""

from __future__ import annotations

import re

from workbook.worksheet import worksheet_html


def test_worksheet_has_all_four_guides_in_the_guides_order(content):
    html = worksheet_html(content)
    heads = re.findall(r"<h1>(.*?)</h1>", html)
    fw = content.framework
    assert heads[:4] == [content.guides.guide_1.title, content.guides.guide_2.title,
                         fw.step1.title.replace("&", "&amp;"), fw.step2.title.replace("&", "&amp;")]
    # Reflection Guide 2 in its two passes, with the critical gap; Step 1 with its questions a-c
    assert html.index("First: where your system is now") < html.index("What do you notice about your system")
    assert html.index("What do you notice") < html.index("Then: where it should be") < html.index("most critical gap")
    assert "<strong>c. Looking across the domains" in html
    assert "For one priority condition, or for a whole layer" in html


def test_the_pages_a_team_holds_carry_no_column_ids(content):
    html = worksheet_html(content)
    team_pages, key = html.split("</style>", 1)[1].split("For the coach: typing the paper answers in")
    for s in content.spectra:
        assert f">{s.id}<" not in team_pages and f">{s.id}<" in key
    for c in content.conditions:
        assert f">{c.id}<" not in team_pages and f">{c.id}<" in key
    assert "spectrum_marks" not in team_pages and "condition_marks" in key


def test_the_paper_step_1_asks_for_the_sessions_number_of_priorities():
    from workbook.worksheet import worksheet_html

    assert "tick up to three priorities" in worksheet_html()
    two = worksheet_html(priorities=2)
    assert "tick up to two priorities" in two and "the guide sets none" in two
    assert "tick up to one priority " in worksheet_html(priorities=1)
