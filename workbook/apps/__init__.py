"""The apps: one module per notebook in ``notebooks/``, of the same name.

Each module builds its page from the link's parameters (``?district=&session=&code=``) with the
reusable parts of :mod:`workbook.widgets`, the computations of :mod:`workbook.analysis`, the
charts of :mod:`workbook.charts` and the words of :mod:`workbook.html`. Apps do not import each
other; what two apps share lives in one of those lower layers.

========================  =============================================================
``charting_your_path``    a member marks now and aspiration on the seven spectra (RG2)
``team_pathways``         the team's pathways, agreement, roles, the survey (RG2)
``laying_the_foundation`` the team's answers to Reflection Guide 1
``conditions_for_scale``  Step 1: members mark the sixteen conditions; the team view
``action_planning``       Step 2: the action plan for the priorities
``run_of_show``           the facilitator carries the room through the day, step by step
``presenter``             the projector's view of a session (follows the run of show)
``network_overview``      the coach's view across districts
``framework_explorer``    the two frameworks' text, to read
========================  =============================================================
"""
