"""The printable worksheet reads like the four guides; ids for the import live only in the coach's key."""

from __future__ import annotations

import re

from workbook.apps.charting_your_path import PASS_NAMES
from workbook.content.render import esc
from workbook.worksheet import worksheet_html


def test_worksheet_has_all_four_guides_in_the_guides_order(content):
    html = worksheet_html(content)
    heads = re.findall(r"<h1>(.*?)</h1>", html)
    fw = content.framework
    assert heads[:4] == [content.guides.guide_1.title, content.guides.guide_2.title,
                         fw.step1.title.replace("&", "&amp;"), fw.step2.title.replace("&", "&amp;")]
    # Reflection Guide 2 in its two passes, with the critical gap; Step 1 with its questions a-c
    now, aspiration = f"<h2>{PASS_NAMES['now']}</h2>", f"<h2>{PASS_NAMES['aspiration']}</h2>"
    assert html.index(now) < html.index("What do you notice about your system")
    assert html.index("What do you notice") < html.index(aspiration) < html.index("most critical gap")
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
    assert "tick up to three priorities" in worksheet_html()
    two = worksheet_html(priorities=2)
    assert "tick up to two priorities" in two and "the guide sets none" in two
    assert "tick up to one priority " in worksheet_html(priorities=1)


def test_guide_2s_passes_are_named_as_the_member_page_names_them(content):
    html = worksheet_html(content)
    heads = re.findall(r"<h2>(.*?)</h2>", html)
    assert PASS_NAMES["now"] in heads and PASS_NAMES["aspiration"] in heads
    assert "First: where your system is now" not in html and "Then: where it should be" not in html


def test_guide_1s_questions_are_numbered_within_each_category(content):
    html = worksheet_html(content)
    guide_1 = html.split("</section>", 1)[0]
    for section in content.guides.guide_1.sections:
        part = guide_1.split(f"<h2>{esc(section.title)}</h2>", 1)[1].split("<h2>", 1)[0]
        printed = re.findall(r"<p><strong>(.*?)</strong></p>", part)
        assert printed == [f"{n}. {esc(q.text)}" for n, q in enumerate(section.questions, start=1)]


def _step_1(html: str, content) -> str:
    return html.split(f"<h1>{esc(content.framework.step1.title)}</h1>", 1)[1].split("</section>", 1)[0]


def test_step_1s_questions_are_lettered_under_its_third_instruction(content):
    step1 = content.framework.step1
    page = _step_1(worksheet_html(content), content)
    printed = re.findall(r"<p(?: class='sub')?><strong>(.*?)</strong></p>", page)
    expected = []
    for number, (step, lettered) in enumerate(step1.outline(), start=1):
        expected.append(f"{number}. {esc(step)}")
        expected += [f"{letter}. {esc(q)}" for letter, q in lettered]
    assert printed[:len(expected)] == expected
    # the questions a-c follow "3. Together, consider these questions:", after the conditions' table
    third = page.index(f"{len(step1.instructions)}. {esc(step1.instructions[-1])}")
    assert page.index("</table>") < third < page.index(f"a. {esc(step1.questions[0])}")
    assert page.index(f"1. {esc(step1.instructions[0])}") < page.index("<table>")


def test_each_layers_questions_are_on_paper_the_garbled_one_with_its_note(content):
    page = _step_1(worksheet_html(content), content)
    garbled = [q for layer in content.framework.layers for q in layer.questions if q.source_text]
    assert garbled, "the content keeps the question the guide prints garbled"
    for layer in content.framework.layers:
        assert f"<h3>{esc(layer.name)}</h3>" in page
        for q in layer.questions:
            assert f"<strong>{esc(q.text)}</strong>" in page
    for q in garbled:
        after = page.split(f"<strong>{esc(q.text)}</strong></p>", 1)[1]
        assert after.split("<p>", 1)[0].count(esc(q.note)) == 1  # the note right under its question
        assert esc(q.source_text) not in page  # the cleaned reading, not the printed words
