"""The heartbeat that keeps an open page's kernel from being culled, and tells a page whose kernel is gone."""

from __future__ import annotations

import pytest

from workbook.widgets import heartbeat
from workbook.widgets.page import Page


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    monkeypatch.setattr(heartbeat, "_current", None)


def test_each_ping_is_answered_with_its_number(monkeypatch):
    beat = heartbeat.Heartbeat()
    sent = []
    monkeypatch.setattr(beat, "send", sent.append)
    beat._answer(beat, {"ping": 7}, [])
    beat._answer(beat, {"ping": "7; drop table"}, [])  # not a ping: no answer
    beat._answer(beat, ["ping"], [])
    assert sent == [{"pong": 7}] and beat.pings == 1


@pytest.mark.parametrize(("cull", "interval"), [("300", 30.0), ("20", 5.0), ("2", 1.0), ("", 30.0), ("soon", 30.0)])
def test_pings_come_well_within_the_servers_cull_timeout(monkeypatch, cull, interval):
    monkeypatch.setenv("WORKBOOK_CULL_IDLE", cull)
    assert heartbeat.current().interval == interval


def test_reopen_goes_to_the_members_personal_link():
    heartbeat.reopen_at("http://10.0.0.5:8866/voila/render/charting_your_path.ipynb?me=abc&token=s")
    assert heartbeat.current().reopen_url.endswith("me=abc&token=s")


def test_every_page_under_voila_carries_the_heartbeat(monkeypatch):
    monkeypatch.delenv("VOILA_BASE_URL", raising=False)
    assert not any(isinstance(c, heartbeat.Heartbeat) for c in Page([]).children)
    monkeypatch.setenv("VOILA_BASE_URL", "/")
    assert heartbeat.current() in Page([]).children


def test_while_the_connection_is_down_the_page_asks_the_server_well_within_a_pings_patience():
    beat = heartbeat.Heartbeat()
    assert 0 < beat.recheck <= beat.patience / 2


def test_the_page_speaks_for_waiting_changes_in_the_savers_status_line():
    # the browser side finds the status line by the class the Saver gives it, and hides the kernel's words there
    from workbook.widgets.saver import Saver

    assert "wb-saver" in Saver().widget._dom_classes
    assert "'.wb-saver'" in heartbeat._ESM and ".wb-saver.wb-unsent" in heartbeat._CSS
    assert "Not connected: your change will be saved when the connection returns." in heartbeat._ESM
