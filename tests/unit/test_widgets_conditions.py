"""Step 1 as the guide runs it: the team answers the guide's questions a-c together."""

from __future__ import annotations

from workbook.demo import seed_demo
from workbook.widgets.conditions import ConditionsTeam, conditions_for_scale


def test_the_team_answers_step_1s_questions_a_to_c(store, content):
    codes = seed_demo(store)
    params = {"district": codes["district"], "session": str(codes["session"]), "code": codes["facilitator"]}
    page = conditions_for_scale(store, params)
    assert isinstance(page, ConditionsTeam), repr(page)
    labels = [box.children[0].value for box in page.step1_answers]
    assert len(labels) == len(content.framework.step1.questions) == 3
    assert labels[0].startswith("<label><strong>a. What do you notice?")
    assert "low-hanging fruit" in labels[2]
    page.step1_answers[1].children[1].value = "Closer than we thought, apart on talent."
    assert store.note(codes["session"], "step1.qb") == "Closer than we thought, apart on talent."
    again = conditions_for_scale(store, params)
    assert again.step1_answers[1].children[1].value == "Closer than we thought, apart on talent."
