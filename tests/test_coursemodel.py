"""The course model: its layout, the one rule of what a student may see, nbgrader's cells and markers."""
import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from coursemodel import cells, code
from coursemodel.layout import Course, may_see

ROOT = Path(__file__).resolve().parents[1]


def test_the_course_lists_its_assignments_in_order_with_one_notebook_each():
    course = Course(ROOT)
    names = course.assignment_names()
    assert names == sorted(names) and names[0] == "01_elbo" and len(names) == 5
    assert course.assignment("04_vae").path("release") == ROOT / "release" / "04_vae" / "vae.ipynb"
    assert course.assignment("04_vae").path("autograded", "ada") == ROOT / "autograded" / "ada" / "04_vae" / "vae.ipynb"
    with pytest.raises(ValueError, match="must have exactly one notebook"):
        course.assignment("99_nothing").notebook_name


def test_two_notebooks_in_one_assignment_are_refused(tmp_path):
    (tmp_path / "source" / "01_x").mkdir(parents=True)
    for name in ("a.ipynb", "b.ipynb"):
        nbformat.write(new_notebook(), tmp_path / "source" / "01_x" / name)
    with pytest.raises(ValueError, match=r"has \['a.ipynb', 'b.ipynb'\]"):
        Course(tmp_path).assignment("01_x").notebook_name


def test_what_a_student_may_see_is_one_rule_for_publishing_and_grading():
    course = Course(ROOT)
    names = course.assignment_names()
    for until in names:
        assert course.not_due(until) == [name for name in names if not may_see(until, name)]
        assert course.not_due(until)[0] == until  # never the answers of the assignment itself
    table = json.loads((ROOT / "course" / "_data" / "reference_files.json").read_text())
    assert not may_see("04_vae", table["vae.py"]) and may_see("05_posteriors", table["vae.py"])
    with pytest.raises(ValueError, match="no assignment '07'"):
        course.not_due("07")


def test_markers_are_nbgraders_and_match_inside_a_line_as_nbgrader_matches_them():
    assert cells.BEGIN_SOLUTION == "BEGIN SOLUTION" and cells.END_HIDDEN == "END HIDDEN TESTS"
    cell = new_code_cell("def f(x):\n    #### BEGIN SOLUTION (yours here)\n    return x\n    ### END SOLUTION\nf(1)",
                         metadata={"nbgrader": {"grade_id": "f", "solution": True, "grade": False}})
    assert cells.split_cell(cell) == (["    return x"], ["def f(x):", "f(1)"])
    assert cells.solved_source(cell) == "def f(x):\n    return x\nf(1)"
    visible, hidden, start = cells.split_hidden("a = 1\n# BEGIN HIDDEN TESTS, please\nassert a\n### END HIDDEN TESTS")
    assert (visible, start) == ("a = 1", 2) and hidden.endswith("### END HIDDEN TESTS")


@pytest.mark.parametrize("metadata", [{}, {"nbgrader": None}, {"nbgrader": [1]}, {"nbgrader": "x"}])
def test_cells_without_usable_grading_metadata_read_as_ungraded(metadata):
    cell = new_markdown_cell("text", metadata=metadata)
    assert cells.nbgrader(cell) == {} and cells.grade_id(cell) is None


def test_the_setup_cell_is_found_by_its_grade_id():
    notebook = new_notebook(cells=[new_markdown_cell("title"), new_code_cell("x = 1"),
                                   new_code_cell("import numpy as np", metadata={"nbgrader": {"grade_id": "setup"}})])
    assert cells.setup_cell(notebook).source == "import numpy as np"


def test_the_code_reader_finds_definitions_bindings_reads_and_imports():
    source = "import numpy as np\nfrom scipy import stats as st\n\n@np.vectorize\ndef f(x):\n    y = np.exp(x)\n" \
             "    return y + z\n\nclass C:\n    def g(self):\n        pass\n\nw = 1\n"
    assert code.defined_names(source) == ["f", "C"]
    assert code.top_level_definitions(source)["f"].startswith("@np.vectorize\ndef f(x):")
    assert code.names_defined_anywhere(source) == {"f", "C", "g", "w"}
    assert code.names_defined_anywhere("def broken(:\nclass K") == {"broken", "K"}  # not Python: line starts
    assert code.bound_names(source) >= {"np", "st", "f", "C", "w", "y"}
    assert code.free_names(source) == {"np", "z"}  # imports are read from the setup cell, not bound here
    assert code.imports(source) == {"np": "import numpy as np", "st": "from scipy import stats as st"}
    assert code.imported_modules(source + "def h():\n    import os.path\n    from . import mine\n") == [
        "numpy", "scipy", "scipy.stats", "os.path"]  # at any depth; relative imports left out
    assert code.imported_modules("%matplotlib inline\nimport numpy") == []  # IPython, not Python
