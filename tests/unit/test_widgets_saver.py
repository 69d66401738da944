"""The Saver: a change that cannot be saved waits and is retried by itself, with growing pauses, never dropped."""

from __future__ import annotations

import asyncio

import pytest

from workbook.content.errors import InvalidInput, StoreUnavailable
from workbook.widgets import saver as saving
from workbook.widgets.saver import Saver


class Clock:
    """Stands in for the kernel's event loop: records each ``call_later`` and runs it when told."""

    def __init__(self):
        self.waiting: list[list] = []  # [delay, fn, cancelled]
        self.delays: list[float] = []

    def __call__(self, delay, fn):
        entry = [delay, fn, False]
        self.waiting.append(entry)
        self.delays.append(delay)

        class Handle:
            def cancel(self_inner):
                entry[2] = True

        return Handle()

    def pending(self) -> list:
        return [e for e in self.waiting if not e[2]]

    def run_next(self) -> float:
        """Run the one retry that waits now; its delay."""
        live = self.pending()
        assert len(live) == 1, f"expected one retry waiting, found {len(live)}"
        self.waiting.remove(live[0])
        live[0][1]()
        return live[0][0]


class Store:
    """A fake store function: unreachable ``down`` times, then it saves."""

    def __init__(self, down: int):
        self.down, self.calls, self.saved = down, 0, []

    def save(self, value):
        def fn():
            self.calls += 1
            if self.down > 0:
                self.down -= 1
                raise StoreUnavailable("The workbook's database cannot be reached right now, so nothing was saved.")
            self.saved.append(value)
        return fn


def text(saver: Saver) -> str:
    return saver.status.value


def test_retry_pauses_grow_from_one_second_and_stop_growing_at_ten():
    assert [saving.retry_delay(n) for n in range(7)] == [1, 2, 4, 8, 10, 10, 10]
    assert saving.retry_delay(10_000) == 10  # never overflows, however long the store is away


def test_a_waiting_change_is_retried_by_itself_with_backoff_until_the_store_takes_it():
    clock, store = Clock(), Store(down=5)
    saver = Saver(schedule=clock)
    assert saver.save("pace", store.save(3.5)) is False
    assert "Waiting to save (1 change)…" in text(saver) and "All changes saved" not in text(saver)
    assert saver.retry.layout.display == ""  # the button stays for the impatient
    ran = []
    while store.down:
        ran.append(clock.run_next())
        assert "Waiting to save (1 change)…" in text(saver)
    ran.append(clock.run_next())  # the store is back: this retry saves
    assert ran == [1, 2, 4, 8, 10]
    assert store.saved == [3.5] and saver.pending == {}
    assert "All changes saved" in text(saver) and "wb-ok" in text(saver)
    assert saver.retry.layout.display == "none"
    assert clock.pending() == []  # nothing more is scheduled once everything is saved
    assert saver.retries == 5


def test_the_status_counts_the_waiting_changes_and_a_later_change_to_the_same_key_replaces_one():
    clock, store = Clock(), Store(down=10)
    saver = Saver(schedule=clock)
    saver.save("pace", store.save(2.0))
    saver.save("pace", store.save(3.0))
    assert "Waiting to save (1 change)…" in text(saver)
    saver.save("locus", store.save(4.0))
    assert "Waiting to save (2 changes)…" in text(saver)
    assert len(clock.pending()) == 1  # one retry waits for all of them, never one per change
    store.down = 0
    clock.run_next()
    assert sorted(store.saved) == [3.0, 4.0] and saver.pending == {}
    assert "All changes saved" in text(saver)


def test_the_words_stay_the_same_on_every_retry_so_the_page_hears_of_the_wait_once():
    clock, store = Clock(), Store(down=4)
    saver = Saver(schedule=clock)
    changes = []
    saver.status.observe(lambda c: changes.append(c["new"]), "value")
    saver.save("pace", store.save(1.0))
    for _ in range(3):
        clock.run_next()
    assert len(changes) == 1, changes


def test_the_button_saves_at_once_and_a_success_starts_the_next_outage_at_one_second_again():
    clock, store = Clock(), Store(down=3)
    saver = Saver(schedule=clock)
    saver.save("pace", store.save(1.0))
    clock.run_next()  # 1 s
    clock.run_next()  # 2 s
    assert clock.pending()[0][0] == 4
    saver.retry.click()  # the member does not wait for the 4 s: the store is back by now
    assert store.saved == [1.0] and "All changes saved" in text(saver)
    assert clock.pending() == []  # the waiting retry was called off
    store.down = 1
    saver.save("locus", store.save(2.0))
    assert clock.pending()[0][0] == 1


def test_a_change_made_while_the_store_is_away_does_not_reset_the_pauses():
    clock, store = Clock(), Store(down=10)
    saver = Saver(schedule=clock)
    saver.save("pace", store.save(1.0))
    clock.run_next()
    saver.save("locus", store.save(2.0))  # tried at once, fails, waits its turn with the others
    assert [e[0] for e in clock.pending()] == [4]


def test_refused_input_is_reported_and_not_kept_or_retried():
    clock = Clock()
    saver = Saver(schedule=clock)

    def too_long():
        raise InvalidInput("Notes are at most 20,000 characters.")

    assert saver.save("note", too_long) is False
    assert "Not saved: Notes are at most 20,000 characters." in text(saver)
    assert saver.pending == {} and clock.pending() == []


def test_the_status_line_is_marked_for_the_pages_own_status():
    # the page's front end (widgets/heartbeat.py) puts its own words there while a change waits in the browser
    assert "wb-saver" in Saver(schedule=Clock()).widget._dom_classes


def test_without_a_running_event_loop_nothing_is_scheduled_and_the_next_change_retries():
    store = Store(down=1)
    saver = Saver()  # the default schedule: the running loop, and there is none here
    assert saver.save("pace", store.save(1.0)) is False
    assert saver.pending and "Waiting to save" in text(saver)
    saver.save("locus", store.save(2.0))
    assert sorted(store.saved) == [1.0, 2.0]


def in_a_thread(fn):
    """Run ``fn`` in a thread of its own: the browser tests' Playwright keeps an event loop running in this one."""
    import threading

    out: dict = {}

    def run():
        try:
            out["value"] = fn()
        except BaseException as exc:  # raised again in the test's thread
            out["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    assert not thread.is_alive(), "the loop did not finish within 30 s"
    if "error" in out:
        raise out["error"]
    return out["value"]


def test_on_a_running_event_loop_the_retry_happens_by_itself():
    # ipykernel runs tornado's IOLoop on asyncio: a change handled there schedules its retry on that loop
    async def main():
        saved = asyncio.Event()
        store = Store(down=2)
        saver = Saver(first_retry=0.01, last_retry=0.05)
        saver.status.observe(lambda c: "All changes saved" in c["new"] and saved.set(), "value")
        saver.save("pace", store.save(3.0))
        assert "Waiting to save (1 change)…" in text(saver)
        await asyncio.wait_for(saved.wait(), 10)
        return store, saver

    store, saver = in_a_thread(lambda: asyncio.run(main()))
    assert store.saved == [3.0] and store.calls == 3 and saver.retries == 2


def test_on_the_kernels_tornado_loop_the_retry_happens_by_itself():
    from tornado.ioloop import IOLoop

    loop = IOLoop(make_current=False)
    store = Store(down=1)
    result = {}

    def start():
        saver = Saver(first_retry=0.01)
        saver.status.observe(lambda c: "All changes saved" in c["new"] and loop.stop(), "value")
        result["saver"] = saver
        saver.save("pace", store.save(4.5))

    def run():
        loop.add_callback(start)
        timeout = loop.call_later(10, loop.stop)
        loop.start()
        loop.remove_timeout(timeout)
        loop.close()

    in_a_thread(run)
    assert store.saved == [4.5] and result["saver"].pending == {}


@pytest.mark.parametrize("n, words", [(1, "(1 change)"), (3, "(3 changes)")])
def test_waiting_changes_are_counted_in_plain_words(n, words):
    saver = Saver(schedule=Clock())
    store = Store(down=99)
    for i in range(n):
        saver.save(i, store.save(i))
    assert f"Waiting to save {words}…" in text(saver)


def test_a_full_disk_is_said_in_its_own_words_and_the_change_is_saved_once_space_is_freed():
    from workbook.content.errors import DISK_FULL as WORDS
    from workbook.content.render import esc

    DISK_FULL = esc(WORDS)  # as the status line shows it
    clock, calls = Clock(), []

    def save():
        calls.append(1)
        if len(calls) < 3:
            raise StoreUnavailable(WORDS)

    saver = Saver(schedule=clock)
    saver.save("pace", save)
    assert "Waiting to save (1 change)…" in text(saver) and DISK_FULL in text(saver)
    assert esc(saving.WAITING) not in text(saver)  # not "cannot be reached": the facilitator is told what to free
    clock.run_next()
    assert DISK_FULL in text(saver)
    clock.run_next()
    assert "All changes saved" in text(saver) and saver.pending == {}
