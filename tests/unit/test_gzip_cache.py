"""Static files compressed by Zopfli in the background, and served once the copy is made (serve/gzip_cache.py)."""

from __future__ import annotations

import gzip
import os
import random
import subprocess
import sys
import time

import pytest

from tests.conftest import run_async
from workbook.serve import gzip_cache, voila_server


def script_text(seed: int = 1, lines: int = 3000) -> str:
    """Script-like text with the variety of a real bundle (names, numbers, strings), not one repeated phrase."""
    rng = random.Random(seed)
    words = ["const", "return", "function", "this", "model", "widget", "layout", "value", "render", "plot",
             "await", "Promise", "document", "style", "width", "height", "trace", "marker", "label"]
    out = []
    for i in range(lines):
        a, b, c = (rng.choice(words) for _ in range(3))
        out.append(f"{a}_{i % 97}={b}({c},{rng.randint(0, 9999)},'{rng.choice(words)}{rng.randint(0, 99)}');")
    return "\n".join(out)


@pytest.fixture
def copies(tmp_path, monkeypatch):
    where = tmp_path / "copies"
    monkeypatch.setenv(gzip_cache.ENV, str(where))
    return where


def test_the_copy_is_gzip_of_the_same_file_and_smaller_than_the_servers_own(tmp_path, copies):
    path = tmp_path / "7155.voila.js"
    data = script_text().encode()
    path.write_bytes(data)
    assert gzip_cache.make_copy(str(path)) == "made"
    assert gzip_cache.make_copy(str(path)) == "present"  # made once
    copy = gzip_cache.kept(str(path), os.stat(path))
    assert copy is not None and gzip.decompress(copy) == data
    assert len(copy) < len(gzip.compress(data, voila_server.GZIP_LEVEL)) * 0.98
    assert [p.name for p in copies.iterdir()] == [gzip_cache.key(str(path), os.stat(path))]  # nothing half-written


def test_a_changed_file_is_a_new_copy_never_the_old_one(tmp_path, copies):
    path = tmp_path / "voila.js"
    path.write_text("one " * 500)
    before = os.stat(path)
    gzip_cache.make_copy(str(path))
    path.write_text("two " * 500)  # an upgraded Voila's file at the same path, of the same size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000))
    assert gzip_cache.key(str(path), os.stat(path)) != gzip_cache.key(str(path), before)
    assert gzip_cache.kept(str(path), os.stat(path)) is None
    gzip_cache.make_copy(str(path))
    assert gzip.decompress(gzip_cache.kept(str(path), os.stat(path)) or b"") == b"two " * 500


def test_off_means_no_copies_and_no_worker(tmp_path, monkeypatch):
    monkeypatch.setenv(gzip_cache.ENV, "off")
    path = tmp_path / "a.js"
    path.write_text("x" * 5000)
    assert gzip_cache.folder() is None and gzip_cache.make_copy(str(path)) == "off"
    assert gzip_cache.kept(str(path), os.stat(path)) is None
    worker = gzip_cache.Worker()
    worker.ask(str(path))
    assert worker._proc is None


def test_a_folder_that_cannot_be_written_is_said_and_the_server_keeps_its_own_gzip(tmp_path, monkeypatch):
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    monkeypatch.setenv(gzip_cache.ENV, str(blocked / "copies"))
    path = tmp_path / "a.js"
    path.write_text(script_text(lines=50))
    assert gzip_cache.make_copy(str(path)).startswith("not made (")
    assert gzip_cache.kept(str(path), os.stat(path)) is None
    # the worker says so once, naming the folder and what to do, and ends (the server keeps its own gzip)
    others = [tmp_path / f"{n}.js" for n in range(3)]
    for other in others:
        other.write_text(script_text(seed=7, lines=50))
    done = subprocess.run([sys.executable, "-m", "workbook.serve.gzip_cache"],
                          input="".join(f"{p}\n" for p in [path, *others]), capture_output=True, text=True,
                          timeout=60, env=dict(os.environ, **{gzip_cache.ENV: str(blocked / "copies")}))
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert str(blocked / "copies") in lines[0] and "Not a directory" in lines[0] and gzip_cache.ENV in lines[0]


def test_a_file_gone_before_its_copy_is_made_is_skipped_quietly(tmp_path, copies):
    assert gzip_cache.make_copy(str(tmp_path / "gone.js")) == "gone"


def test_the_worker_makes_each_copy_asked_for_and_ends_with_the_server(tmp_path, copies):
    paths = []
    for n in range(3):
        path = tmp_path / f"{n}.js"
        path.write_text(script_text(seed=n, lines=200))
        paths.append(path)
    worker = gzip_cache.Worker()
    for path in [*paths, paths[0]]:  # asked twice: compressed once
        worker.ask(str(path))
    proc = worker._proc
    assert proc is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not all(gzip_cache.kept(str(p), os.stat(p)) for p in paths):
        time.sleep(0.1)
    for path in paths:
        assert gzip.decompress(gzip_cache.kept(str(path), os.stat(path)) or b"") == path.read_bytes()
    assert proc.stdin is not None
    proc.stdin.close()  # the server has ended
    assert proc.wait(timeout=30) == 0


def test_the_worker_runs_at_the_lowest_priority(tmp_path, copies):
    done = subprocess.run([sys.executable, "-c", (
        "import os, sys; from workbook.serve import gzip_cache; sys.stdin = open(os.devnull); "
        "gzip_cache.main(); print(os.nice(0))")], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "19"


def test_a_member_gets_the_servers_gzip_at_once_and_the_smaller_copy_once_it_is_made(tmp_path, copies,
                                                                                     monkeypatch):
    """On a real socket, through Voila's static handler as the server routes it."""
    import tornado.httpclient
    import tornado.web
    from voila.app import Voila
    from voila.static_file_handler import MultiStaticFileHandler

    from tests.helpers import free_port

    static = tmp_path / "static"
    static.mkdir()
    script = script_text()
    (static / "7155.voila.js").write_text(script)
    monkeypatch.setattr(Voila, "init_handlers", lambda self: [
        (r"/voila/static/(.*)", MultiStaticFileHandler, {"paths": [str(static)]})])
    monkeypatch.setattr(Voila, "init_settings", lambda self: {"allow_remote_access": True})
    monkeypatch.setattr(gzip_cache, "WORKER", gzip_cache.Worker())
    monkeypatch.setattr(voila_server, "GZIPPED", {})
    voila_server.cache_static()
    voila_server.compress_responses()
    voila = type("V", (), {"tornado_settings": {}})()
    handlers = Voila.init_handlers(voila)
    port = free_port()
    url = f"http://127.0.0.1:{port}/voila/static/7155.voila.js"

    async def visits():
        app = tornado.web.Application(handlers, **Voila.init_settings(voila))
        server = app.listen(port, "127.0.0.1")
        client = tornado.httpclient.AsyncHTTPClient()

        async def fetch():
            return await client.fetch(url, decompress_response=False, headers={"Accept-Encoding": "gzip"})
        try:
            first = await fetch()
            path = str(static / "7155.voila.js")
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and gzip_cache.kept(path, os.stat(path)) is None:
                await __import__("asyncio").sleep(0.1)
            later = await fetch()
            # the file changes under the server (an upgrade): the next member gets the new file, never the old copy
            (static / "7155.voila.js").write_text("W" + script[1:])  # of the same size
            st = os.stat(path)
            os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
            upgraded = await fetch()
            return first, later, upgraded
        finally:
            server.stop()

    first, later, upgraded = run_async(visits())
    assert first.headers["Content-Encoding"] == "gzip" and gzip.decompress(first.body).decode() == script
    assert later.headers["Content-Encoding"] == "gzip" and gzip.decompress(later.body).decode() == script
    assert len(later.body) < len(first.body) * 0.98, (len(later.body), len(first.body))
    assert int(later.headers["Content-Length"]) == len(later.body)
    assert gzip.decompress(upgraded.body).decode() == "W" + script[1:]
    worker = gzip_cache.WORKER._proc
    if worker is not None and worker.stdin is not None:
        worker.stdin.close()
        worker.wait(timeout=30)
