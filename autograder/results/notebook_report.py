"""Read submitted and autograded notebooks: what is wrong with them, and why a test lost points.

The same reading serves the instructor (messages in the records and the grade
table) and the student (feedback), and it never reveals the source or the
error message of a hidden test.
"""

import builtins
import copy
import re
import warnings
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import nbformat
from nbgrader import utils

from autograder.engine.preprocessors import CHANGED_NOTE, CUT_NOTE, STOPPED_ERROR
from autograder.results import records
from coursemodel.cells import grade_id, is_marker, is_test_cell, nbgrader, split_hidden
from coursemodel.layout import Course

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
CELL_LINE = re.compile(r"Cell In\[\d+\], line (\d+)")
TIMEOUT_ERRORS = {"CellTimeoutError", "KeyboardInterrupt"}


def read_quietly(text):
    """A notebook from its text, without nbformat's warnings (e.g. duplicate cell ids, which
    nbgrader deals with)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return nbformat.reads(text, as_version=4)


def grade_ids(notebook):
    """nbgrader grade ids of a notebook's cells, in order (repeats kept; malformed ones skipped)."""
    found = (grade_id(cell) for cell in notebook.cells)
    return [name for name in found if isinstance(name, str) and name]


def _assignment_ids(course_root):
    """Grade ids of every assignment's source notebook."""
    course = Course(course_root)
    return {name: set(grade_ids(course.assignment(name).read())) for name in course.assignment_names()}


FLAGS = ("grade", "solution", "locked", "task")


def check_notebook(course_root, assignment, notebook):
    """None if ``notebook`` (after intake) is a notebook of ``assignment``; otherwise a sentence that says what it is."""
    ids = set(grade_ids(notebook))
    known = _assignment_ids(str(Path(course_root).resolve()))
    shared = set.intersection(*known.values()) if len(known) > 1 else set()  # e.g. "setup"
    if ids & (known.get(assignment, set()) - shared):
        return None
    others = sorted((len(ids & (other - shared)), name) for name, other in known.items()
                    if ids & (other - shared))
    if others:
        return f"this is the notebook of assignment {others[-1][1]}, not {assignment}; nothing was graded"
    return f"this notebook has none of the cells of assignment {assignment}; nothing was graded"


def _malformed(metadata):
    """Why a cell's nbgrader metadata cannot be graded, or ''."""
    if not isinstance(metadata, dict):
        return f"it is a {type(metadata).__name__}, not a dictionary"
    if "grade_id" in metadata and not isinstance(metadata["grade_id"], str):
        return "its grade_id is not a string"
    if "points" in metadata and (isinstance(metadata["points"], bool)
                                 or not isinstance(metadata["points"], (int, float))):
        return "its points are not a number"
    wrong = [flag for flag in FLAGS if flag in metadata and not isinstance(metadata[flag], bool)]
    return f"{', '.join(wrong)} not true or false" if wrong else ""


def _grading_part(metadata):
    """What decides how a cell is graded: its flags, and its points when it is graded."""
    part = {flag: bool(metadata.get(flag)) for flag in FLAGS}
    return part | ({"points": float(metadata.get("points", 0))} if part["grade"] else {})


def sanitize(course_root, assignment, notebook):
    """The submission made gradable: every cell's grading metadata is that of the source notebook's
    cell with its grade id, or none at all. Returns (notebook, sentences about what was changed)."""
    source = {grade_id(cell): cell for cell in Course(course_root).assignment(assignment).read().cells
              if nbgrader(cell)}
    messages = []
    for number, cell in enumerate(notebook.cells, start=1):
        if "nbgrader" not in cell.get("metadata", {}):
            continue
        metadata = cell.metadata["nbgrader"]
        problem = _malformed(metadata)
        name = metadata.get("grade_id") if not problem else None
        if problem or name not in source:
            del cell.metadata["nbgrader"]
            if problem or any(metadata.get(flag) for flag in FLAGS):
                messages.append(f"cell {number} had grading information that is "
                                f"{'malformed (' + problem + ')' if problem else 'not in the assignment'}; "
                                "it was treated as an ordinary cell")
        elif _grading_part(metadata) != _grading_part(source[name].metadata.nbgrader) \
                or cell.cell_type != source[name].cell_type:
            cell.metadata["nbgrader"] = copy.deepcopy(source[name].metadata.nbgrader)
            if cell.cell_type != source[name].cell_type:
                cell.cell_type = source[name].cell_type
                cell.pop("attachments", None)
                if cell.cell_type == "code":
                    cell.update(outputs=[], execution_count=None)
                else:
                    cell.pop("outputs", None)
                    cell.pop("execution_count", None)
            messages.append(f"the grading information of cell {name} was changed; the assignment's was used")
    return notebook, messages


def failing_line(error_output):
    """Line number, within the cell, of the statement that raised (None if not found)."""
    text = ANSI.sub("", "\n".join(error_output.get("traceback", [])))
    match = CELL_LINE.search(text)
    return int(match.group(1)) if match else None


@lru_cache(maxsize=None)
def hidden_lines(source):
    """The distinctive lines of a test cell's hidden part, stripped."""
    _, hidden, _ = split_hidden(source)
    return frozenset(line.strip() for line in hidden.splitlines()
                     if len(line.strip()) >= 8 and not is_marker(line))


def error_summary(error):
    """``Name: message`` of an error output on one line, at most 300 characters (for the instructor)."""
    message = " / ".join(line.strip() for line in str(error.get("evalue", "")).splitlines() if line.strip())
    text = f"{error.ename}: {message}" if message else error.ename
    return text if len(text) <= 300 else text[:297] + "..."


def error_kind(error):
    """The error's name when it is one of Python's own, else "an error" (the name is the notebook's choice)."""
    return error.ename if isinstance(getattr(builtins, error.ename, None), type) else "an error"


def test_outcome(cell, release_source=None):
    """How a test cell went: dict with points, max_points, visible/hidden status, the reason for the
    instructor (``reason``) and for the student (``student_reason``: for a visible check, its failing line
    from ``release_source`` and its message; for a hidden one, only that it failed)."""
    score, max_score = utils.determine_grade(cell)
    _, hidden, hidden_start = split_hidden(cell.source)
    errors = [o for o in cell.outputs if o.output_type == "error"]
    stderr = [o for o in cell.outputs if o.output_type == "stream" and o.name == "stderr"]
    outcome = {"name": grade_id(cell), "points": score, "max_points": max_score,
               "visible": "passed", "hidden": "passed" if hidden else None, "reason": "", "student_reason": ""}
    stopped = [o for o in errors if o.ename in (STOPPED_ERROR, "DeadKernelError")]
    if stopped:
        reason = stopped[0].evalue
        outcome.update(reason=reason, student_reason=reason, visible="not run")
        if hidden:
            outcome["hidden"] = "not run"
    elif errors:
        error = errors[0]
        line = failing_line(error)
        in_hidden = hidden_start is not None and (line is None or line >= hidden_start)
        if error.ename in TIMEOUT_ERRORS:
            reason = "ran past the time limit of one cell (an endless loop?)"
        elif error.ename == "MemoryError":
            reason = "MemoryError: used more memory than the grader allows"
        elif error.ename == "SystemExit":
            in_hidden = False  # IPython reports it without a line number; sys.exit is never in a test
            reason = "SystemExit: the code called sys.exit(), which stops the cell"
        elif in_hidden:
            reason = "a hidden check failed"
        else:
            reason = None
        outcome["reason"] = reason or error_summary(error)
        outcome["student_reason"] = reason or _visible_failure(error, line, release_source)
        if in_hidden and error.ename not in TIMEOUT_ERRORS:
            outcome["hidden"] = "failed"
        else:
            outcome["visible"] = "failed"
            if hidden:
                outcome["hidden"] = "not run"
    elif stderr and score < max_score:
        first = stderr[0].text.strip().splitlines()[:1]
        outcome["reason"] = ("wrote to stderr, and a test that writes to stderr scores zero"
                             + (f" ({first[0][:120]!r})" if first else ""))
        outcome["student_reason"] = "wrote to stderr, and a test that writes to stderr scores zero"
        outcome["visible"] = "failed"
    return outcome


def _visible_failure(error, line, release_source):
    """A visible check's failure in the judge's words: the line of the test and its message (public: the
    visible tests are in the release)."""
    lines = (release_source or "").splitlines()
    where = f" at line {line}: {lines[line - 1].strip()[:160]}" if line and 0 < line <= len(lines) else ""
    message = " / ".join(part.strip() for part in str(error.get("evalue", "")).splitlines() if part.strip())
    return f"{error.ename} in the visible checks{where}" + (f": {message[:300]}" if message else "")


def detector_notes(cell):
    """What the kernel's detector found replaced by the notebook's code before this test, or []."""
    return [output.text[len(CHANGED_NOTE):].strip() for output in cell.outputs
            if output.output_type == "stream" and output.text.startswith(CHANGED_NOTE)]


def test_sources(notebook):
    """{grade id: source} of a notebook's test cells."""
    return {grade_id(cell): cell.source for cell in notebook.cells if is_test_cell(cell)}


@dataclass
class Report:
    """What the grader says about one graded submission: to the instructor, to the student, and flags."""

    messages: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    flags: list = field(default_factory=list)
    submitted: object = None  # the notebook as sent, after sanitize

    def add(self, message, note=None):
        self.messages.append(message)
        self.notes.append(message if note is None else note)


def release_tests(course_root, assignment, nb_name):
    """{grade id: visible source} of the release notebook's test cells."""
    release = Path(course_root, "release", assignment, nb_name)
    return test_sources(nbformat.read(release, as_version=4)) if release.exists() else {}


def describe(course_root, assignment, submitted, autograded_path, report=None):
    """A Report on a graded submission (``submitted``: the notebook as sent, after ``sanitize``)."""
    autograded = read_quietly(records.read_regular_file(autograded_path).decode("utf-8", errors="replace"))
    report = report or Report()
    repeated = sorted(name for name, count in Counter(grade_ids(submitted)).items() if count > 1)
    if repeated:
        report.add(f"cells appear more than once ({', '.join(repeated)}); the last copy of each is the one graded")
    original = release_tests(course_root, assignment, Path(autograded_path).name)
    if original:
        sent = test_sources(submitted)
        missing = sorted(set(original) - set(sent))
        edited = sorted(name for name in set(original) & set(sent) if sent[name] != original[name])
        if missing:
            report.add(f"test cells missing from the submission were put back: {', '.join(missing)}")
        if edited:
            report.add(f"test cells were edited; the original tests were run: {', '.join(edited)}")
    for number, cell in enumerate(autograded.cells, start=1):
        name = grade_id(cell) or f"number {number}"
        if any(CUT_NOTE in o.get("text", "") for o in cell.get("outputs", [])):
            report.add(f"cell {name} printed too much; its output was cut in the graded copy")
        if not is_test_cell(cell):
            errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
            if errors:
                report.add(f"cell {name} raised {error_summary(errors[0])}",
                           f"cell {name} raised {error_kind(errors[0])} when graded")
            continue
        for note in detector_notes(cell):
            report.add(f"before {name}, the notebook's code had replaced parts of its own process (no point depends "
                       f"on them; nothing was undone): {note}",
                       f"before {name}, the notebook's code replaced parts of its own process; a person will look")
            if "tampering" not in report.flags:
                report.flags.append("tampering")
        outcome = test_outcome(cell, original.get(name))
        if outcome["points"] < outcome["max_points"]:
            report.add(f"{name}: {outcome['points']:g}/{outcome['max_points']:g}, {outcome['reason'] or 'failed'}",
                       f"{name}: {outcome['points']:g}/{outcome['max_points']:g}, "
                       f"{outcome['student_reason'] or 'failed'}")
    return report
