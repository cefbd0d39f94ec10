"""Read submitted and autograded notebooks: what is wrong with them, and why a test lost points.

The same reading serves the instructor (messages in the records and the grade
table) and the student (feedback), and it never reveals the source or the
error message of a hidden test.
"""

import json
import re
import warnings
from collections import Counter
from functools import lru_cache
from pathlib import Path

import nbformat
from nbgrader import utils

from autograder.nbgrader_cli import assignments
from autograder.preprocessors import CUT_NOTE, RESTORED_NOTE, is_test_cell

BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"
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
    """nbgrader grade ids of a notebook's cells, in order (repeats kept)."""
    return [cell.metadata.get("nbgrader", {}).get("grade_id") for cell in notebook.cells
            if cell.metadata.get("nbgrader", {}).get("grade_id")]


@lru_cache(maxsize=None)
def _assignment_ids(course_root):
    """Grade ids of every assignment's source notebook."""
    ids = {}
    for assignment in assignments(course_root):
        for path in Path(course_root, "source", assignment).glob("*.ipynb"):
            ids.setdefault(assignment, set()).update(grade_ids(nbformat.read(path, as_version=4)))
    return ids


def check_notebook(course_root, assignment, path):
    """None if ``path`` is a notebook of ``assignment``; otherwise a sentence that says what it is."""
    text = Path(path).read_bytes().decode("utf-8", errors="replace")
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        return (f"not a valid notebook: the file is not valid JSON ({error.msg} at line {error.lineno}, "
                f"column {error.colno}); was the download cut short or the file edited by hand?")
    try:
        notebook = read_quietly(text)
    except Exception as error:  # nbformat raises several kinds for files that are JSON but not notebooks
        return f"not a valid notebook: {str(error).splitlines()[0]}"
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


def split_hidden(source):
    """(visible part, hidden part, first line number of the hidden part or None) of a test cell."""
    lines = source.splitlines()
    for number, line in enumerate(lines, start=1):
        if line.strip() == BEGIN_HIDDEN:
            hidden = lines[number - 1:]
            return "\n".join(lines[:number - 1]), "\n".join(hidden), number
    return source, "", None


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
                     if len(line.strip()) >= 8 and line.strip() not in (BEGIN_HIDDEN, END_HIDDEN))


def error_summary(error, hidden=frozenset()):
    """``Name: message`` of an error output on one line, at most 300 characters, scrubbed."""
    message = " / ".join(line.strip() for line in scrub(error.evalue, hidden).splitlines() if line.strip())
    text = f"{error.ename}: {message}" if message else error.ename
    return text if len(text) <= 300 else text[:297] + "..."


def test_outcome(cell):
    """How a test cell went: dict with points, max_points, visible/hidden status and a reason."""
    score, max_score = utils.determine_grade(cell)
    _, hidden, hidden_start = split_hidden(cell.source)
    errors = [o for o in cell.outputs if o.output_type == "error"]
    stderr = [o for o in cell.outputs if o.output_type == "stream" and o.name == "stderr"]
    outcome = {"name": cell.metadata.nbgrader["grade_id"], "points": score, "max_points": max_score,
               "visible": "passed", "hidden": "passed" if hidden else None, "reason": ""}
    if errors:
        error = errors[0]
        line = failing_line(error)
        in_hidden = hidden_start is not None and (line is None or line >= hidden_start)
        if error.ename in TIMEOUT_ERRORS:
            outcome["reason"] = "ran past the time limit of one cell (an endless loop?)"
        elif error.ename == "MemoryError":
            outcome["reason"] = "MemoryError: used more memory than the grader allows"
        elif error.ename == "SystemExit":
            in_hidden = False  # IPython reports it without a line number; sys.exit is never in a test
            outcome["reason"] = "SystemExit: the code called sys.exit(), which stops the cell"
        elif in_hidden:
            outcome["reason"] = "a hidden check failed"
        else:
            outcome["reason"] = error_summary(error, hidden_lines(cell.source))
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
        outcome["visible"] = "failed"
    return outcome


def scrub(text, hidden):
    """``text`` without any line that repeats a line of a hidden test (``hidden``: stripped lines)."""
    kept = [line for line in text.splitlines(keepends=True) if not any(h in line for h in hidden)]
    return "".join(kept)


def restored_note(cell):
    """The guard's note of what the notebook's code had replaced before this test, or ''."""
    for output in cell.outputs:
        if output.output_type == "stream" and output.text.startswith(RESTORED_NOTE):
            return output.text[len(RESTORED_NOTE):].strip()
    return ""


def _test_sources(notebook):
    return {cell.metadata.nbgrader["grade_id"]: cell.source for cell in notebook.cells if is_test_cell(cell)}


def describe(course_root, assignment, submitted_path, autograded_path):
    """Sentences about a graded submission: changed or missing cells, tampering, lost points."""
    submitted = read_quietly(Path(submitted_path).read_text())
    autograded = read_quietly(Path(autograded_path).read_text())
    messages = []
    repeated = sorted(name for name, count in Counter(grade_ids(submitted)).items() if count > 1)
    if repeated:
        messages.append(f"cells appear more than once ({', '.join(repeated)}); the last copy of each "
                        "is the one graded")
    release = Path(course_root, "release", assignment, Path(autograded_path).name)
    if release.exists():
        original = _test_sources(nbformat.read(release, as_version=4))
        sent = _test_sources(submitted)
        missing = sorted(set(original) - set(sent))
        edited = sorted(name for name in set(original) & set(sent) if sent[name] != original[name])
        if missing:
            messages.append(f"test cells missing from the submission were put back: {', '.join(missing)}")
        if edited:
            messages.append(f"test cells were edited; the original tests were run: {', '.join(edited)}")
    for number, cell in enumerate(autograded.cells, start=1):
        name = cell.metadata.get("nbgrader", {}).get("grade_id") or f"number {number}"
        if any(CUT_NOTE in o.get("text", "") for o in cell.get("outputs", [])):
            messages.append(f"cell {name} printed too much; its output was cut in the graded copy")
        if not is_test_cell(cell):
            errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
            if errors:
                messages.append(f"cell {name} raised {error_summary(errors[0])}")
            continue
        note = restored_note(cell)
        if note:
            messages.append(f"before {cell.metadata.nbgrader['grade_id']}, the notebook's code had replaced "
                            f"what the tests use; restored: {note}")
        outcome = test_outcome(cell)
        if outcome["points"] < outcome["max_points"]:
            messages.append(f"{outcome['name']}: {outcome['points']:g}/{outcome['max_points']:g}, "
                            f"{outcome['reason'] or 'failed'}")
    return messages
