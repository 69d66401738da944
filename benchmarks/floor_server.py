"""The static floor's server: one plain HTML page that draws the member's first chart, and nothing else.

``python -m benchmarks.floor_server --port PORT --page FILE`` serves, on 127.0.0.1 only:

* ``/floor.html``: the page (``FILE``), with the headers Voila gives its rendered pages
  (``Cache-Control: no-cache, no-store, must-revalidate``), so a repeat visit asks for the HTML again as it does
  on the member page;
* ``/voila/static/<file>``: the workbook template's static folder, the folder ``workbook serve`` serves the plotly
  bundles from, at the same URL, through the workbook's own cache policy (``voila_server.with_cache_policy``:
  the same ``Cache-Control`` as on the member page).

Responses are compressed as the workbook's server compresses them (Tornado's ``compress_response``, what
``voila_server.compress_responses`` turns on), so the bundle travels the same number of bytes on both sides.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import tornado.web

from workbook.serve.voila_server import with_cache_policy

TEMPLATE_STATIC = Path(__file__).resolve().parent.parent / "share" / "jupyter" / "voila" / "templates" / "workbook" / \
    "static"


class Page(tornado.web.RequestHandler):
    """The floor page, sent as Voila sends a rendered notebook (never cached)."""

    def initialize(self, path: Path) -> None:
        self.path = path

    def get(self) -> None:
        self.set_header("Content-Type", "text/html")
        self.set_header("Cache-Control", "no-cache, no-store, must-revalidate")
        self.set_header("Pragma", "no-cache")
        self.set_header("Expires", "0")
        self.write(self.path.read_bytes())


def app(page: Path, static: Path = TEMPLATE_STATIC) -> tornado.web.Application:
    return tornado.web.Application([
        (r"/floor\.html", Page, {"path": page}),
        (r"/voila/static/(.*)", with_cache_policy(tornado.web.StaticFileHandler), {"path": str(static)}),
    ], compress_response=True)


async def serve(port: int, page: Path) -> None:
    app(page).listen(port, address="127.0.0.1")
    await asyncio.Event().wait()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="benchmarks.floor_server", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--page", type=Path, required=True)
    args = parser.parse_args(argv)
    asyncio.run(serve(args.port, args.page))


if __name__ == "__main__":
    main()
