"""Shared fixtures of the autograder tests: a course graded from the fixture submissions."""
import os
import shutil
from types import SimpleNamespace

import pytest

os.environ.setdefault("COURSE_OFFLINE", "1")
os.environ["MPLBACKEND"] = "Agg"

from autograder import collect, demo, export, feedback, grading  # noqa: E402

from grading_support import ASSIGNMENT, checksums, tree  # noqa: E402


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory):
    """The fixture submissions imported, autograded, fed back and exported, like ``make grade``."""
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed (make install installs it)")
    root = tmp_path_factory.mktemp("term")
    course = demo.new_course(root / "course")
    (root / "outside").mkdir()
    (root / "outside" / "instructor-notes.txt").write_text("not for students")
    before = tree(root, skip=course)
    course_before = checksums(course)
    nb_name = grading.notebook_name(course, ASSIGNMENT)
    report = collect.import_submissions(course, ASSIGNMENT, nb_name, demo.FIXTURES / "submissions")
    records = grading.autograde(course, ASSIGNMENT, demo.fixture_options(), progress=False)
    pages = feedback.generate(course, ASSIGNMENT, nb_name)
    return SimpleNamespace(root=root, course=course, nb_name=nb_name, report=report, records=records,
                           pages=pages, before=before, course_before=course_before, csv=export.write_csv(course, ASSIGNMENT, nb_name),
                           summary=export.summary(course, ASSIGNMENT, nb_name))


@pytest.fixture
def course(tmp_path):
    """A fresh, empty course (config, source, release)."""
    return demo.new_course(tmp_path / "course")
