"""Views that update by themselves: a cheap check on every poll, a redraw only when something changed."""

from __future__ import annotations

from workbook.widgets.live import Live


def test_redraws_only_when_the_stamp_moves():
    stamp, drawn = [1], []
    live = Live(check=lambda: stamp[0], on_change=lambda: drawn.append(stamp[0]))
    assert live.poll() is False and drawn == []  # nothing changed since the page was drawn
    stamp[0] = 2
    assert live.poll() is True and drawn == [2]
    assert live.poll() is False and drawn == [2] and live.updates == 1


def test_a_check_that_fails_is_tried_again_at_the_next_poll():
    state = {"fail": True, "stamp": 1}

    def check():
        if state["fail"]:
            raise OSError("the database is briefly unreachable")
        return state["stamp"]

    drawn = []
    live = Live(check=check, on_change=lambda: drawn.append(1))
    assert live.poll() is False and drawn == []
    state.update(fail=False, stamp=5)
    assert live.poll() is True and drawn == [1]


def test_every_poll_from_the_page_is_answered(monkeypatch):
    stamp, sent = [1], []
    live = Live(check=lambda: stamp[0], on_change=lambda: None)
    monkeypatch.setattr(live, "send", lambda content, buffers=None: sent.append(content))
    live._polled(live, {"poll": 7}, [])
    stamp[0] = 2
    live._polled(live, {"poll": 8}, [])
    live._polled(live, {"something": "else"}, [])
    assert sent == [{"polled": 7}, {"polled": 8}] and live.updates == 1
