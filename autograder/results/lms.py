"""Grades into an LMS: the gradebook-import layouts of Canvas and Moodle, matched through the instructor's roster.

Each file has a row per student of the roster, in the roster's order, then a row per student who sent
work but is not on the roster (listed, never dropped, so that the LMS's import shows them as unmatched),
and a column per assignment that has submissions in the gradebook. A cell holds the submission's total in
nbgrader's gradebook (autograded points, manual grades and overrides); a roster student without a
submission gets an empty cell, which both LMSs import as "no grade".
"""

import csv
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook
from nbgrader.utils import parse_utc

from autograder.engine.nbgrader_cli import gradebook_url

# Canvas's gradebook export starts with these columns; its second row gives each assignment's points.
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_POINTS_ROW = "    Points Possible"
DEFAULT_ID_COLUMN = "student_id"


@dataclass
class Roster:
    """The students of a class as the LMS knows them, by the id the course uses (lower case)."""

    id_column: str
    rows: dict  # student id -> the roster's row (a dict of its columns)


def read_roster(path, id_column=DEFAULT_ID_COLUMN):
    """The roster CSV at ``path``; its column ``id_column`` holds the ids students put in their file
    names. Canvas's own gradebook export works as it is (its "Points Possible" row is skipped)."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        if id_column not in header:
            raise ValueError(f"the roster {path} has no column {id_column!r} (its columns: {', '.join(header)}); "
                             "name the column of student ids with --roster-id")
        rows, repeated = {}, []
        for row in reader:
            student = (row.get(id_column) or "").strip().lower()
            if not student or (row.get("Student") or "").strip() == CANVAS_POINTS_ROW.strip():
                continue
            if student in rows:
                repeated.append(student)
            rows[student] = row
    if repeated:
        raise ValueError(f"the roster {path} lists these ids more than once: {', '.join(sorted(set(repeated)))}")
    return Roster(id_column, rows)


@dataclass
class Grade:
    """One submission's total in the gradebook."""

    score: float
    seconds_late: float
    to_grade: int  # cells nbgrader marks as needing a person: ungraded written answers, overrides to review


@dataclass
class Totals:
    """Every assignment with submissions: its points, and each student's grade."""

    points: dict = field(default_factory=dict)  # assignment -> points possible
    grades: dict = field(default_factory=dict)  # assignment -> {student: Grade}
    unreadable: list = field(default_factory=list)  # submissions whose entry could not be read: left empty


def parse_due(text):
    """A due date and time (UTC unless it names a zone or an offset) as nbgrader stores it, naive UTC."""
    try:
        return parse_utc(text)
    except (ValueError, OverflowError) as error:
        raise ValueError(f"--due {text!r} is not a date and time (e.g. '2026-11-20 23:59 Europe/Amsterdam')") \
            from error


def set_due_date(course_root, assignment, when):
    """Record ``when`` as the assignment's due date in the gradebook, from which nbgrader computes how late
    each submission was (its timestamp is the time the LMS gave the file)."""
    with Gradebook(gradebook_url(course_root)) as gradebook:
        gradebook.update_or_create_assignment(assignment, duedate=when)


def read_gradebook(course_root):
    """The totals of every submission, for each assignment of the gradebook that has any."""
    found = Totals()
    with Gradebook(gradebook_url(course_root)) as gradebook:
        for assignment in sorted(gradebook.assignments, key=lambda a: a.name):
            submissions = gradebook.assignment_submissions(assignment.name)
            if submissions:
                found.points[assignment.name] = float(assignment.max_score)
                found.grades[assignment.name] = {}
            for submission in submissions:
                try:
                    found.grades[assignment.name][submission.student.id] = grade_of(submission)
                except Exception as error:  # noqa: BLE001 - one student's entry must not stop the export
                    found.unreadable.append(f"{assignment.name}: {submission.student.id} ({type(error).__name__}: "
                                            f"{error})")
    return found


def grade_of(submission):
    """The Grade of an nbgrader submission (read inside its gradebook session)."""
    return Grade(float(submission.score), submission.total_seconds_late,
                 sum(bool(g.needs_manual_grade) for n in submission.notebooks for g in n.grades))


@dataclass
class Export:
    """What an LMS export wrote, and what the instructor should know about it."""

    files: list
    not_on_roster: list  # students with work who are not on a given roster: listed in the files, unmatched
    no_submission: dict  # assignment -> roster students without a submission (empty cells)
    late: dict  # assignment -> {student: seconds late}
    to_grade: dict  # assignment -> students with written answers still to grade (counted as 0)
    unreadable: list = field(default_factory=list)  # "assignment: student (why)": their cells left empty

    def lines(self):
        """What to tell the instructor, a line each."""
        out = [f"LMS files: {', '.join(str(p) for p in self.files)}"]
        out += [f"not exported, the gradebook entry could not be read (empty cell): {line}"
                for line in self.unreadable]
        if self.not_on_roster:
            out.append(f"not on the roster (listed at the end, unmatched): {', '.join(self.not_on_roster)}")
        for assignment, students in self.no_submission.items():
            if students:
                out.append(f"{assignment}: no submission (empty cell): {', '.join(students)}")
        for assignment, late in self.late.items():
            if late:
                out.append(f"{assignment}: late: " + ", ".join(f"{s} ({late_text(t)})" for s, t in late.items()))
        for assignment, students in self.to_grade.items():
            if students:
                out.append(f"{assignment}: cells still to grade or review in formgrader (an ungraded written "
                           f"answer counts 0): {', '.join(students)}")
        return out


def late_text(seconds):
    """How late, for a person: '2.5 h late', or '' when on time."""
    if not seconds:
        return ""
    return f"{seconds / 3600:.1f} h late" if seconds < 86400 * 2 else f"{seconds / 86400:.1f} days late"


def _cell(grades, student):
    grade = grades.get(student)
    return "" if grade is None else f"{grade.score:g}"


def write(course_root, roster, folder=None):
    """Write ``canvas.csv`` and ``moodle.csv`` in ``folder`` (default ``grading/lms``); returns an Export."""
    book = read_gradebook(course_root)
    folder = Path(folder or Path(course_root, "grading", "lms"))
    folder.mkdir(parents=True, exist_ok=True)
    names = list(book.grades)
    submitted = sorted({s for grades in book.grades.values() for s in grades})
    extra = [s for s in submitted if s not in roster.rows]
    students = list(roster.rows) + extra

    canvas = folder / "canvas.csv"
    with open(canvas, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([*CANVAS_COLUMNS, *names])
        writer.writerow([CANVAS_POINTS_ROW, "", "", "", "", *(f"{book.points[n]:g}" for n in names)])
        for student in students:
            row = roster.rows.get(student, {})
            ids = [row.get(column, "") for column in CANVAS_COLUMNS]
            ids[0] = ids[0] or student
            writer.writerow([*ids, *(_cell(book.grades[n], student) for n in names)])

    moodle = folder / "moodle.csv"
    with open(moodle, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([roster.id_column, *names])
        for student in students:
            identifier = roster.rows[student][roster.id_column].strip() if student in roster.rows else student
            writer.writerow([identifier, *(_cell(book.grades[n], student) for n in names)])

    return Export(
        [canvas, moodle], extra if roster.rows else [],
        {n: [s for s in roster.rows if s not in book.grades[n]] for n in names},
        {n: {s: g.seconds_late for s, g in sorted(book.grades[n].items()) if g.seconds_late} for n in names},
        {n: sorted(s for s, g in book.grades[n].items() if g.to_grade) for n in names}, book.unreadable)
