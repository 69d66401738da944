"""Run of show: the facilitator carries the room through the retreat, step by step, in the guides' order.

Every step of the day is listed (:mod:`workbook.content.retreat`), the room's current one highlighted. For the current
step the page shows what members open (their link and its QR code), what they do, the guide's own questions,
its suggested time (editable, per step), a clock since the step began, and how many members have finished it,
which moves by itself as they work (:class:`workbook.widgets.live.Live`). Previous, Next and "Go to this step"
move the room (``Store.set_current_step``): the projector and the members' pages follow. On the last step the
facilitator starts the follow-up session and gets its links. Members are counted, never named.
"""

from __future__ import annotations

import datetime as dt
import json
import time

import ipywidgets as w

from ..content import retreat
from ..content.errors import WorkbookError
from ..links import app_link, session_links
from ..store import Store
from ..widgets.access import open_app
from ..widgets.live import Live
from ..widgets.page import Page, esc, header, html, message
from ..widgets.room import StepClock
from ..widgets.sharing import qr_svg

TITLE = "Run of show"
LEDE = ("The day in the guides' order: Laying the Foundation, Charting Your Path, then Step 1 and Step 2 of the "
        "Implementation Framework. Move the room with <strong>Next</strong> (or go to any step): the projector "
        "and the members' pages follow. Counts move by themselves as members work; names are never shown.")
FOLLOW_UP_DAYS = 90  # a suggested date to look again: about a term later

CSS = """<style>
.wb-ros { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
.wb-ros > .wb-ros-list { flex: 1 1 420px; min-width: 0; }
.wb-ros > .wb-ros-now { flex: 1 1 440px; min-width: 0; }
.wb-ros-row { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 6px; padding: 4px 6px;
  border-radius: 6px; border-left: 5px solid transparent; }
.wb-ros-row.wb-ros-current { background: #E6F0F8; border-left-color: var(--wb-now, #0072B2); }
.wb-ros-row .wb-ros-what { flex: 1 1 14em; min-width: 0; }
.wb-ros-row .widget-bounded-int-text { width: 4.6em; flex: 0 0 auto; }
.wb-ros-row .widget-button { flex: 0 0 auto; }
.wb-ros-num { display: inline-block; min-width: 2em; color: var(--wb-muted); }
.wb-ros-part { font-size: 0.85rem; color: var(--wb-muted); margin: 10px 0 2px; font-weight: 700; }
.wb-ros-count { font-size: 0.85rem; color: var(--wb-muted); }
.wb-ros-live { font-size: 1.35rem; margin: 6px 0; }
.wb-ros-open { display: flex; gap: 12px; align-items: center; flex-wrap: wrap; }
.wb-ros-open .wb-link { font-size: 0.8rem; overflow-wrap: anywhere; }
.wb-ros-questions li { margin: 0 0 6px; }
.wb-ros-moves { display: flex; flex-wrap: wrap; gap: 6px; margin: 8px 0; }
</style>"""


def _minutes_text(total: int) -> str:
    hours, minutes = divmod(int(total), 60)
    return f"{total} minutes ({hours} h {minutes:02d} min)" if hours else f"{total} minutes"


class StepMinutes(w.BoundedIntText):
    """A step's minutes in the list; ``step_id`` names the step."""

    step_id: str


class RunOfShow(Page):
    """The facilitator's run of show for one session (needs the facilitator's code)."""

    def __init__(self, store: Store, content, district, session, code: str):
        self.store, self.content, self.district, self.session, self.code = store, content, district, session, code
        self._key = f"run_of_show.{session.id}"
        saved = self._read_setting("minutes") or {}
        self.minutes = {}
        self.rows, self.row_text, self.go_buttons = {}, {}, {}
        list_children: list[w.Widget] = [html("<h2>The day</h2>")]
        part = None
        for s in retreat.STEPS:
            if s.part != part:
                part = s.part
                list_children.append(html(f"<p class='wb-ros-part'>{esc(part)}</p>"))
            box = StepMinutes(value=int(saved.get(s.id, s.minutes)), min=1, max=240, description="",
                              tooltip=f"Minutes for {s.title}", layout=w.Layout(width="4.6em"))
            box.step_id = s.id
            box.observe(self._minutes_changed, "value")
            self.minutes[s.id] = box
            text = html()
            go = w.Button(description="Go to this step", tooltip=f"Move the room to {s.title}",
                          layout=w.Layout(width="auto"))
            go.on_click(lambda _b, sid=s.id: self.go(sid))
            self.go_buttons[s.id] = go
            self.row_text[s.id] = text
            row = w.HBox([text, box, html("<span class='wb-muted'>min</span>"), go])
            row.add_class("wb-ros-row")
            text.add_class("wb-ros-what")
            self.rows[s.id] = row
            list_children.append(row)
        self.total = html()
        list_children.append(self.total)
        step_list = w.VBox(list_children)
        step_list.add_class("wb-ros-list")
        step_list.add_class("wb-card")

        self.notice = html()
        self.previous_button = w.Button(description="Previous", icon="arrow-left", layout=w.Layout(width="auto"))
        self.next_button = w.Button(description="Next", icon="arrow-right", button_style="primary",
                                    layout=w.Layout(width="auto"))
        self.previous_button.on_click(lambda _b: self.move(-1))
        self.next_button.on_click(lambda _b: self.move(+1))
        moves = w.HBox([self.previous_button, self.next_button])
        moves.add_class("wb-ros-moves")
        self.heading = html()
        self.live_count = html()
        self.clock = StepClock(idle="")
        self.opens = html()
        self.detail = html()
        self.follow_up = self._follow_up_box()
        now_card = w.VBox([self.heading, self.live_count, self.clock, moves, self.notice, self.opens, self.detail,
                           self.follow_up])
        now_card.add_class("wb-ros-now")
        now_card.add_class("wb-card")
        body = w.HBox([step_list, now_card])
        body.add_class("wb-ros")

        earlier = store.followed(session)
        follows = (f"<p class='wb-muted'>This session follows up {esc(earlier.label)} "
                   f"(held {earlier.held_on}).</p>" if earlier else "")
        self.step = store.current_step(session.id)
        self.live = Live(check=self._stamp, on_change=self._changed)
        super().__init__([html(CSS, layout=w.Layout(display="none")),
                          header(TITLE, LEDE, f"<p class='wb-muted'>{esc(district.name)} · {esc(session.label)}</p>"
                                 + follows),
                          body, self.live],
                         summary=f"{TITLE}: {district.name}, session {session.label!r}")
        self.add_class("wb-run-of-show")
        self.draw()

    # ---------------------------------------------------------------- settings kept with the session
    def _read_setting(self, name: str):
        try:
            raw = self.store.setting(f"{self._key}.{name}")
            return json.loads(raw) if raw else None
        except (WorkbookError, ValueError):
            return None

    def _write_setting(self, name: str, value) -> None:
        try:
            self.store.set_setting(f"{self._key}.{name}", json.dumps(value))
        except WorkbookError:  # the page keeps it; the next change tries again
            pass

    def _minutes_changed(self, _change) -> None:
        self._write_setting("minutes", {sid: box.value for sid, box in self.minutes.items()})
        self.draw()

    # ---------------------------------------------------------------- moving the room
    def _stamp(self):
        # the plan too: Step 2's line counts its action items
        return (self.store.session_stamp(self.session.id, plan=True), self.store.current_step(self.session.id))

    def _changed(self) -> None:
        stamp = self.live.stamp
        if isinstance(stamp, tuple) and stamp[1] != self.step:  # moved from another device
            self.step = stamp[1]
        self.draw()

    def go(self, step_id: str | None) -> None:
        """Move the room to ``step_id`` (None: back to before the start); refused moves are shown, nothing else."""
        try:
            self.session = self.store.set_current_step(self.session, self.code, step_id)
        except WorkbookError as exc:
            self.notice.value = message(str(exc)).value
            return
        self.notice.value = ""
        self.step = step_id
        self._write_setting("started", {"step": step_id, "at": time.time()})
        self.live.stamp = self._stamp()  # our own move: no second redraw at the next poll
        self.draw()

    def move(self, by: int) -> None:
        """Go to the previous (``by=-1``) or next (``+1``) step; from before the start, Next is the first step."""
        at = retreat.index(self.step)
        if at is None:
            target = 0 if by > 0 else None
        else:
            target = at + by
        if target is None or target < 0:
            return
        if target >= len(retreat.STEPS):
            return
        self.go(retreat.STEPS[target].id)

    # ---------------------------------------------------------------- drawing
    def _elapsed(self) -> float:
        started = self._read_setting("started")
        at = started.get("at") if isinstance(started, dict) else None
        if started and started.get("step") == self.step and isinstance(at, (int, float)):
            return max(0.0, time.time() - float(at))
        return 0.0

    def draw(self) -> None:
        """Redraw the list (current step highlighted, counts), the current step and the moves."""
        counts = retreat.progress(self.store, self.session, self.content)
        current = retreat.step(self.step)
        for i, s in enumerate(retreat.STEPS, start=1):
            finished, members = counts[s.id]
            tally = (f" <span class='wb-ros-count'>· {finished} of {members}</span>"
                     if finished is not None and members else "")
            here = s.id == self.step
            self.row_text[s.id].value = (f"<span class='wb-ros-num'>{i}.</span>"
                                         + (f"<strong>{esc(s.title)}</strong>" if here else esc(s.title))
                                         + (" <span class='wb-muted'>(now)</span>" if here else "") + tally)
            if here:
                self.rows[s.id].add_class("wb-ros-current")
            else:
                self.rows[s.id].remove_class("wb-ros-current")
            self.go_buttons[s.id].disabled = here
        total = sum(box.value for box in self.minutes.values())
        self.total.value = f"<p class='wb-muted'>The whole day: {_minutes_text(total)}.</p>"
        at = retreat.index(self.step)
        self.previous_button.disabled = at is None or at == 0
        self.next_button.disabled = at is not None and at == len(retreat.STEPS) - 1
        self.next_button.description = "Start: first step" if at is None else "Next"
        if current is None:
            self.heading.value = ("<h2>Not started</h2><p>Press <strong>Start: first step</strong> when the room is "
                                  "ready, or go to any step in the list.</p>")
            self.live_count.value = ""
            self.clock.stop()
            self.opens.value = self.detail.value = ""
            self.follow_up.layout.display = "none"
            return
        assert at is not None  # the step exists (current), so it has a place in the day
        number = at + 1
        self.heading.value = (f"<p class='wb-ros-part'>{esc(current.part)}</p>"
                              f"<h2>Step {number} of {len(retreat.STEPS)}: {esc(current.title)}</h2>")
        finished, members = counts[current.id]
        words = retreat.count_words(current, finished, members)
        if finished is None:  # the room's step: what the team has recorded so far instead
            words = retreat.record(self.store, self.session, self.content).get(current.id) or words
        self.live_count.value = (f"<p class='wb-ros-live' role='status' aria-live='polite'>{esc(words)}</p>")
        self.clock.start(self._elapsed(), self.minutes[current.id].value)
        self.opens.value = self._opens_html(current)
        self.detail.value = self._detail_html(current)
        self.follow_up.layout.display = None if current.id == retreat.STEPS[-1].id else "none"

    def _opens_html(self, s: retreat.Step) -> str:
        d, se = self.district, self.session
        parts = []
        if s.app:
            link = app_link(s.app, district=d.slug, session=se.id, code=se.join_code)
            parts.append(f"<h3>Members open {esc(retreat.APP_TITLES.get(s.app, s.app))}</h3>"
                         f"<div class='wb-ros-open'>{qr_svg(link, 3, border=2)}<div>Their link (the team's join "
                         f"code):<br><span class='wb-link'>{esc(link)}</span></div></div>")
        else:
            parts.append("<h3>Members open nothing new</h3><p>They look up at the projector and talk.</p>")
        if s.team_app:
            mine = app_link(s.team_app, district=d.slug, session=se.id, code=se.facilitator_code)
            parts.append(f"<p class='wb-muted'>Your page for this step: <a href='{esc(mine)}' target='_blank' "
                         f"rel='noopener'>{esc(retreat.APP_TITLES.get(s.team_app, s.team_app))}</a> "
                         "(facilitator's link: keep it to yourself).</p>")
        return "".join(parts)

    def _detail_html(self, s: retreat.Step) -> str:
        out = [f"<h3>What members do</h3><p>{esc(s.does)}</p>"]
        told = retreat.instructions(self.content, s)
        if told:
            out.append("<h3>What the guide says</h3>" + "".join(
                f"<p>{esc((label + ' ') if label else '')}{esc(text)}</p>" for _ref, label, text in told))
        qs = retreat.questions(self.content, s)
        if qs:
            items = "".join(f"<li>{('<strong>' + esc(label) + '</strong> ') if label else ''}{esc(text)}</li>"
                            for _ref, label, text in qs)
            out.append(f"<h3>What the room discusses</h3><ol class='wb-ros-questions'>{items}</ol>")
        return "".join(out)

    # ---------------------------------------------------------------- the follow-up session
    def _follow_up_box(self) -> w.VBox:
        self.follow_label = w.Text(value=f"{self.session.label}: follow-up", description="Label",
                                   layout=w.Layout(width="100%", max_width="32em"))
        self.follow_date = w.DatePicker(value=dt.date.today() + dt.timedelta(days=FOLLOW_UP_DAYS),
                                        description="Date")
        self.follow_button = w.Button(description="Start the follow-up session", button_style="success",
                                      layout=w.Layout(width="auto"))
        self.follow_button.on_click(lambda _b: self.start_follow_up())
        self.follow_out = html()
        box = w.VBox([html("<h3>Look again</h3><p>Set the date the team looks again: the follow-up session starts "
                           "from this one (its agreed marks and plan), with new links.</p>"),
                      self.follow_label, self.follow_date, self.follow_button, self.follow_out])
        box.layout.display = "none"
        return box

    def start_follow_up(self):
        """Create the follow-up session (label and date from the boxes) and show its links; the new session."""
        try:
            new = self.store.create_session(self.district.slug, self.follow_label.value, self.follow_date.value,
                                            follows=self.session.id)
        except WorkbookError as exc:
            self.follow_out.value = message(str(exc)).value
            return None
        links = session_links(self.district.slug, new)
        join = links["members"][0][1]
        members = "".join(f"<li>{esc(name)}: <span class='wb-link'>{esc(url)}</span></li>"
                          for name, url in links["members"])
        facilitator = "".join(f"<li><a href='{esc(url)}' target='_blank' rel='noopener'>{esc(name)}</a></li>"
                              for name, url in links["facilitator"])
        self.follow_out.value = (
            f"<div class='wb-ok' role='status'>Session {esc(new.label)} is ready for {esc(str(new.held_on))}.</div>"
            f"<h4>Team members (share with the team)</h4><div class='wb-ros-open'>{qr_svg(join, 3, border=2)}"
            f"<ul>{members}</ul></div><h4>Facilitator only (keep private)</h4><ul>{facilitator}</ul>")
        self.follow_button.disabled = True
        return new


def run_of_show(store: Store | None = None, params: dict | None = None, content=None) -> Page:
    """The facilitator's run of show (needs the facilitator's code)."""
    return open_app(TITLE, lambda s, c, d, se, _m, fac: RunOfShow(s, c, d, se, fac), store, params, content,
                    facilitator=True)
