"""A TCP proxy between the browser and ``workbook serve`` that the tests cut and restore, as a school's Wi-Fi does.

It listens on 127.0.0.1 on a port of its own and copies bytes both ways to the server. ``cut()`` resets
every connection through it and stops listening, so the browser's websocket closes and every new
connection is refused (the page cannot reach its server at all); ``restore()`` listens again on the same
port. It runs its own asyncio event loop in a thread, so a synchronous Playwright test drives it.
"""

from __future__ import annotations

import asyncio
import threading

from tests.helpers import free_port


class Proxy:
    """``Proxy(server_port)``: ``start()``, then ``url`` reaches the server; ``cut()`` and ``restore()`` the way."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1"):
        self.target = (target_host, target_port)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.connections = 0  # connections accepted so far
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="proxy", daemon=True)
        self._server: asyncio.base_events.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()

    def start(self) -> Proxy:
        self._thread.start()
        self._call(self._listen())
        return self

    def cut(self) -> int:
        """Reset every connection and refuse new ones; how many connections were open."""
        return self._call(self._cut())

    def restore(self) -> None:
        """Accept connections again, on the same port."""
        self._call(self._listen())

    @property
    def listening(self) -> bool:
        return self._server is not None

    def close(self) -> None:
        if self._thread.is_alive():
            self._call(self._cut())
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        self._loop.close()

    def _call(self, coroutine, timeout: float = 30):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port, reuse_address=True)

    async def _cut(self) -> int:
        server, self._server = self._server, None
        if server is not None:
            server.close()  # the port refuses connections from here on
        count = len(self._open)
        for writer in list(self._open):
            writer.transport.abort()  # a reset, not a polite close: the way is gone
        self._open.clear()
        if server is not None:
            await server.wait_closed()
        return count

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._server is None:
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self.connections += 1
        self._open.update((writer, up_writer))
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        self._open.difference_update((writer, up_writer))
        for end in (writer, up_writer):
            end.close()

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            try:
                if writer.can_write_eof() and not writer.transport.is_closing():
                    writer.write_eof()  # half-close: the other direction may still be talking
            except (OSError, RuntimeError):
                writer.transport.abort()
