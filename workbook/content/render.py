"""HTML fragments for the framework content, shared by the apps and the reports.

Every string from content or from people is escaped here, so free text carrying
markup shows as text wherever it appears.
"""

from __future__ import annotations

from html import escape as esc

from .frameworks import AUDIENCES


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """'1 member', '9 members', '0 districts': a count written for people, not 'member(s)'."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                "twelve", "thirteen", "fourteen", "fifteen", "sixteen")


# Reflection Guide 2's two passes, named as the guide names them (the member page's and the worksheet's headings):
# the marking instruction draws the current pathway, Q2 (an instruction, not a question) the aspirational one
PASS_NAMES = {"now": "First pass: your current pathway", "aspiration": "Second pass: your aspirational pathway"}


def number_word(n: int) -> str:
    """A small count in words, as the guides write it ('three'); digits from seventeen on."""
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)


def date_text(day) -> str:
    """A date as the pages write it: '15 October 2026' ('' for none)."""
    return "" if day is None else f"{day.day} {day:%B %Y}"


def key_benefits(pole) -> str:
    """A pole's key benefits as tags."""
    return "".join(f"<span class='wb-key'>{esc(k)}</span>" for k in pole.key_benefits)


def poles(spectrum) -> str:
    """The two poles side by side: label, one-line definition, key benefits."""
    parts = []
    for side, pole in (("Left", spectrum.left), ("Right", spectrum.right)):
        parts.append(
            f"<div class='wb-pole'><strong>{esc(pole.label)}</strong> <span class='wb-muted'>({side.lower()} end)"
            f"</span><br>{esc(pole.definition)}<br><span class='wb-muted'>Key benefits:</span> {key_benefits(pole)}"
            "</div>")
    return f"<div class='wb-poles'>{''.join(parts)}</div>"


def benefits_table(spectrum) -> str:
    """Benefits at a Glance: audiences as rows, the two poles as columns."""
    head = (f"<tr><th scope='col'>Benefits for</th><th scope='col'>{esc(spectrum.left.heading)}</th>"
            f"<th scope='col'>{esc(spectrum.right.heading)}</th></tr>")
    rows = []
    for key, name in AUDIENCES.items():
        cells = []
        for pole in (spectrum.left, spectrum.right):
            items = "".join(f"<li>{esc(b)}</li>" for b in getattr(pole.benefits, key))
            cells.append(f"<td><ul>{items}</ul></td>")
        rows.append(f"<tr><th scope='row'>{esc(name)}</th>{''.join(cells)}</tr>")
    caption = f"<caption class='wb-muted'>Benefits at a Glance: {esc(spectrum.title)}</caption>"
    return f"<table class='wb-table'>{caption}<thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>"


def why(spectrum) -> str:
    """Why a system would choose each pole: both poles' headings and reasons."""
    return "".join(f"<h4>{esc(p.why_heading)}</h4><p>{esc(p.why)}</p>" for p in (spectrum.left, spectrum.right))


def examples(spectrum) -> str:
    """The spectrum's examples from systems: title, pole, system, any quote and the summary."""
    names = {"left": spectrum.left.plain_label, "right": spectrum.right.plain_label, "combine": "Combining both"}
    out = []
    for ex in spectrum.examples:
        quote = f"<blockquote class='wb-quote'>“{esc(ex.quote)}” — {esc(ex.speaker or '')}</blockquote>" \
            if ex.quote else ""
        out.append(f"<article><h4>{esc(ex.title)} <span class='wb-muted'>· {esc(names[ex.pole])} · "
                   f"{esc(ex.system)}</span></h4>{quote}<p>{esc(ex.summary)}</p></article>")
    return "".join(out)


def bullet_list(items) -> str:
    """``items`` as an escaped bulleted list."""
    return "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"


def source_text(text: str) -> str:
    """``text`` from the guides, escaped.

    Kept for the pages that call it; the one garbled question of the source is cleaned in the content itself
    (``LayerQuestion.text``), and its note says what the guide prints (``LayerQuestion.note``).
    """
    return esc(text)


def outline_list(outline) -> str:
    """``[(item, [sub-items])]`` as a list with the sub-items nested under their item."""
    return "<ul>" + "".join(f"<li>{esc(item)}" + (bullet_list(subs) if subs else "") + "</li>"
                            for item, subs in outline) + "</ul>"


def details(summary: str, body: str, open_: bool = False) -> str:
    """A native disclosure: keyboard- and screen-reader-friendly, no kernel round trip."""
    return f"<details{' open' if open_ else ''}><summary>{esc(summary)}</summary>{body}</details>"


def guide_note(title: str, paragraphs=(), steps=(), open_: bool = False) -> str:
    """What a printed guide says before its questions, as a note a facilitator can read aloud.

    Collapsed by default (member pages), open on a facilitator's page (``open_``); ``steps`` are the guide's
    numbered instructions.
    """
    body = "".join(f"<p>{esc(p)}</p>" for p in paragraphs if p)
    if steps:
        body += "<ol>" + "".join(f"<li>{esc(s)}</li>" for s in steps) + "</ol>"
    return details(f"What the guide says ({title}): a note to read aloud", body, open_=open_)


def spectrum_card(spectrum) -> str:
    """Question, poles, and the expandable Benefits at a Glance, examples, lessons and questions."""
    return (
        f"<h2 id='spectrum-{spectrum.id}'>Q{spectrum.number} · {esc(spectrum.dimension)}</h2>"
        f"<p><strong>{esc(spectrum.question)}</strong><br><span class='wb-muted'>{esc(spectrum.title)}</span></p>"
        f"{poles(spectrum)}"
        + details("Benefits at a Glance", benefits_table(spectrum) + why(spectrum))
        + details(f"Examples from systems ({len(spectrum.examples)})", examples(spectrum))
        + details("Lessons learned and reflection questions",
                  "<h4>Lessons learned</h4>" + bullet_list(spectrum.lessons)
                  + "<h4>Reflection questions</h4>" + outline_list(spectrum.reflection_outline()))
    )


def attribution(content) -> str:
    """The credit line under the framework content: both citations, the CC BY 4.0 licence, the demo data note."""
    a, b = content.spectra_attribution, content.framework.attribution
    return (f"<p class='wb-muted' style='font-size:0.85rem'>Framework content: {esc(a.citation)} "
            f"{esc(b.citation)} Licensed <a href='{esc(a.license_url)}'>CC BY 4.0</a>; "
            "written by The Learning Accelerator and transcribed for this workbook, which The Learning Accelerator "
            "has not endorsed. Demo districts and people are fictional.</p>")
