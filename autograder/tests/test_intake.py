"""Intake, fuzzed: every odd file becomes a well-formed notebook with its repairs named, or is refused with a
reason; a notebook whose answers are intact keeps them, and a well-formed one is left as it is."""
import json
import warnings

import nbformat
import pytest
from hypothesis import given

from autograder import demo
from autograder.intake import repair
from autograder.results.notebook_report import check_notebook, grade_ids, sanitize
from grading_support import ASSIGNMENT
from odd_notebooks import BASE, fuzz_settings, odd_notebooks, unreadable_files

COURSE = str(demo.ROOT)
GRADED = {cell["metadata"]["nbgrader"]["grade_id"]: cell for cell in BASE["cells"] if "nbgrader" in cell["metadata"]}


def strictly_valid(notebook):
    """nbformat validates it without a warning and without repairing anything."""
    before = json.dumps(notebook, sort_keys=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nbformat.validate(notebook)
    assert json.dumps(notebook, sort_keys=True) == before


@fuzz_settings(in_tests=200, fuzzing=3_000)
@given(odd_notebooks())
def test_an_odd_file_is_repaired_or_refused_with_a_reason(odd):
    taken = repair.normalize(odd.data)
    if odd.intact:
        assert taken.problem is None, (taken.problem, odd.changes)
    if taken.problem is not None:
        assert taken.problem.startswith("not a valid notebook: ") and not taken.repairs
        return
    strictly_valid(taken.notebook)
    assert bool(taken.repairs) != odd.valid, (taken.repairs, odd.changes)
    text = nbformat.writes(taken.notebook)
    again = repair.normalize(text.encode("utf-8"))
    assert again.repairs == () and again.notebook == taken.notebook, "intake is not idempotent"
    problem = check_notebook(COURSE, ASSIGNMENT, taken.notebook)
    sanitized, changes = sanitize(COURSE, ASSIGNMENT, taken.notebook)
    nbformat.writes(sanitized).encode("utf-8")
    if odd.intact:
        assert problem is None and changes == []
        kept = {name: cell for cell in sanitized.cells
                if (name := cell.metadata.get("nbgrader", {}).get("grade_id")) in GRADED}
        assert sorted(kept) == sorted(GRADED)
        for name, cell in kept.items():
            assert cell.source == "".join(GRADED[name]["source"]) and cell.cell_type == GRADED[name]["cell_type"]
            assert cell.metadata.nbgrader == GRADED[name]["metadata"]["nbgrader"]


@fuzz_settings(in_tests=100, fuzzing=2_000)
@given(unreadable_files())
def test_a_file_that_is_no_notebook_is_refused_with_a_reason(data):
    taken = repair.normalize(data)
    if taken.problem is None:  # random bytes may spell a repairable notebook; it must then be a real one
        strictly_valid(taken.notebook)
    else:
        assert taken.problem.startswith("not a valid notebook: ") and len(taken.problem) < 300


@pytest.mark.parametrize("change, named", [
    (lambda nb: [cell.pop("outputs") for cell in nb["cells"] if cell["cell_type"] == "code"],
     "outputs were missing: replaced by no outputs"),
    (lambda nb: nb["cells"][0].pop("metadata"), "cell 1: metadata was missing: replaced by empty metadata"),
    (lambda nb: nb["metadata"].update(kernelspec=None), "the notebook: metadata field 'kernelspec' not valid: dropped"),
])
def test_the_reported_notebooks_are_repaired(change, named):
    nb = json.loads(json.dumps(BASE))
    change(nb)
    taken = repair.normalize(json.dumps(nb).encode())
    assert taken.problem is None and any(named in line for line in taken.repairs), taken.repairs
    assert grade_ids(taken.notebook) == grade_ids(nbformat.from_dict(BASE))


def test_the_grader_refuses_what_it_cannot_repair_in_words():
    assert repair.normalize(b"[1, 2]").problem == "not a valid notebook: the file is JSON, but a list, not a notebook"
    assert repair.normalize(b'{"cells": 3}').problem == \
        "not a valid notebook: it has no list of cells (its 'cells' is a number)"
    deep = b'{"cells": [], "metadata": {"x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}"
    assert repair.normalize(deep).problem == "not a valid notebook: its JSON is nested too deeply to read"
