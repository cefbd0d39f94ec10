"""Grade tables: a CSV per assignment (one row per student, one column per question) and a summary.

Scores come from nbgrader's gradebook, so they include what teaching assistants gave in formgrader:
a written answer's manual score, and a test's overridden score in place of its autograded one.
"""

import csv
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry

from autograder.engine.nbgrader_cli import gradebook_url
from autograder.results import lms, records
from autograder.results.notebook_report import grade_ids

BAR = "#"


def questions(course_root, assignment, notebook_name):
    """(grade id, max points, kind) of every graded cell, in notebook order."""
    source = nbformat.read(Path(course_root, "source", assignment, notebook_name), as_version=4)
    order = {name: i for i, name in enumerate(grade_ids(source))}
    with Gradebook(gradebook_url(course_root)) as gradebook:
        notebook = gradebook.find_notebook(Path(notebook_name).stem, assignment)
        cells = [(c.name, float(c.max_score), "test" if c.cell_type == "code" else "written")
                 for c in notebook.grade_cells]
    return sorted(cells, key=lambda cell: order.get(cell[0], len(order)))


def rows(course_root, assignment, notebook_name):
    """One dict per recorded student: status, autograded and total points, a score per question, lateness,
    what still needs a person, messages."""
    table = []
    with Gradebook(gradebook_url(course_root)) as gradebook:
        total_max = float(gradebook.find_assignment(assignment).max_score)
        for student, record in sorted(records.load_all(course_root, assignment).items()):
            scores, grade, messages = {}, lms.Grade(0.0, 0, 0), list(record.messages)
            try:
                submission = gradebook.find_submission(assignment, student)
                grade = lms.grade_of(submission)
                for cell in gradebook.find_submission_notebook(Path(notebook_name).stem, assignment, student).grades:
                    scores[cell.name] = cell.auto_score if cell.manual_score is None else cell.manual_score
            except MissingEntry:
                pass
            except Exception as error:  # noqa: BLE001 - one student's entry must not stop the table
                scores, grade = {}, lms.Grade(0.0, 0, 0)
                messages.append(f"the gradebook could not be read for this student ({type(error).__name__}: "
                                f"{error}); total and questions left empty")
            table.append({"student_id": student, "status": record.status, "autograded_score": record.score,
                          "autograded_max": record.max_score, "total": grade.score, "total_max": total_max,
                          **scores, "late": lms.late_text(grade.seconds_late), "to_grade": grade.to_grade,
                          "review": " ".join(record.flags), "messages": " | ".join(messages)})
    return table


def write_csv(course_root, assignment, notebook_name):
    """Write ``grading/<assignment>/grades.csv``; return its path."""
    names = [name for name, _, _ in questions(course_root, assignment, notebook_name)]
    path = records.grading_dir(course_root, assignment) / "grades.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as out:
        writer = csv.DictWriter(out, ["student_id", "status", "autograded_score", "autograded_max", "total",
                                      "total_max", *names, "late", "to_grade", "review", "messages"],
                                extrasaction="ignore")
        writer.writeheader()
        for row in rows(course_root, assignment, notebook_name):
            writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return path


def _histogram(values, top, bins=10):
    counts = [0] * bins
    for value in values:
        counts[min(int(bins * value / top), bins - 1) if top else 0] += 1
    width = max(counts) or 1
    return [f"  {top * i / bins:5.1f}-{top * (i + 1) / bins:5.1f} | {BAR * round(30 * c / width):<30} {c}"
            for i, c in enumerate(counts)]


def summary(course_root, assignment, notebook_name):
    """Lines for the terminal: totals, their distribution, and each question's mean and spread."""
    table = rows(course_root, assignment, notebook_name)
    if not table:
        return [f"{assignment}: no graded submissions"]
    totals = [row["autograded_score"] for row in table]
    top = table[0]["autograded_max"]
    failed = [row["student_id"] for row in table if row["status"] == "failed"]
    flagged = [f"{row['student_id']} ({row['review']})" for row in table if row["review"]]
    overall = [row["total"] for row in table]
    lines = [f"{assignment}: {len(table)} submission(s); autograded mean {sum(totals) / len(totals):.2f} / {top:g}; "
             f"total mean (with written answers) {sum(overall) / len(overall):.2f} / {table[0]['total_max']:g}"
             + (f"; not gradable: {', '.join(failed)}" if failed else "")]
    if flagged:
        lines.append(f"flagged for review: {', '.join(flagged)}")
    waiting = [row["student_id"] for row in table if row["to_grade"]]
    if waiting:
        lines.append(f"{len(waiting)} submission(s) with cells still to grade or review in formgrader")
    late = [f"{row['student_id']} ({row['late']})" for row in table if row["late"]]
    if late:
        lines.append(f"late: {', '.join(late)}")
    lines.append("distribution of autograded totals:")
    lines += _histogram(totals, top)
    lines.append(f"  {'question':<28} {'max':>4} {'mean':>6} {'full':>5} {'part':>5} {'zero':>5} {'ungraded':>8}")
    for name, max_score, kind in questions(course_root, assignment, notebook_name):
        scores = [row.get(name) for row in table]
        known = [s for s in scores if s is not None]
        mean = f"{sum(known) / len(known):6.2f}" if known else "     -"
        lines.append(f"  {name + (' (written)' if kind == 'written' else ''):<28} {max_score:>4g} {mean} "
                     f"{sum(s == max_score for s in known):>5} {sum(0 < s < max_score for s in known):>5} "
                     f"{sum(s == 0 for s in known):>5} {len(scores) - len(known):>8}")
    return lines
