"""Everything done for one student is isolated: a fault in any step of autograde, regrade, feedback or export
becomes that student's record or message, every other student is graded, and the next run grades the student
again and says so.

Each student is named after the step that breaks for them (a fault planted in the grader's own code, in the
main process); ``correct`` is the control."""
import json

import pytest

from autograder import demo
from autograder.__main__ import main
from autograder.engine import grading
from autograder.intake import repair
from autograder.results import export, feedback, lms, records
from grading_support import ASSIGNMENT, needs_sandbox

NB = "elbo.ipynb"
FULL = demo.expected()["max_score"]
CORRECT = json.loads((demo.FIXTURES / "submissions" / "correct_elbo.ipynb").read_text())
BEFORE_GRADING = ("hash", "intake", "check", "sanitize", "save-intake", "task")
AFTER_GRADING = ("save", "describe")


def marked(step):
    """The correct submission, carrying the name of the step that is to fail for it."""
    return json.dumps({**CORRECT, "metadata": {**CORRECT["metadata"], "fault": step}})


def fails_for(step, seen):
    """Raise when ``seen`` (a notebook, its text or bytes, or a record) belongs to the student of ``step``."""
    text = seen if isinstance(seen, str) else seen.decode() if isinstance(seen, bytes) else \
        seen.student if isinstance(seen, records.Record) else json.dumps(seen.get("metadata", {}))
    if f'"fault": "{step}"' in text or text == step:
        raise RuntimeError(f"planted fault in {step}")


def break_steps(monkeypatch):
    """Plant a fault in every step of a student's way through ``autograde``, each for its own student."""
    def wrap(owner, name, step, pick):
        original = getattr(owner, name)

        def broken(*args, **kwargs):
            fails_for(step, pick(*args))
            return original(*args, **kwargs)
        monkeypatch.setattr(owner, name, broken)

    wrap(grading, "fingerprint", "hash", lambda path: path.read_bytes())
    wrap(repair, "normalize", "intake", lambda data: data)
    wrap(grading, "check_notebook", "check", lambda root, assignment, nb: nb)
    wrap(grading, "sanitize", "sanitize", lambda root, assignment, nb: nb)
    wrap(records, "save_intake", "save-intake", lambda root, assignment, student, text: text)
    wrap(grading, "Task", "task", lambda student, data, timestamp: data)
    wrap(grading, "_save", "save", lambda root, assignment, nb_name, outcome, folder: outcome.autograded or b"")
    wrap(grading, "describe", "describe", lambda root, assignment, submitted, path, report: submitted)
    wrap(records, "save", "record", lambda root, record: record)

    class BrokenBar(grading.tqdm):
        def update(self, n=1):
            raise RuntimeError("planted fault in the progress bar")
    monkeypatch.setattr(grading, "tqdm", BrokenBar)


@pytest.fixture(scope="module")
def broken_run(tmp_path_factory):
    """A class where every step fails for one student, graded twice: with the faults, then without."""
    course = demo.new_course(tmp_path_factory.mktemp("isolation") / "course")
    for student in ("correct", *BEFORE_GRADING, *AFTER_GRADING, "record"):
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / NB).write_text(json.dumps(CORRECT) if student == "correct" else marked(student))
    with pytest.MonkeyPatch.context() as monkeypatch:
        break_steps(monkeypatch)
        first = grading.autograde(course, ASSIGNMENT, demo.fixture_options(), progress=False)
    first_records = records.load_all(course, ASSIGNMENT)
    return course, first, first_records


@needs_sandbox
def test_a_fault_in_any_step_becomes_that_students_record(broken_run):
    course, first, stored = broken_run
    assert (stored["correct"].status, stored["correct"].score, stored["correct"].messages) == ("graded", FULL, [])
    for step, words in [("hash", "looking at the submitted file"), *((s, "preparing the notebook for grading")
                                                                     for s in BEFORE_GRADING[1:]),
                        *((s, "saving the grades") for s in AFTER_GRADING)]:
        record = stored[step]
        assert (record.status, record.score, record.retry) == ("failed", 0, True), step
        assert record.messages == [f"the grader failed while {words} (RuntimeError: planted fault in {step})"]
        assert record.notes == [grading.GRADER_FAULT]
    assert "record" not in stored, "a record that could not be written is not there: the next run grades it"
    assert sorted(r.student for r in first) == sorted(stored)


@needs_sandbox
def test_the_next_run_grades_them_again_and_says_so(broken_run, capsys):
    course, _, before = broken_run
    capsys.readouterr()
    again = grading.autograde(course, ASSIGNMENT, demo.fixture_options(), progress=False)
    said = capsys.readouterr().out
    retried = sorted(set(BEFORE_GRADING + AFTER_GRADING))
    assert f"{ASSIGNMENT}: graded again, since the grader itself failed on them last time: {', '.join(retried)}" \
        in said
    assert sorted(r.student for r in again) == sorted([*retried, "record"])
    assert all((r.status, r.score, r.messages, r.retry) == ("graded", FULL, [], False) for r in again), again
    assert records.load(course, ASSIGNMENT, "correct") == before["correct"], "the control was not graded again"


@needs_sandbox
def test_a_failed_regrade_keeps_the_others_and_is_retried(broken_run, monkeypatch, capsys):
    course, _, _ = broken_run
    monkeypatch.setattr(grading, "describe", lambda *args: (_ for _ in ()).throw(RuntimeError("planted")))
    assert main(["regrade", ASSIGNMENT, "task", "--course", str(course)]) == 0
    assert "regraded task: 0/27 autograded points (failed)" in capsys.readouterr().out
    assert records.load(course, ASSIGNMENT, "task").retry
    assert records.load(course, ASSIGNMENT, "correct").score == FULL
    assert grading.pending(course, ASSIGNMENT).retried == ["task"]


@needs_sandbox
def test_a_feedback_page_that_fails_stops_no_other(broken_run, monkeypatch, capsys):
    course, _, _ = broken_run
    real = feedback._one

    def one(course_root, assignment, notebook_name, record):
        if record.student != "correct":
            raise RuntimeError(f"planted fault for {record.student}")
        return real(course_root, assignment, notebook_name, record)
    monkeypatch.setattr(feedback, "_one", one)
    assert feedback.generate(course, ASSIGNMENT, NB) == len(records.load_all(course, ASSIGNMENT))
    assert "Test test_logsumexp: 3 / 3 points" in (course / "feedback" / "correct" / ASSIGNMENT / "elbo.html").read_text()
    assert "the feedback page could not be made (RuntimeError: planted fault for save)" in \
        (course / "feedback" / "save" / ASSIGNMENT / "elbo.html").read_text()


@needs_sandbox
def test_an_entry_that_cannot_be_exported_stops_no_other(broken_run, monkeypatch):
    course, _, _ = broken_run
    real = lms.grade_of
    monkeypatch.setattr(lms, "grade_of", lambda submission: real(submission) if submission.student.id != "save"
                        else (_ for _ in ()).throw(RuntimeError("planted")))
    table = {row["student_id"]: row for row in export.rows(course, ASSIGNMENT, NB)}
    assert table["correct"]["total"] == FULL
    assert "the gradebook could not be read for this student (RuntimeError: planted)" in table["save"]["messages"]
    written = lms.write(course, lms.Roster("student_id", {}))
    assert "not exported, the gradebook entry could not be read (empty cell): 01_elbo: save (RuntimeError: " \
           "planted)" in written.lines()
    assert "correct" in (course / "grading" / "lms" / "canvas.csv").read_text()
