"""The run of show in a browser: the facilitator moves the room and the projector follows, no click there."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import fresh_server
from tests.browser.layout import SIZES, check_layout


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    yield from fresh_server(tmp_path_factory, "run-of-show")


def test_the_projector_follows_the_run_of_show(room, chromium):
    from workbook.content import retreat
    from workbook.content.frameworks import load_content

    content = load_content()
    facilitator = chromium.new_context(viewport={"width": 1280, "height": 800}).new_page()
    projector = chromium.new_context(viewport={"width": 1280, "height": 720}).new_page()
    for pg in (facilitator, projector):
        pg.set_default_timeout(60_000)
    try:
        facilitator.goto(room.facilitator_link("run_of_show.ipynb"))
        facilitator.get_by_role("heading", name="Run of show", level=1).wait_for(timeout=90_000)
        projector.goto(room.facilitator_link("presenter.ipynb"))
        projector.locator(".wb-count strong").wait_for(timeout=90_000)

        facilitator.get_by_role("button", name=re.compile("Start: first step")).click()
        facilitator.get_by_role("heading", name="Step 1 of 14: Driving values").wait_for()
        for _ in range(4):  # on to "What do you notice?", the fifth step
            facilitator.get_by_role("button", name=re.compile(r"^\W*Next$")).click()
            facilitator.wait_for_timeout(300)
        notice = retreat.BY_ID["notice"]
        facilitator.get_by_role("heading", name=f"Step 5 of 14: {notice.title}").wait_for()
        assert "8 of 8" not in facilitator.inner_text(".wb-ros-live")  # nobody in the demo answered Q1 yet
        # the projector, untouched, shows the step and the guide's own question within a few seconds
        p1 = content.guides.guide_2.section("pathway").questions[0].text
        projector.get_by_role("heading", name=notice.title).wait_for(timeout=10_000)
        assert p1 in projector.inner_text(".wb-step-panel")
        check_layout(projector, "presenter-step", above_the_fold=".js-plotly-plot",
                     sizes={"1280x720": (1280, 720), "1920x1080": (1920, 1080)}, docs=False)
        check_layout(facilitator, "run_of_show", sizes=SIZES)

        # a step with many questions (the layers') still fits the projector's layout
        facilitator.get_by_role("button", name="Go to this step").nth(
            [s.id for s in retreat.STEPS].index("layer_questions")).click()
        projector.get_by_role("heading", name=retreat.BY_ID["layer_questions"].title).wait_for(timeout=10_000)
        check_layout(projector, "presenter-layers", sizes={"1280x720": (1280, 720), "1920x1080": (1920, 1080)},
                     docs=False)
    finally:
        facilitator.context.close()
        projector.context.close()
