"""What a page hands out: QR codes of links, and downloads that travel in the page (works offline)."""

from __future__ import annotations

import ipywidgets as w

from ..render import esc


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


def session_downloads(store, session, content) -> w.VBox:
    """Buttons that prepare the session's responses (Excel, CSV zip) and the printable worksheet."""
    import tempfile
    from pathlib import Path

    out = w.HTML()
    excel = w.Button(description="Prepare Excel download")
    csvzip = w.Button(description="Prepare CSV download")
    sheet = w.Button(description="Printable worksheet")

    def prepare(kind):
        from .. import exchange
        from ..worksheet import worksheet_html

        if kind == "sheet":
            page = worksheet_html(content, store.session(session.id).max_priorities)
            out.value = download_link("Download the printable worksheet (HTML: open and print)",
                                      "look-both-ways-worksheet.html", page.encode(), "text/html")
            return
        suffix, mime = (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet") \
            if kind == "xlsx" else (".zip", "application/zip")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"session-{session.id}{suffix}"
            exchange.export_session(store, session.id, path)
            out.value = download_link(f"Download {path.name}", path.name, path.read_bytes(), mime)

    excel.on_click(lambda _b: prepare("xlsx"))
    csvzip.on_click(lambda _b: prepare("zip"))
    sheet.on_click(lambda _b: prepare("sheet"))
    box = w.VBox([w.HTML("<h2>Downloads</h2><p class='wb-muted'>All of this session's responses as Excel or CSV "
                         "(the same format the import reads), and a printable worksheet for teams that start on "
                         "paper. Charts download as SVG from the camera icon above each chart.</p>"),
                  w.HBox([excel, csvzip, sheet], layout=w.Layout(flex_flow="row wrap")), out])
    box.add_class("wb-card")
    return box
