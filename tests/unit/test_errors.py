"""The workbook's errors survive the trip between processes (reports run in workers): same message, same fields."""

from __future__ import annotations

import inspect
import pickle

import pytest

from workbook.content import errors

SAMPLES = {
    errors.ContentError: errors.ContentError("data/spectra.json", "is missing", entry="pace", field="left"),
    errors.ImportRejected: errors.ImportRejected("marks.csv", ["row 2: rating 7 is above 5", "row 3: no name"]),
    errors.ReportError: errors.ReportError("example-usd", 3, "session 3 does not belong to this district"),
    errors.NotFound: errors.NotFound("No district 'nowhere'."),
    errors.AccessDenied: errors.AccessDenied("That code does not open this session."),
    errors.InvalidInput: errors.InvalidInput("rating 7 is above 5"),
    errors.StoreUnavailable: errors.StoreUnavailable("the database cannot be reached"),
    errors.TemplateError: errors.TemplateError("the kernel template stopped"),
    errors.WorkbookError: errors.WorkbookError("something"),
}


def test_every_error_class_has_a_sample():
    classes = {c for _n, c in inspect.getmembers(errors, inspect.isclass) if issubclass(c, errors.WorkbookError)}
    assert classes == set(SAMPLES)


@pytest.mark.parametrize("cls", list(SAMPLES), ids=lambda c: c.__name__)
def test_round_trip_through_pickle_keeps_message_and_fields(cls):
    error = SAMPLES[cls]
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is cls and str(back) == str(error)
    fields = {k: v for k, v in vars(error).items() if not k.startswith("_")}
    assert {k: getattr(back, k) for k in fields} == fields


def test_fields_say_what_and_where():
    report = SAMPLES[errors.ReportError]
    assert (report.district, report.session, report.problem) == ("example-usd", 3, SAMPLES[errors.ReportError].problem)
    assert str(report) == "District report for 'example-usd' (session 3): session 3 does not belong to this district"
    assert "latest session" in str(errors.ReportError("x", None, "no sessions"))
    content = SAMPLES[errors.ContentError]
    assert str(content) == "data/spectra.json, entry pace, field left: is missing"
    rejected = SAMPLES[errors.ImportRejected]
    assert rejected.problems == ["row 2: rating 7 is above 5", "row 3: no name"] and "2 problem(s)" in str(rejected)
