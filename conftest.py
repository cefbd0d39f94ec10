"""Set-up that tests in several folders share: the course's reference submissions graded once."""
from types import SimpleNamespace

import pytest


@pytest.fixture(scope="session")
def reference_class(tmp_path_factory):
    """A scratch course where every assignment's solution and blank release (the students ``solution`` and
    ``release``) were graded in one run of the class's grader, as ``make course`` grades them; with the
    Check of each, by (assignment, student)."""
    from authoring import ROOT, build

    course = tmp_path_factory.mktemp("reference-class") / "course"
    checks = build.grade_reference_submissions(ROOT, course)
    return SimpleNamespace(course=course, checks={(c.assignment, c.student): c for c in checks})
