"""Regenerate everything derived from ``source/`` (``make release``).

* ``release/`` and ``solutions/``: nbgrader's ``generate_assignment`` and ``generate_solution``;
* ``course/_data/visible_tests.json``: the visible tests of the release, for ``course.selfcheck``;
* the reference modules of ``course/`` and their table (``authoring.references``).
"""
import json
from pathlib import Path

from authoring import references
from autograder.engine.nbgrader_cli import run_nbgrader
from coursemodel.cells import is_test_cell, nbgrader
from coursemodel.layout import Course

VISIBLE_TESTS = Path("course", "_data", "visible_tests.json")


def generate_assignment(root, assignment):
    """Write ``release/`` and ``solutions/`` of one assignment from ``source/``."""
    run_nbgrader(root, "generate_assignment", assignment, "--force")
    run_nbgrader(root, "generate_solution", assignment, "--force")


def visible_tests(root):
    """{assignment: [{name, points, source}]} of the test cells of the student release."""
    tests = {}
    course = Course(root)
    for assignment in course.assignment_names():
        tests[assignment] = [{"name": nbgrader(cell)["grade_id"], "points": nbgrader(cell)["points"],
                              "source": cell.source}
                             for cell in course.assignment(assignment).read("release").cells if is_test_cell(cell)]
    return tests


def regenerate(root):
    """Write the release, the solutions, the visible tests and the reference code from ``source/``."""
    for assignment in Course(root).assignment_names():
        print(f"generating release/ and solutions/ for {assignment}", flush=True)
        generate_assignment(root, assignment)
    Path(root, VISIBLE_TESTS).parent.mkdir(parents=True, exist_ok=True)
    Path(root, VISIBLE_TESTS).write_text(json.dumps(visible_tests(root), indent=1) + "\n")
    references.write(root)
