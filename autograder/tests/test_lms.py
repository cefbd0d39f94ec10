"""Grades into the LMS: Canvas's and Moodle's import layouts, matched through a roster, with late submissions
flagged against a due date. The gradebook is nbgrader's, filled through its API as autograde and formgrader
fill it (the whole path, from a real grading run and formgrader, is in tests/test_formgrader.py)."""
import csv
from datetime import datetime

import pytest
from nbgrader.api import Gradebook

from autograder.engine.nbgrader_cli import gradebook_url
from autograder.results import lms

pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")  # nbgrader's API, as in grading.py

# Canvas's own gradebook export, as an instructor downloads it: the points row, then the students.
ROSTER = """Student,ID,SIS User ID,SIS Login ID,Section,01_elbo (1201)
    Points Possible,,,,,
"Lovelace, Ada",101,S-1,ada,Mon lab,
"Okafor, Bo",102,S-2,BO,Tue lab,
"Chen, Cy",103,S-3,cy,Tue lab,
"""


def assignment(gradebook, name, due=None):
    """An assignment of one notebook: a test worth 2 points and a written answer worth 3."""
    gradebook.add_assignment(name, duedate=due)
    gradebook.add_notebook("nb", name)
    gradebook.add_grade_cell("test_answer", "nb", name, max_score=2, cell_type="code")
    gradebook.add_solution_cell("answer", "nb", name)
    gradebook.add_grade_cell("q_written", "nb", name, max_score=3, cell_type="markdown")
    gradebook.add_solution_cell("q_written", "nb", name)


def submit(gradebook, name, student, when, test=None, written=None, override=None):
    """A submission as autograde saves it (the test's score), then as a TA grades it in formgrader."""
    gradebook.update_or_create_student(student)
    gradebook.add_submission(name, student, timestamp=when)
    grades = {g.name: g for g in gradebook.find_submission_notebook("nb", name, student).grades}
    grades["test_answer"].auto_score = test
    grades["test_answer"].needs_manual_grade = False
    grades["test_answer"].manual_score = override
    grades["q_written"].manual_score = written
    grades["q_written"].needs_manual_grade = written is None
    gradebook.db.commit()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("lms")
    with Gradebook(gradebook_url(tmp_path)) as gradebook:
        assignment(gradebook, "01_elbo")
        assignment(gradebook, "02_naive_bayes")
        assignment(gradebook, "03_sbn")  # nothing submitted yet: no column
        submit(gradebook, "01_elbo", "ada", datetime(2026, 10, 1, 12), test=2, written=3)
        submit(gradebook, "01_elbo", "bo", datetime(2026, 10, 3, 9, 30), test=0, written=1.5, override=1)
        submit(gradebook, "01_elbo", "zed", datetime(2026, 10, 1, 8), test=2)  # not on the roster
        submit(gradebook, "02_naive_bayes", "ada", datetime(2026, 10, 20), test=2, written=2)
    (tmp_path / "roster.csv").write_text(ROSTER)
    return tmp_path


def read(path):
    with open(path, newline="") as handle:
        return list(csv.reader(handle))


def test_canvas_layout_roster_order_points_row_and_unmatched_students(graded):
    roster = lms.read_roster(graded / "roster.csv", "SIS Login ID")
    done = lms.write(graded, roster)
    rows = read(graded / "grading" / "lms" / "canvas.csv")
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "01_elbo", "02_naive_bayes"]
    assert rows[1] == ["    Points Possible", "", "", "", "", "5", "5"]
    assert rows[2] == ["Lovelace, Ada", "101", "S-1", "ada", "Mon lab", "5", "4"]
    assert rows[3] == ["Okafor, Bo", "102", "S-2", "BO", "Tue lab", "2.5", ""]  # the override counts, not the 0
    assert rows[4] == ["Chen, Cy", "103", "S-3", "cy", "Tue lab", "", ""]  # on the roster, nothing sent
    assert rows[5] == ["zed", "", "", "", "", "2", ""]  # not on the roster: listed, not dropped
    assert len(rows) == 6
    assert done.not_on_roster == ["zed"]
    assert done.no_submission == {"01_elbo": ["cy"], "02_naive_bayes": ["bo", "cy"]}
    assert done.to_grade == {"01_elbo": ["zed"], "02_naive_bayes": []}


def test_moodle_layout_has_an_identifier_and_a_grade_per_assignment(graded):
    lms.write(graded, lms.read_roster(graded / "roster.csv", "SIS Login ID"))
    rows = read(graded / "grading" / "lms" / "moodle.csv")
    assert rows == [["SIS Login ID", "01_elbo", "02_naive_bayes"], ["ada", "5", "4"], ["BO", "2.5", ""],
                    ["cy", "", ""], ["zed", "2", ""]]


def test_late_submissions_are_flagged_against_the_due_date(graded):
    roster = lms.read_roster(graded / "roster.csv", "SIS Login ID")
    assert lms.write(graded, roster).late == {"01_elbo": {}, "02_naive_bayes": {}}  # no due date, nobody late
    lms.set_due_date(graded, "01_elbo", lms.parse_due("2026-10-02 23:59 Europe/Amsterdam"))  # 21:59 UTC
    done = lms.write(graded, roster)
    assert done.late["01_elbo"] == {"bo": pytest.approx(11.5 * 3600 + 60)}
    assert "01_elbo: late: bo (11.5 h late)" in done.lines()
    assert any(line.startswith("not on the roster") and "zed" in line for line in done.lines())


def test_without_a_roster_every_student_is_listed_by_id(graded):
    lms.write(graded, lms.Roster(lms.DEFAULT_ID_COLUMN, {}))
    rows = read(graded / "grading" / "lms" / "moodle.csv")
    assert [row[0] for row in rows] == ["student_id", "ada", "bo", "zed"]


def test_a_roster_without_the_id_column_or_with_repeated_ids_is_refused(graded):
    with pytest.raises(ValueError, match="no column 'student_id'.*--roster-id"):
        lms.read_roster(graded / "roster.csv")
    (graded / "twice.csv").write_text("student_id,Section\nada,1\nADA,2\n")
    with pytest.raises(ValueError, match="more than once: ada"):
        lms.read_roster(graded / "twice.csv")
    with pytest.raises(ValueError, match="is not a date and time"):
        lms.parse_due("next friday")
