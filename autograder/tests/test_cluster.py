"""Grading on a Dask cluster started by hand: dead workers, a worker that cannot sandbox, nothing left behind
(the fixture batch graded there is checked against the golden file in test_fixture_submissions)."""
import re

from nbgrader.api import Gradebook

from autograder.engine import grading
from autograder.engine.nbgrader_cli import gradebook_url
from autograder.results import records
from grading_support import ASSIGNMENT, WORKER_KILLER


def test_a_killed_worker_has_its_notebook_graded_once_on_another(graded_class):
    assert [student for student, _ in graded_class.killed].count("correct") == 1
    stored = records.load_all(graded_class.course, ASSIGNMENT)
    assert (stored["correct"].status, stored["correct"].score, stored["correct"].messages) == ("graded", 27, [])
    assert sorted(r.student for r in graded_class.records) == sorted(stored)  # each recorded once
    with Gradebook(gradebook_url(graded_class.course)) as gradebook:
        students = [s.student.id for s in gradebook.assignment_submissions(ASSIGNMENT)]
        assert sorted(students) == sorted(stored)
        assert gradebook.find_submission(ASSIGNMENT, "correct").code_score == 27


def test_a_notebook_whose_worker_dies_twice_gets_zero_and_a_message(graded_class):
    assert [student for student, _ in graded_class.killed].count(WORKER_KILLER) == 2
    record = records.load(graded_class.course, ASSIGNMENT, WORKER_KILLER)
    assert (record.status, record.score, record.messages) == ("failed", 0, [grading.KILLED])
    assert record.notes == [grading.KILLED]


def test_a_worker_that_cannot_sandbox_says_why_in_one_line_and_grades_nothing(graded_class):
    lines = [line for line in graded_class.printed.splitlines() if "refuses to grade" in line]
    assert len(lines) == 1 and "bubblewrap (bwrap) is not installed" in lines[0], graded_class.printed
    refusing = re.search(r"worker (\S+) refuses", lines[0]).group(1)
    logs = (graded_class.course / "grading" / ASSIGNMENT / "logs").glob("*.log")
    graded_on = {re.search(r"grader: on worker (\S+):", log.read_text()).group(1) for log in logs
                 if "grader: on worker" in log.read_text()}
    assert len(graded_on) >= 3 and refusing not in graded_on  # two workers and the restarted ones


def test_no_kernel_or_student_group_outlives_the_run(graded_class):
    assert graded_class.during == [] and graded_class.groups == []
    assert graded_class.left == []  # the cluster too, once closed
