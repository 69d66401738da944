"""What a member's kernel loads: the page a whole room opens at once stays light.

pandas alone is about 55 MiB per kernel; Charting Your Path (open, restore from a personal
link, mark, rank gaps) never needs it, so it must not be imported on that path.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

from workbook.demo import seed_demo

SCRIPT = textwrap.dedent("""
    import os, sys
    from workbook.store import Store
    from workbook.apps.charting_your_path import charting_your_path

    store = Store(os.environ["WORKBOOK_DB_URL"])
    link = {"district": os.environ["D"], "session": os.environ["S"], "code": os.environ["C"]}
    page = charting_your_path(store, link)
    page.name.value, page.role.value = "Footprint Example", "Teacher"
    page._on_start()
    page.cards[0].now.value = 2.0
    page.cards[0].aspiration.value = 4.0
    again = charting_your_path(store, {**link, "me": page.member.token})
    assert again.cards[0].aspiration.value == 4.0, "the personal link restored the marks"
    assert "toward" in again.gaps.value
    heavy = sorted(m for m in ("pandas", "numpy", "scipy", "nbformat", "jsonschema") if m in sys.modules)
    print("HEAVY=" + ",".join(heavy))
""")


def test_member_page_never_imports_pandas(store, sqlite_url, tmp_path):
    codes = seed_demo(store)
    env = {"WORKBOOK_DB_URL": sqlite_url, "VOILA_BASE_URL": "/", "D": codes["district"], "S": str(codes["session"]),
           "C": codes["code"], "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "HEAVY=\n" in done.stdout, done.stdout
