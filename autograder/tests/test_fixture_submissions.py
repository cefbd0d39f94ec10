"""Every fixture submission through the real pipeline, on a cluster started by hand with workers killed part
way, against the golden file expected.json."""
import csv
import html
import json
import os
import re

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder import demo
from autograder.engine.nbgrader_cli import gradebook_url
from autograder.results import records
from autograder.results.notebook_report import hidden_lines
from coursemodel.cells import split_hidden
from grading_support import ASSIGNMENT, WORKER_KILLER, checksums, tree

GOLDEN = demo.expected()
SOURCE = nbformat.read(demo.ROOT / "source" / ASSIGNMENT / "elbo.ipynb", as_version=4)
VISIBLE = {line.strip() for cell in SOURCE.cells for line in split_hidden(cell.source)[0].splitlines()}
VISIBLE_TEXT = "\n".join(VISIBLE)
HIDDEN = {line for line in set().union(*(hidden_lines(cell.source) for cell in SOURCE.cells))
          if line not in VISIBLE_TEXT}  # a line students see, or a part of one, is no leak


def page_text(path):
    """The visible text of an HTML page (code is split into highlighted spans)."""
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text()))


STUDENTS = sorted([*GOLDEN["submissions"], WORKER_KILLER])  # the golden fixtures, and one whose worker dies


@pytest.mark.parametrize("student", sorted(GOLDEN["submissions"]))
def test_outcome_matches_golden_file(graded_class, student):
    problems = [p for p in demo.mismatches(graded_class.course) if p.split(":")[0] == student]
    assert not problems, problems


@pytest.mark.parametrize("attack, control", sorted(GOLDEN["controls"].items()))
def test_an_attack_scores_no_more_than_its_plain_control(graded_class, attack, control):
    stored = records.load_all(graded_class.course, ASSIGNMENT)
    assert stored[attack].status == stored[control].status == "graded"
    assert stored[attack].score <= stored[control].score, (stored[attack].messages, stored[control].messages)


def test_import_refuses_unsafe_ids_and_skips_other_files(graded_class):
    report = graded_class.report
    assert sorted(report.imported) == STUDENTS
    for name in GOLDEN["import"]["refused"]:
        assert any(line.startswith(name) for line in report.refused), report.refused
    for name in GOLDEN["import"]["skipped"]:
        assert any(line.startswith(name) for line in report.notes), report.notes


def test_every_submission_is_recorded_and_in_the_gradebook_once(graded_class):
    stored = records.load_all(graded_class.course, ASSIGNMENT)
    assert sorted(stored) == STUDENTS
    with Gradebook(gradebook_url(graded_class.course)) as gradebook:
        submissions = gradebook.assignment_submissions(ASSIGNMENT)
        students = sorted(s.student.id for s in submissions)
        assert students == STUDENTS
        for submission in submissions:
            assert submission.code_score == stored[submission.student.id].score


@pytest.mark.parametrize("student", sorted(GOLDEN["submissions"]))
def test_feedback_exists_and_never_shows_hidden_tests(graded_class, student):
    page = graded_class.course / "feedback" / student / ASSIGNMENT / "elbo.html"
    text = page_text(page)
    assert len(HIDDEN) > 50
    leaked = [line for line in HIDDEN if line in text]
    assert not leaked, leaked[:3]
    for note in records.load(graded_class.course, ASSIGNMENT, student).notes:
        assert note[:30] in text  # the autograder's notes reach the student


def test_feedback_shows_outcomes_and_points(graded_class):
    text = page_text(graded_class.course / "feedback" / "partial" / ASSIGNMENT / "elbo.html")
    assert "Test test_logsumexp: 3 / 3 points" in text
    assert "Test test_log_normal_diag: 0 / 2 points" in text
    assert "hidden checks: not run" in text
    assert "def logsumexp(a, axis=-1):" in text  # the student's own code
    failed = (graded_class.course / "feedback" / "invalid-json" / ASSIGNMENT / "elbo.html").read_text()
    assert "could not be graded" in failed and "not valid JSON" in failed


def test_the_leak_attempt_really_printed_hidden_tests_before_redaction(graded_class):
    autograded = (graded_class.course / "autograded" / "leak-hidden" / ASSIGNMENT / "elbo.ipynb").read_text()
    assert any(json.dumps(line)[1:-1] in autograded for line in HIDDEN)


def test_hostile_code_could_not_read_or_write_outside_its_copy(graded_class):
    autograded = graded_class.course / "autograded"
    read = nbformat.read(autograded / "read-source" / ASSIGNMENT / "elbo.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for cell in read.cells for o in cell.get("outputs", []))
    assert "could not read ../../../gradebook.db" in printed and "LEAK:" not in printed
    assert not [p for p in graded_class.root.rglob("ESCAPED.txt")]
    assert tree(graded_class.root, skip=graded_class.course) == graded_class.before


def test_the_whole_batch_changed_nothing_but_the_graders_own_outputs(graded_class):
    assert checksums(graded_class.course) == graded_class.course_before


def test_autograded_and_feedback_hold_only_what_the_grader_writes(graded_class):
    for student in GOLDEN["submissions"]:
        for folder, allowed in [("autograded", {"elbo.ipynb", "timestamp.txt"}), ("feedback", {"elbo.html"})]:
            path = graded_class.course / folder / student / ASSIGNMENT
            found = {p.name for p in path.iterdir()} if path.exists() else set()
            assert found <= allowed, (student, folder, found)
            assert not any(p.is_symlink() or not p.is_file() for p in path.iterdir()) if path.exists() else True
    printed = outputs(graded_class, "working-copy")
    assert "fifo" in printed and "source" in printed  # the notebook did leave them in its working folder


def outputs(graded_class, student):
    """Every output text of a student's graded copy."""
    notebook = nbformat.read(graded_class.course / "autograded" / student / ASSIGNMENT / "elbo.ipynb", as_version=4)
    return "".join(o.get("text", "") + o.get("evalue", "") for cell in notebook.cells for o in cell.get("outputs", []))


def test_the_kernel_runs_as_nobody_without_the_graders_environment(graded_class):
    printed = outputs(graded_class, "identity")
    assert "uid 65534" in printed or os.geteuid() != 0
    assert "/proc/1/environ PermissionError" in printed and "/etc/shadow PermissionError" in printed
    assert "PYTEST_CURRENT_TEST" not in printed and "VIRTUAL_ENV" not in printed  # the grader's own variables


def test_processes_memory_and_folders_are_limited_per_notebook(graded_class):
    printed = outputs(graded_class, "resources")
    assert "processes stopped at" in printed and "BlockingIOError" in printed
    assert "/dev/shm stopped: OSError" in printed and "/tmp stopped: OSError" in printed
    big = outputs(graded_class, "big-image")
    assert "past the 8,388,608 bytes" in big
    assert (graded_class.course / "feedback" / "big-image" / ASSIGNMENT / "elbo.html").stat().st_size < 4 * 2**20


def test_feedback_never_shows_output_of_the_grading_run(graded_class):
    encoded = re.compile(r"ENCODED: [A-Za-z0-9+/=]{40}")
    assert encoded.search(outputs(graded_class, "encoded-history"))  # every hidden test, compressed
    assert not encoded.search(page_text(graded_class.course / "feedback" / "encoded-history" / ASSIGNMENT / "elbo.html"))


def test_grade_table_has_a_row_per_student_and_a_column_per_question(graded_class):
    with open(graded_class.csv) as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert sorted(rows) == STUDENTS
    assert float(rows["correct"]["autograded_score"]) == GOLDEN["max_score"]
    assert rows["partial"]["test_logsumexp"] == "3.0" and rows["partial"]["test_kl_identity"] == "0.0"
    assert rows["correct"]["q_area"] == ""  # written answers wait for a person
    assert "not a valid notebook" in rows["invalid-json"]["messages"]


def test_summary_gives_mean_and_distribution_per_question(graded_class):
    text = "\n".join(graded_class.summary)
    assert f"{len(STUDENTS)} submission(s)" in text
    assert f"not gradable: deep-json, invalid-json, other-assignment, {WORKER_KILLER}" in text
    assert "flagged for review: ipython-hooks (tampering)" in text
    assert "test_logsumexp" in text and "q_area (written)" in text


def test_tampering_is_flagged_for_the_instructor_without_telling_the_student_what_the_detector_checks(graded_class):
    flagged = [s for s, want in GOLDEN["submissions"].items() if want.get("flags")]
    assert len(flagged) >= 7
    for student in flagged:
        record = records.load(graded_class.course, ASSIGNMENT, student)
        assert any("replaced parts of its own process" in message for message in record.messages)
        text = page_text(graded_class.course / "feedback" / student / ASSIGNMENT / "elbo.html")
        assert "a person will look" in text and "nothing was undone" not in text
    assert "tampering" in next(row for row in csv.DictReader(open(graded_class.csv)) if row["student_id"] == "thread")["review"]
