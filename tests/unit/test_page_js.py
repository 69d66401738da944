"""The member pages' own browser code (js/): its unit tests, its frames against jupyter_server's, its built copy.

The member pages (notebook metadata ``workbook.page = "light"``) draw their widgets with ``workbook-page.js``,
built from ``js/src`` by ``make js`` and kept in the Voila template. These tests need the build's packages
(``npm ci`` in ``js/``, which ``make test`` runs once); the browser tests use the pages themselves.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
JS = ROOT / "js"
STATIC = ROOT / "share" / "jupyter" / "voila" / "templates" / "workbook" / "static"
BUILT = ("workbook-page.js", "workbook-page.css")


def node() -> str:
    found = shutil.which("node")
    assert found, "Node.js is needed to test the member pages' browser code (js/)"
    assert (JS / "node_modules").is_dir(), "js/node_modules is missing: run `npm ci` in js/ (make test does it)"
    return found


def test_the_page_scripts_own_tests_pass():
    done = subprocess.run([node(), "--test", "test/"], cwd=JS, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "# fail 0" in done.stdout


# node side: serialize a message with two buffers (as the page sends it), and read the server's frame back
ROUND_TRIP = """
import { serialize, deserialize } from '{kernel}';
const input = JSON.parse(process.argv[2]);
const frame = new Uint8Array(Buffer.from(input.frame, 'base64')).buffer;
const msg = deserialize(frame);
const out = serialize({
  header: { msg_id: 'from-page', msg_type: 'comm_msg' }, parent_header: {}, metadata: {}, channel: 'shell',
  content: { comm_id: 'c', data: { method: 'update', buffer_paths: [['a'], ['b']] } },
  buffers: [new Uint8Array([1, 2, 3]), new Uint8Array([0, 255])],
});
console.log(JSON.stringify({
  read: {
    type: msg.header.msg_type, content: msg.content, buffers: msg.buffers.map((b) => [...new Uint8Array(b.buffer)]),
  },
  sent: Buffer.from(out).toString('base64'),
}));
"""


def test_binary_frames_are_the_ones_jupyter_server_reads_and_writes(tmp_path):
    import base64

    from jupyter_server.services.kernels.connection.base import (
        deserialize_binary_message,
        serialize_binary_message,
    )

    server_msg = {"header": {"msg_id": "from-kernel", "msg_type": "comm_msg"}, "parent_header": {}, "metadata": {},
                  "channel": "iopub", "content": {"comm_id": "c", "data": {"method": "update"}},
                  "buffers": [b"\x05\x06", b"", b"xyz"]}
    frame = serialize_binary_message(dict(server_msg))
    script = tmp_path / "round-trip.mjs"
    script.write_text(ROUND_TRIP.replace("{kernel}", (JS / "src" / "kernel.js").as_uri()), encoding="utf-8")
    done = subprocess.run([node(), str(script), json.dumps({"frame": base64.b64encode(frame).decode()})],
                          cwd=JS, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["read"] == {"type": "comm_msg", "content": server_msg["content"],
                           "buffers": [[5, 6], [], [120, 121, 122]]}
    sent = deserialize_binary_message(base64.b64decode(out["sent"]))
    assert sent["header"]["msg_id"] == "from-page"
    assert sent["content"]["data"]["buffer_paths"] == [["a"], ["b"]]
    assert [bytes(b) for b in sent["buffers"]] == [b"\x01\x02\x03", b"\x00\xff"]


def test_the_kept_build_is_the_build_of_the_sources(tmp_path):
    """The template's workbook-page.js/.css are what ``make js`` builds from js/ now (so no change is left unbuilt)."""
    done = subprocess.run([node(), "build.mjs", str(tmp_path)], cwd=JS, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    for name in BUILT:
        kept, built = (STATIC / name).read_bytes(), (tmp_path / name).read_bytes()
        assert kept == built, f"{name} in the template is not the build of js/: run `make js` and commit the result"


@pytest.mark.parametrize("name", ["charting_your_path", "laying_the_foundation", "conditions_for_scale"])
def test_member_pages_ask_for_the_light_page(name):
    nb = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))
    assert nb["metadata"]["workbook"]["page"] == "light"


MEMBER_APP_TESTS = [f"tests/unit/test_app_{name}.py"
                    for name in ("charting_your_path", "laying_the_foundation", "conditions_for_scale")]
# the modules page.js takes whole; of @jupyter-widgets/controls it takes only what js/src/controls.js exports
WHOLE = {"@jupyter-widgets/base", "anywidget"}


def carried_controls(source: str) -> set[str]:
    """The class names ``js/src/controls.js`` exports."""
    names: set[str] = set()
    for block in re.findall(r"export\s*\{([^}]*)\}\s*from\s*'@jupyter-widgets/controls/lib/\w+'", source):
        names.update(n.strip() for n in block.split(",") if n.strip())
    return names


def test_controls_are_read_from_the_export_list():
    assert carried_controls("export {\n  AModel, AView,\n} from '@jupyter-widgets/controls/lib/widget_a';\n"
                            "export { B } from '@jupyter-widgets/controls/lib/widget_b';") == {"AModel", "AView", "B"}


def test_the_page_script_carries_every_widget_class_the_member_pages_make(tmp_path):
    """Every model and view class the member apps make, through their own tests under Voila, is in the bundle.

    The tests of the three member apps walk each page (both passes, saving, restoring, errors); they run here
    as a kernel Voila started runs them (``VOILA_BASE_URL`` set: the chart is the workbook's own widget), with
    a plugin that records each widget's model and view.
    """
    out = tmp_path / "classes.json"
    env = dict(os.environ, VOILA_BASE_URL="/", WIDGET_CLASSES_OUT=str(out),
               PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p))
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "tests.unit.widget_classes",
                           "-p", "no:cacheprovider", *MEMBER_APP_TESTS],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:]
    made = {tuple(pair) for pair in json.loads(out.read_text(encoding="utf-8"))}
    assert ("anywidget", "AnyView") in made and ("@jupyter-widgets/controls", "VBoxModel") in made, made
    carried = carried_controls((JS / "src" / "controls.js").read_text(encoding="utf-8"))
    missing = sorted(f"{module} {name}" for module, name in made
                     if module not in WHOLE and not (module == "@jupyter-widgets/controls" and name in carried))
    assert not missing, (f"the member pages make widgets that workbook-page.js does not carry: {missing}; "
                         "add them to js/src/controls.js and run `make js`")
