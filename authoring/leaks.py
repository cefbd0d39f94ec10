"""Find answers in a folder that students receive.

``scan(folder, root, until)`` looks through every file of ``folder`` (a student
edition, or any tree) for what a student must not have before the deadline of
``until``: a line of a solution block, a written model answer or a hidden test
of an assignment from ``until`` on (lines that the given code shows as well are
excepted); a definition of one of their graded functions or classes anywhere but
in its own stub cell; a file of the instructor's side; an nbgrader answer marker.
Notebooks are read cell by cell, outputs included, and JSON files string by
string, so nothing hides in an encoding.
"""
import json
import re
from dataclasses import dataclass
from pathlib import Path

from coursemodel.cells import MARKERS, grade_id, is_solution_cell, nbgrader, solved_source, split_cell
from coursemodel.code import defined_names, names_defined_anywhere
from coursemodel.layout import Course

# Top-level names of the instructor's repository that never reach a student.
INSTRUCTOR_ONLY = frozenset({
    "source", "solutions", "release", "autograder", "authoring", "coursemodel", "scripts", "tests", "build", ".ci",
    "Makefile", "nbgrader_config.py", "gradebook.db", "submitted", "autograded", "feedback", "grading", "lab", "downloads"})
MIN_LENGTH = 12  # shorter answer lines ("h = x", "return z") say too little to count as a leak
SUBSTRING_LENGTH = 30  # answer lines at least this long are also found inside longer lines


@dataclass(frozen=True)
class Leak:
    """Something in the scanned folder that a student must not have yet."""

    path: str  # relative to the scanned folder
    kind: str  # "answer line", "definition", "instructor file" or "answer marker"
    detail: str


def _significant(line):
    line = line.strip()
    return line if len(line) >= MIN_LENGTH and re.search(r"[A-Za-z]{2}", line) else None


def answer_lines(root, until):
    """Stripped answer lines of the assignments not due yet that no given code and no due answer shows
    (as a line, or inside one)."""
    secret, shown = set(), set()
    course = Course(root)
    hidden_from = set(course.not_due(until))
    for assignment in course.assignment_names():
        for cell in course.assignment(assignment).read().cells:
            answers, given = split_cell(cell)
            shown.update(line.strip() for line in given)
            (secret if assignment in hidden_from else shown).update(line.strip() for line in answers)
    shown_text = "\n".join(shown)
    return {line for line in map(_significant, secret - shown)
            if line and (len(line) < SUBSTRING_LENGTH or line not in shown_text)}


def protected_definitions(root, until):
    """{graded name: grade id of the solution cell that defines it} of the assignments not due yet."""
    names = {}
    course = Course(root)
    for assignment in course.not_due(until):
        for cell in course.assignment(assignment).read().cells:
            if cell.cell_type == "code" and is_solution_cell(cell):
                for name in defined_names(solved_source(cell)):
                    names[name] = grade_id(cell)
    return names


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _chunks(path):
    """(grade id of a solution cell or None, text) pieces of a file, decoded for notebooks and JSON."""
    raw = path.read_bytes()
    if b"\0" in raw[:8192]:
        return []
    text = raw.decode("utf-8", errors="replace")
    if path.suffix in (".ipynb", ".json"):
        try:
            document = json.loads(text)
        except (json.JSONDecodeError, RecursionError):
            return [(None, text)]
        if isinstance(document, dict) and isinstance(document.get("cells"), list):
            pieces = []
            for cell in document["cells"]:
                meta = nbgrader(cell) if isinstance(cell, dict) else {}
                owner = meta.get("grade_id") if meta.get("solution") else None
                source = cell.get("source", "") if isinstance(cell, dict) else ""
                pieces.append((owner, "".join(source) if isinstance(source, list) else str(source)))
                outputs = cell.get("outputs", []) if isinstance(cell, dict) else []
                pieces.extend((None, s) for s in _strings(outputs))
            return pieces
        return [(None, s) for s in _strings(document)]
    return [(None, text)]


def scan(folder, root, until):
    """Every leak in ``folder`` of the answers of ``until`` and later assignments (course ``root``)."""
    folder = Path(folder)
    secret = answer_lines(root, until)
    long_secrets = [line for line in secret if len(line) >= SUBSTRING_LENGTH]
    protected = protected_definitions(root, until)
    leaks = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and ".git" not in p.relative_to(folder).parts):
        relative = path.relative_to(folder).as_posix()
        if relative.split("/")[0] in INSTRUCTOR_ONLY:
            leaks.append(Leak(relative, "instructor file", "the instructor's side of the course"))
        for owner, text in _chunks(path):
            lines = {line.strip() for line in text.splitlines()}
            found = (lines & secret) | {s for s in long_secrets if s not in lines and s in text}
            leaks += [Leak(relative, "answer line", line) for line in sorted(found)]
            leaks += [Leak(relative, "answer marker", marker) for marker in sorted(m for m in MARKERS if m in text)]
            if path.suffix in (".py", ".ipynb"):
                defined = names_defined_anywhere(text) & set(protected)
                leaks += [Leak(relative, "definition", name) for name in sorted(defined)
                          if protected[name] != owner]
    return leaks
