"""What a page hands out: QR codes of links, and downloads that travel in the page (works offline)."""

from __future__ import annotations

import ipywidgets as w

from ..content.render import esc


def qr_svg(url: str, scale: int = 5, border: int = 4) -> str:
    """A QR code of ``url`` as inline SVG (``scale`` pixels a module, ``border`` modules of quiet zone), labelled."""
    import segno

    svg = segno.make(url, error="m").svg_inline(scale=scale, border=border, dark="#1F2933", light="#FFFFFF")
    return f"<div role='img' aria-label='QR code for the team join link'>{svg}</div>"


def download_link(label: str, filename: str, data: bytes, mime: str) -> str:
    """An offline download link (the file travels in the page as a data: URL)."""
    import base64

    b64 = base64.b64encode(data).decode()
    return (f"<a class='wb-download' download='{esc(filename)}' href='data:{mime};base64,{b64}'>"
            f"{esc(label)}</a>")


NAMES_LABEL = ("Include members' names in the Excel and CSV files: anyone the file is forwarded to will see who "
               "answered what")


class Downloads(w.VBox):
    """The facilitator's Downloads box (:func:`session_downloads`): its buttons by kind, the names box, the link."""

    buttons: dict[str, w.Button]  # by kind: summary, summary_pdf, xlsx, zip, sheet
    names: w.Checkbox
    out: w.HTML


def session_downloads(store, session, content) -> Downloads:
    """The facilitator's Downloads box: the team summary (HTML, PDF), the responses (Excel, CSV), the worksheet.

    The responses show members as 'Member 1', 'Member 2' ... when the session hides names; a checkbox, shown only
    then and off by default, puts the names in (the label says who will see them).
    """
    import tempfile
    from pathlib import Path

    from ..content.errors import WorkbookError

    out = w.HTML()
    summary_page = w.Button(description="Team summary (HTML)", tooltip="One printable page of what the team decided")
    summary_print = w.Button(description="Team summary (PDF)", tooltip="The same page, printed to PDF on letter paper")
    excel = w.Button(description="Prepare Excel download")
    csvzip = w.Button(description="Prepare CSV download")
    sheet = w.Button(description="Printable worksheet")
    hides_names = not store.session(session.id).show_authors
    names = w.Checkbox(value=False, indent=False, description=NAMES_LABEL, layout=w.Layout(width="auto"))
    if not hides_names:
        names.layout.display = "none"

    def prepare(kind):
        from .. import exchange
        from ..reports.team_summary import filename, summary_html, summary_pdf
        from ..worksheet import worksheet_html

        fresh = store.session(session.id)
        district = store.district_by_id(fresh.district_id)
        if kind == "sheet":
            page = worksheet_html(content, fresh.max_priorities)
            out.value = download_link("Download the printable worksheet (HTML: open and print)",
                                      "look-both-ways-worksheet.html", page.encode(), "text/html")
            return
        if kind == "summary":
            name = filename(district, fresh, "html")
            out.value = download_link(f"Download {name} (open it and print, or keep it)", name,
                                      summary_html(store, fresh.id, content).encode(), "text/html")
            return
        with tempfile.TemporaryDirectory() as tmp:
            if kind == "summary_pdf":
                path = summary_pdf(store, fresh.id, Path(tmp) / filename(district, fresh, "pdf"), content)
                out.value = download_link(f"Download {path.name}", path.name, path.read_bytes(), "application/pdf")
                return
            suffix, mime = (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet") \
                if kind == "xlsx" else (".zip", "application/zip")
            path = Path(tmp) / f"session-{session.id}{suffix}"
            if names.value and not fresh.show_authors:
                exchange.export_session(store, session.id, path, names=True)
            else:
                exchange.export_session(store, session.id, path)  # names as the session shows them
            out.value = download_link(f"Download {path.name}", path.name, path.read_bytes(), mime)

    def click(kind):
        out.value = "<p class='wb-muted' role='status'>Preparing…</p>"
        try:
            prepare(kind)
        except (WorkbookError, RuntimeError, OSError) as exc:  # no Chromium, a failed print: said, not raised
            out.value = f"<div class='wb-error' role='alert'>{esc(str(exc))}</div>"

    summary_page.on_click(lambda _b: click("summary"))
    summary_print.on_click(lambda _b: click("summary_pdf"))
    excel.on_click(lambda _b: click("xlsx"))
    csvzip.on_click(lambda _b: click("zip"))
    sheet.on_click(lambda _b: click("sheet"))
    privacy = (" Members appear as Member 1, Member 2 … unless you tick the box." if hides_names else "")
    box = Downloads([w.HTML("<h2>Downloads</h2><p class='wb-muted'>The <strong>team summary</strong>: one "
                            "printable page of what the team decided (agreed marks, priorities, the plan with owners "
                            "and review dates), no member named. All of this session's responses as Excel or CSV (the "
                            f"same format the import reads).{privacy} A printable worksheet for teams that start on "
                            "paper. Charts download as SVG from the camera icon above each chart.</p>"),
                     w.HBox([summary_page, summary_print], layout=w.Layout(flex_flow="row wrap")),
                     w.HBox([excel, csvzip, sheet], layout=w.Layout(flex_flow="row wrap")), names, out])
    box.add_class("wb-card")
    box.buttons = {"summary": summary_page, "summary_pdf": summary_print, "xlsx": excel, "zip": csvzip,
                   "sheet": sheet}
    box.names, box.out = names, out
    return box
