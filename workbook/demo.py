"""Fictional demo data, clearly marked as synthetic.

``seed_demo`` makes one district team (eight members in several roles) so the apps
show something real on first start; ``seed_network`` makes a network of many fictional
districts for the coach's views and for scale tests. No real district or person from
the source documents is ever given invented answers.
"""

from __future__ import annotations

import datetime as dt
import random

from .content.frameworks import SPECTRUM_IDS, load_content
from .store import Store

DEMO_SLUG = "example-usd"
DEMO_NAME = "Example Unified School District (fictional)"
DEMO_MEMBERS = [
    ("Avery Example", "Superintendent"),
    ("Blake Sample", "Central-office leader"),
    ("Casey Placeholder", "Central-office leader"),
    ("Devon Fictive", "Principal / school leader"),
    ("Emery Madeup", "Principal / school leader"),
    ("Finley Demo", "Teacher leader"),
    ("Gray Imaginary", "Teacher leader"),
    ("Harper Invented", "Board member"),
]
# a plausible shape for the demo team: where it leans now, where it wants to go
_NOW = {"locus_of_control": 2.0, "pace": 3.5, "resource_allocation": 3.0, "cultivating_capacity": 2.5,
        "strategic_flexibility": 2.5, "comprehensiveness": 2.0, "sharing_learning": 1.5}
_ASP = {"locus_of_control": 3.0, "pace": 3.0, "resource_allocation": 2.5, "cultivating_capacity": 4.0,
        "strategic_flexibility": 4.0, "comprehensiveness": 3.0, "sharing_learning": 3.5}
_ROLE_SHIFT = {"Superintendent": -0.5, "Central-office leader": -0.5, "Principal / school leader": 0.5,
               "Teacher leader": 1.0, "Board member": 0.0}
_NOTES = [
    {"rg2.p1": "We lean central on most things; sharing failures is where we are least comfortable.",
     "rg2.p3": "The widest gap is in how we share learning: principals want room to talk about what did not work."},
    {"rg2.p1": "Surprised how far apart we are on pace. Board pressure pushes us to move faster than schools can.",
     "rg2.p3": "Cultivating capacity: we buy most PD today and want to build our own coaches over three years."},
]


DEMO_ENGAGED = 37.5
"""The demo district's share of schools engaged in its personalized learning work: 9 of its 24 schools."""


def engaged_share(years_scaling: float, schools: int, rng: random.Random) -> float:
    """A plausible share of a fictional system's schools engaged (0-100): it grows with the years scaling.

    A whole number of the system's schools: a system just starting has a few engaged (up to about a quarter,
    as the survey's "early in the process of scaling (10–25% of schools engaged)"), one scaling five years or
    more most of them.
    """
    steps = ((5, 0.50, 1.0), (3, 0.30, 0.80), (2, 0.20, 0.60), (1, 0.10, 0.40), (0, 0.03, 0.25))
    low, high = next((lo, hi) for least, lo, hi in steps if (years_scaling or 0) >= least)
    engaged = max(1, min(schools, round(schools * rng.uniform(low, high))))
    return round(100 * engaged / schools, 1)


def _half(x: float) -> float:
    return min(5.0, max(1.0, round(x * 2) / 2))


def seed_demo(store: Store, seed: int = 7) -> dict:
    """Create the fictional demo district with one session and eight members; returns its links' codes."""
    rng = random.Random(seed)
    store.create_district(DEMO_SLUG, DEMO_NAME, "district", schools=24, urbanicity="suburban", frl_percent=58,
                          years_scaling=2, engaged_percent=DEMO_ENGAGED, synthetic=True)
    session = store.create_session(DEMO_SLUG, "Fall retreat (demo)", dt.date(2026, 10, 15), min_group_size=5)
    content = load_content()
    for i, (name, role) in enumerate(DEMO_MEMBERS):
        member = store.add_respondent(session.id, name, role)
        shift = _ROLE_SHIFT.get(role, 0.0)
        for sid in SPECTRUM_IDS:
            store.save_spectrum_mark(member, sid, "current", _half(_NOW[sid] + shift + rng.choice([-0.5, 0, 0, 0.5])))
            store.save_spectrum_mark(member, sid, "aspiration", _half(_ASP[sid] + rng.choice([-1, -0.5, 0, 0.5])))
        if i < len(_NOTES):
            for qid, text in _NOTES[i].items():
                store.save_note(session.id, qid, text, member)
        seed_conditions_for(store, content, member, rng)
    seed_plan(store, content, session)
    return {"district": DEMO_SLUG, "session": session.id, "code": session.join_code,
            "facilitator": session.facilitator_code}


def seed_plan(store: Store, content, session) -> None:
    """The fictional team's agreed answers: desired outcomes, one planned priority with actions."""
    from . import analysis

    code = session.facilitator_code
    for i, text in enumerate(["Every student sets and tracks weekly learning goals with a teacher.",
                              "Teachers use shared data routines to regroup students every two weeks."], start=1):
        store.save_outcome(session.id, i, text)
    store.save_note(session.id, "rg1.dv1", "Equity of access, student agency and learning from what does not work.")
    cmarks = store.condition_marks(session.id).rename(columns={"respondent_id": "member"})
    ids = [c.id for c in content.conditions]
    layer_of = {c.id: layer.id for layer in content.framework.layers for c in layer.conditions}
    top = analysis.top_priorities(analysis.condition_summary(cmarks, ids, layer_of), 3)
    if not top:
        return
    store.set_plan_areas(session, code, top)
    first = top[0]
    store.save_note(session.id, f"plan.{first}.end_state", "Every school has a shared, funded plan for this area.")
    store.save_note(session.id, f"plan.{first}.challenge1", "Uneven starting points across schools.")
    store.save_note(session.id, f"plan.{first}.challenge1_data", "Walkthroughs: 9 of 24 schools 'on our way'.")
    for horizon, text, when, who in (("short", "Map what each school already does", "by March", "Curriculum office"),
                                     ("medium", "Pilot two coaching cycles", "this school year", "Two principals"),
                                     ("long", "Fold the pilots into the district plan", "next year", "Superintendent")):
        store.add_action_item(session, code, first, horizon, text, when, who)


def seed_conditions_for(store: Store, content, member, rng: random.Random) -> None:
    """Fictional Step 1 ratings and three priorities for one member."""
    save = store.save_condition_rating
    ids = [c.id for c in content.conditions]
    for cid in ids:
        save(member, cid, float(rng.choice([1, 2, 2, 3, 3, 3, 4, 4, 5])))
    for cid in rng.sample(ids[:8], 3):
        store.save_priority(member, cid, True)


def seed_network(store: Store, districts: int = 20, members: int = 8, sessions: int = 2, seed: int = 11) -> int:
    """A fictional network: ``districts`` x ``members`` x ``sessions``, bulk-inserted. Returns districts made."""
    rng = random.Random(seed)
    shares = random.Random(seed + 1)  # its own stream: every other draw stays what it was before shares were made
    kinds = ["district"] * 7 + ["cmo", "cmo", "private"]
    urban = ["urban", "suburban", "rural", "mixed"]
    roles = ["Superintendent", "Central-office leader", "Principal / school leader", "Teacher leader", "Board member"]
    existing = {d.slug for d in store.districts()}
    made = []
    for i in range(districts):
        slug = f"network-{i + 1:04d}"
        if slug in existing:
            continue
        lean = {s: rng.uniform(1.5, 4.5) for s in SPECTRUM_IDS}
        district = {"slug": slug, "name": f"Fictional District {i + 1:04d}", "kind": rng.choice(kinds),
                    "schools": rng.choice([3, 8, 15, 30, 60, 120]), "urbanicity": rng.choice(urban),
                    "frl_percent": round(rng.uniform(5, 95)), "years_scaling": rng.choice([0, 1, 2, 3, 5]),
                    "synthetic": True, "sessions": []}
        district["engaged_percent"] = engaged_share(district["years_scaling"], district["schools"], shares)
        for k in range(sessions):
            people: list[dict[str, object]] = [{"name": f"Member {m + 1}", "role": rng.choice(roles)}
                                               for m in range(members)]
            for person in people:
                person["marks"] = {s: (_half(lean[s] + 0.3 * k + rng.gauss(0, 0.6)),
                                       _half(lean[s] + 0.8 + rng.gauss(0, 0.6))) for s in SPECTRUM_IDS}
            district["sessions"].append({"label": f"Round {k + 1}",
                                         "held_on": dt.date(2025, 9, 1) + dt.timedelta(days=120 * k),
                                         "min_group_size": 5, "show_authors": False, "members": people})
        made.append(district)
    return store.add_districts_in_bulk(made)


def is_empty(store: Store) -> bool:
    """True when the store has no district yet."""
    return store.count_districts() == 0
