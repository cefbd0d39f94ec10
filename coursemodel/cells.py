"""nbgrader's vocabulary of cells: their grading metadata, and the markers in their source, matched as
nbgrader matches them (a line that contains a marker is a marker line; the markers are nbgrader's own)."""

from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions
from nbgrader.utils import is_grade, is_solution

BEGIN_SOLUTION = ClearSolutions.begin_solution_delimeter.default_value
END_SOLUTION = ClearSolutions.end_solution_delimeter.default_value
BEGIN_HIDDEN = ClearHiddenTests.begin_test_delimeter.default_value
END_HIDDEN = ClearHiddenTests.end_test_delimeter.default_value
MARKERS = (BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN, END_HIDDEN)
SETUP_ID = "setup"  # the grade id of a notebook's setup cell


def nbgrader(cell):
    """A cell's nbgrader metadata ({} when it has none, or none that is a mapping)."""
    found = cell.get("metadata", {}).get("nbgrader") if isinstance(cell.get("metadata"), dict) else None
    return found if isinstance(found, dict) else {}


def grade_id(cell):
    """A cell's nbgrader grade id, or None."""
    return nbgrader(cell).get("grade_id")


def is_solution_cell(cell):
    """A cell the student writes in (code with its solution markers, or a written answer)."""
    return is_solution(cell)


def is_test_cell(cell):
    """A read-only code cell that carries points: the tests of an answer."""
    return cell.cell_type == "code" and is_grade(cell) and not is_solution(cell)


def is_marker(line, markers=MARKERS):
    """Whether ``line`` is a marker line (of one of ``markers``)."""
    return any(marker in line for marker in markers)


def split_cell(cell):
    """(answer lines, given lines) of one cell, marker lines dropped: the answers are the lines of a solution
    and of hidden tests (all of a written answer), the given lines the rest, which the release shows."""
    lines = cell.source.splitlines()
    if cell.cell_type == "markdown" and is_solution(cell):
        return lines, []
    answers, given, inside = [], [], False
    for line in lines:
        if is_marker(line, (BEGIN_SOLUTION, BEGIN_HIDDEN)):
            inside = True
        elif is_marker(line, (END_SOLUTION, END_HIDDEN)):
            inside = False
        else:
            (answers if inside else given).append(line)
    return answers, given


def solved_source(cell):
    """A solution cell's code as the reference solution: its source without the marker lines."""
    return "\n".join(line for line in cell.source.splitlines() if not is_marker(line))


def split_hidden(source):
    """(visible part, hidden part, first line number of the hidden part or None) of a test cell."""
    lines = source.splitlines()
    for number, line in enumerate(lines, start=1):
        if is_marker(line, (BEGIN_HIDDEN,)):
            return "\n".join(lines[:number - 1]), "\n".join(lines[number - 1:]), number
    return source, "", None


def setup_cell(notebook):
    """The notebook's setup cell (grade id ``SETUP_ID``), which imports what the other cells use."""
    return next(cell for cell in notebook.cells if cell.cell_type == "code" and grade_id(cell) == SETUP_ID)
