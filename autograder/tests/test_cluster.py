"""Grading on a Dask cluster started by hand: dead workers, a worker that cannot sandbox, nothing left behind
(the batch itself is checked against the golden file in test_fixture_submissions)."""
import re

from nbgrader.api import Gradebook

from autograder import grading, records
from autograder.nbgrader_cli import gradebook_url
from conftest import WORKER_KILLER
from grading_support import ASSIGNMENT


def test_a_killed_worker_has_its_notebook_graded_once_on_another(cluster_class):
    assert [student for student, _ in cluster_class.killed].count("correct") == 1
    stored = records.load_all(cluster_class.course, ASSIGNMENT)
    assert (stored["correct"].status, stored["correct"].score, stored["correct"].messages) == ("graded", 27, [])
    assert sorted(r.student for r in cluster_class.records) == sorted(stored)  # each recorded once
    with Gradebook(gradebook_url(cluster_class.course)) as gradebook:
        students = [s.student.id for s in gradebook.assignment_submissions(ASSIGNMENT)]
        assert sorted(students) == sorted(stored)
        assert gradebook.find_submission(ASSIGNMENT, "correct").code_score == 27


def test_a_notebook_whose_worker_dies_twice_gets_zero_and_a_message(cluster_class):
    assert [student for student, _ in cluster_class.killed].count(WORKER_KILLER) == 2
    record = records.load(cluster_class.course, ASSIGNMENT, WORKER_KILLER)
    assert (record.status, record.score, record.messages) == ("failed", 0, [grading.KILLED])
    assert record.notes == [grading.KILLED]


def test_a_worker_that_cannot_sandbox_says_why_in_one_line_and_grades_nothing(cluster_class):
    lines = [line for line in cluster_class.printed.splitlines() if "refuses to grade" in line]
    assert len(lines) == 1 and "bubblewrap (bwrap) is not installed" in lines[0], cluster_class.printed
    refusing = re.search(r"worker (\S+) refuses", lines[0]).group(1)
    logs = (cluster_class.course / "grading" / ASSIGNMENT / "logs").glob("*.log")
    graded_on = {re.search(r"grader: on worker (\S+):", log.read_text()).group(1) for log in logs
                 if "grader: on worker" in log.read_text()}
    assert len(graded_on) >= 3 and refusing not in graded_on  # two workers and the restarted ones


def test_no_kernel_or_student_group_outlives_the_run(cluster_class, graded_class):
    assert cluster_class.during == [] and cluster_class.groups == []
    assert cluster_class.after == []
    assert graded_class.left == [] and graded_class.groups == []
