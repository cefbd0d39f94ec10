"""The real nbgrader pipeline on every assignment in source/."""
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from authoring import ROOT, references
from authoring.generate import VISIBLE_TESTS, regenerate
from autograder.engine.nbgrader_cli import read_grades, run_nbgrader
from coursemodel.cells import grade_id, nbgrader
from coursemodel.layout import Course

ASSIGNMENTS = Course(ROOT).assignment_names()
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)


def _notebooks(folder):
    return sorted((ROOT / folder).glob("*/*.ipynb"))


def _graded(cell, key):
    return nbgrader(cell).get(key, False)


def test_there_are_assignments():
    assert ASSIGNMENTS and ASSIGNMENTS[0] == "01_elbo"


def _files(folder):
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_everything_generated_is_exactly_what_source_generates(tmp_path):
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    shutil.copytree(ROOT / "source", tmp_path / "source")
    regenerate(tmp_path)
    for folder in ("release", "solutions"):
        fresh, committed = _files(tmp_path / folder), _files(ROOT / folder)
        assert sorted(fresh) == sorted(committed), f"{folder}/ holds other files than source/ makes: run `make release`"
        stale = [str(path) for path in fresh if fresh[path] != committed[path]]
        assert not stale, f"{folder}/ drifted from source/ in {stale}: run `make release` and commit"
    generated = [VISIBLE_TESTS, references.TABLE] + [Path("course", f"{r.module}.py") for r in references.REFERENCES]
    stale = [str(path) for path in generated if (tmp_path / path).read_bytes() != (ROOT / path).read_bytes()]
    assert not stale, f"{stale} drifted from source/: run `make release` and commit"


@pytest.mark.parametrize("path", _notebooks("source"), ids=lambda p: p.parent.name)
def test_hidden_tests_never_reach_the_release_or_the_solutions(path):
    sources = "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells)
    hidden_lines = {line.strip() for block in HIDDEN.findall(sources) for line in block.splitlines()}
    visible = HIDDEN.sub("", sources)
    hidden_lines = {line for line in hidden_lines if len(line) > 20 and line not in visible}
    assert hidden_lines, "the source notebook should have hidden tests"
    for folder in ("release", "solutions"):
        generated = nbformat.read(ROOT / folder / path.parent.name / path.name, as_version=4)
        text = "\n".join(cell.source for cell in generated.cells)
        assert "HIDDEN TESTS" not in text
        leaked = [line for line in hidden_lines if line in text]
        assert not leaked, f"hidden test lines leaked into {folder}/: {leaked[:3]}"


@pytest.mark.parametrize("path", _notebooks("source"), ids=lambda p: p.parent.name)
def test_source_notebooks_follow_the_course_anatomy(path):
    notebook = nbformat.read(path, as_version=4)
    cells = notebook.cells
    grade_ids = [grade_id(c) for c in cells if nbgrader(c)]
    assert len(grade_ids) == len(set(grade_ids)), "grade ids must be unique"
    setup = next(c for c in cells if c.cell_type == "code")
    assert "from course import" in setup.source and "runtime.setup(" in setup.source, "first code cell: the setup"
    assert "Learning objectives" in "".join(c.source for c in cells[:3] if c.cell_type == "markdown")
    tests = [c for c in cells if c.cell_type == "code" and _graded(c, "grade")]
    answers = [c for c in cells if c.cell_type == "code" and _graded(c, "solution")]
    written = [c for c in cells if c.cell_type == "markdown" and _graded(c, "solution")]
    assert tests and answers and written
    for cell in written:
        points = nbgrader(cell)["points"]
        marking = f"*Marking ({points:g} point{'' if points == 1 else 's'}).*"
        assert marking in cell.source, f"{grade_id(cell)}: the model answer says how to mark: {marking}"
    for cell in cells:
        if cell not in written:
            assert "Model answer" not in cell.source and "*Marking (" not in cell.source, (
                f"cell {cell.get('id')}: a model answer outside a graded solution cell reaches the release")
    for question, answer in zip(cells, cells[1:]):
        asked = re.search(r"\*\((\d+) points?; write your answer in the cell below\.\)\*", question.source)
        if asked:
            assert answer in written and nbgrader(answer)["points"] == int(asked.group(1)), (
                f"cell {question.get('id')}: the next cell must be its graded answer, worth {asked.group(1)} points")
    for cell in answers:
        assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source, grade_id(cell)
    for cell in tests:
        name = grade_id(cell)
        visible = HIDDEN.sub("", cell.source)
        assert "### BEGIN HIDDEN TESTS" in cell.source, f"{name}: add hidden tests"
        assert re.search(r"assert|checks\.", visible), f"{name}: give the student visible checks too"
        assert nbgrader(cell)["points"] > 0


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_executes_cleanly_and_scores_full_marks(reference_class, assignment):
    check = reference_class.checks[(assignment, "solution")]
    assert check.auto_max > 0
    assert check.problems == [] and check.auto_score == check.auto_max


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_blank_release_is_graded_to_the_end_and_scores_zero(reference_class, assignment):
    check = reference_class.checks[(assignment, "release")]
    assert check.problems == [] and check.auto_max > 0 and check.auto_score == 0


NOISE_NOTEBOOK = r'''
import sys, warnings
def answer(noise):
    """42, after writing to stderr what ``noise`` names: TensorFlow's log line, a Keras warning, or the student's own."""
    if noise == "tf_log_line":
        sys.stderr.write("W0000 00:00:1795237901.680076    2162 local_rendezvous.cc:405] Local rendezvous is aborting\n")
    elif noise == "keras_warning":
        warnings.warn_explicit("Do not pass an input_shape", UserWarning,
                               "/venv/lib/python3.11/site-packages/keras/src/layers/core/dense.py", 93)
    else:
        print("my own debugging", file=sys.stderr)
    return 42
'''


def _noise_course(root):
    """A one-notebook course whose correct answer writes to stderr while the tests call it."""
    cells = [
        nbformat.v4.new_code_cell(NOISE_NOTEBOOK, metadata={"nbgrader": {
            "grade": False, "solution": True, "locked": False, "grade_id": "answer", "schema_version": 3}}),
    ]
    for name in ("tf_log_line", "keras_warning", "student_stderr"):
        cells.append(nbformat.v4.new_code_cell(f"assert answer({name!r}) == 42", metadata={"nbgrader": {
            "grade": True, "solution": False, "locked": True, "grade_id": name, "points": 1, "schema_version": 3}}))
    notebook = nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}})
    (root / "source" / "noise").mkdir(parents=True)
    nbformat.write(notebook, root / "source" / "noise" / "noise.ipynb")
    shutil.copy(ROOT / "nbgrader_config.py", root)


def test_tensorflow_noise_on_stderr_cannot_zero_a_correct_answer(tmp_path):
    _noise_course(tmp_path)
    run_nbgrader(tmp_path, "generate_assignment", "noise", "--force")
    shutil.copytree(tmp_path / "source" / "noise", tmp_path / "submitted" / "alice" / "noise")
    run_nbgrader(tmp_path, "autograde", "noise", "--force")
    scores = {g.name: g.auto_score for g in read_grades(tmp_path, "noise", "alice") if g.cell_type == "code"}
    assert scores == {"tf_log_line": 1.0, "keras_warning": 1.0, "student_stderr": 0.0}
