"""Code run in separate processes by test_concurrency (kept apart so a spawned child imports little)."""

from __future__ import annotations

import os
import traceback


def _report(results, name, fn, *args) -> None:
    try:
        results.put((name, "ok", fn(*args)))
    except BaseException:  # the parent shows the child's traceback
        results.put((name, "error", traceback.format_exc()))
        raise


def note_writer(url, session_id, writer, count, barrier, results) -> None:
    """Save ``count`` team notes ``w{writer}-{seq}`` through Store.save_note, each in its own call."""
    def run():
        from workbook.store import Store

        store = Store(url)
        barrier.wait(120)
        for seq in range(count):
            store.save_note(session_id, f"w{writer}-{seq}", f"writer {writer} sequence {seq}")
        store.dispose()
        return count
    _report(results, f"writer {writer}", run)


def field_values(count: int, final: float) -> list[float]:
    """``count`` marks climbing in steps of 0.5 (wrapping 5 -> 1) and ending at ``final``."""
    last = int(final * 2) - 2  # 1 -> 0 ... 5 -> 8
    return [1 + ((last - (count - 1 - k)) % 9) * 0.5 for k in range(count)]


def field_writer(url, respondent, spectrum_id, field, count, final, barrier, results) -> None:
    """Save one (spectrum, field) of one respondent ``count`` times, ending at ``final``."""
    def run():
        from workbook.store import Store

        store = Store(url)
        barrier.wait(120)
        for value in field_values(count, final):
            store.save_spectrum_mark(respondent, spectrum_id, field, value)
        store.dispose()
        return count
    _report(results, f"{spectrum_id}.{field}", run)


def payload(seq: int) -> str:
    """The note text for sequence ``seq`` (varied lengths, no surrounding spaces the store would strip)."""
    return f"payload {seq} " + "z" * (seq % 500) + "."


def endless_writer(url, session_id, log_path) -> None:
    """Save notes until killed; after each save *returns*, append its sequence number to ``log_path``."""
    from workbook.store import Store

    store = Store(url)
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    seq = 0
    while True:
        store.save_note(session_id, f"k-{seq}", payload(seq))
        os.write(fd, f"{seq}\n".encode())
        seq += 1
