"""A student with nothing but the student edition can do every assignment: on Colab and in JupyterLab.

One fresh virtual environment stands for the student's runtime. The Colab setup cell, run with a
fake ``google.colab``, installs the edition from a git repository of it, as it installs from the
student repository on Colab. Then, for each assignment, the edition published at its release is
installed, and its notebook runs top to bottom in fast mode twice: as published (only the stubs may
fail), and with the instructor's answers and hidden tests planted in, where it must end in a full
self-check. Planted answers whose docstring allows an array return NumPy arrays, so the given code
and the tests after them must accept every return type the docstring allows.
"""
import ast
import copy
import json
import re
import shutil
import tomllib

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from authoring import ROOT, colab
from authoring.publish import LAB_PACKAGES
from coursemodel.cells import is_solution_cell, nbgrader, setup_cell, solved_source
from coursemodel.code import defined_names
from coursemodel.layout import Course
from student_runtime import StudentRuntime, errors, not_from_stubs

from authoring_support import ASSIGNMENTS

SELF_CHECK = re.compile(r"visible tests of (\S+): (\d+) of (\d+) pass")
TENSOR_CONTRACT = re.compile(r"\b[Rr]eturns?\b[^.]*\ba float32 tensor\b")  # the docstring forbids an array
AS_NUMPY = '''\
def _as_numpy_answer(function):
    """``function`` returning NumPy arrays where it returned tensors (a correct answer written so)."""
    import functools
    import tensorflow as _tf

    def convert(value):  # in a traced function, an answer in NumPy gives constants: leave those be
        if isinstance(value, tuple):
            return tuple(convert(item) for item in value)
        return value.numpy() if isinstance(value, _tf.Tensor) and _tf.executing_eagerly() else value

    @functools.wraps(function)
    def wrapped(*args, **kwargs):
        return convert(function(*args, **kwargs))
    return wrapped'''
PROBE = ("import course, json, pkgutil\n"
         "modules = sorted(m.name for m in pkgutil.iter_modules(course.__path__))\n"
         "print('COURSE ' + json.dumps([course.__file__, modules]))")


@pytest.fixture(scope="module")
def runtime(editions, tmp_path_factory):
    """The student's runtime, with the edition of the last assignment installed by the Colab setup cell."""
    student = StudentRuntime(tmp_path_factory.mktemp("student"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    kernel = next(r for r in project["optional-dependencies"]["dev"] if r.startswith(LAB_PACKAGES[1]))
    student.create([kernel, *project["dependencies"]])  # what a Colab runtime has before the setup cell
    last = ASSIGNMENTS[-1]
    setup = setup_cell(nbformat.read(editions[last] / "assignments" / last / next(
        p.name for p in (editions[last] / "assignments" / last).glob("*.ipynb")), as_version=4)).source
    url = f"git+https://github.com/{colab.repository(ROOT)}"
    assert setup.count(url) == 1, "the setup cell installs from the student repository"
    student.setup = student.colab_setup(setup.replace(url, f"git+file://{editions[last]}"))
    student.installed = last
    return student


def test_on_colab_the_setup_cell_installs_the_edition_from_its_repository(runtime, editions):
    assert runtime.setup["calls"] == ["custom widget manager"]
    assert runtime.setup["course"].startswith(str(runtime.folder / "venv")), "course comes from the runtime"
    assert re.search(r"running on (CPU|GPU: .+) \| mode: ", runtime.setup["printed"])
    origin = runtime.metadata('json.loads(importlib.metadata.distribution("vi-vae-course").read_text('
                              '"direct_url.json"))')
    assert origin["url"] == f"file://{editions[ASSIGNMENTS[-1]]}" and origin["vcs_info"]["vcs"] == "git"
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert runtime.metadata('importlib.metadata.version("vi-vae-course")') == f"{version}.{len(ASSIGNMENTS)}"


def _notebook(edition, assignment):
    path = next((edition / "assignments" / assignment).glob("*.ipynb"))
    return path, nbformat.read(path, as_version=4)


def _run(runtime, notebook, path, tmp_path):
    workdir = tmp_path / path.parent.name
    shutil.copytree(path.parent, workdir)
    notebook.cells.append(new_code_cell(PROBE))
    executed = runtime.execute(notebook, workdir)
    probe = "".join(o.get("text", "") for o in executed.cells[-1].outputs)
    course_file, modules = json.loads(probe.split("COURSE ", 1)[1])
    assert course_file.startswith(str(runtime.folder / "venv")), f"course came from {course_file}"
    return executed, set(modules)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_release_runs_with_the_edition_of_its_day_and_fails_only_at_stubs(runtime, editions, assignment, tmp_path):
    runtime.install(editions[assignment], assignment)
    path, notebook = _notebook(editions[assignment], assignment)
    executed, modules = _run(runtime, notebook, path, tmp_path)
    assert errors(executed), "a stub must raise NotImplementedError"
    assert not_from_stubs(executed) == []
    assert ("vae" in modules) == (assignment > "04_vae") and ("distributions" in modules) == (assignment > "01_elbo")


def planted(notebook, source):
    """``notebook`` with the instructor's answers and hidden tests put back, and every answer whose
    docstring allows an array wrapped to return NumPy arrays."""
    originals = {nbgrader(cell).get("grade_id"): cell for cell in source.cells if nbgrader(cell).get("grade_id")}
    notebook = copy.deepcopy(notebook)
    cells = []
    for cell in notebook.cells:
        original = originals.get(nbgrader(cell).get("grade_id"))
        if original is not None and (is_solution_cell(cell) or nbgrader(cell).get("grade")):
            cell.source = solved_source(original) if cell.cell_type == "code" else original.source
        cells.append(cell)
        if cell.cell_type == "code" and nbgrader(cell).get("grade_id") == "setup":
            cells.append(new_code_cell(AS_NUMPY))
        elif cell.cell_type == "code" and is_solution_cell(cell):
            cells += [new_code_cell(f"{name} = _as_numpy_answer({name})") for name in array_answers(cell.source)]
    notebook.cells = cells
    return notebook


def array_answers(source):
    """Functions defined by an answer cell whose docstring lets them return NumPy arrays."""
    return [node.name for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)
            and not TENSOR_CONTRACT.search(ast.get_docstring(node) or "")]


def test_the_docstrings_say_which_answers_must_be_tensors():
    kinds = {}
    for assignment in ASSIGNMENTS:
        for cell in Course(ROOT).assignment(assignment).read().cells:
            if cell.cell_type == "code" and is_solution_cell(cell):
                arrays = array_answers(solved_source(cell))
                kinds.update({name: "array" if name in arrays else "tensor"
                              for name in defined_names(solved_source(cell)) if name[0].islower()})
    tensors = {name for name, kind in kinds.items() if kind == "tensor"}
    assert {"logsumexp", "log_bernoulli", "log_marginal", "sbn_log_marginal_exact", "reparameterize",
            "elbo_analytic_kl", "train_step", "log_likelihood_top"} <= tensors, "differentiated or traced"
    assert {"frankenstein", "all_configurations", "latent_grid", "svi_top_half", "log_marginal_importance",
            "grad_score_function"} <= set(kinds) - tensors


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_release_with_answers_planted_finishes_with_a_full_self_check(runtime, editions, assignment, tmp_path):
    runtime.install(editions[assignment], assignment)
    path, notebook = _notebook(editions[assignment], assignment)
    executed, _ = _run(runtime, planted(notebook, Course(ROOT).assignment(assignment).read()), path, tmp_path)
    assert errors(executed) == []
    printed = "".join(o.get("text", "") for cell in executed.cells[-2:-1] for o in cell.outputs)
    name, passed, total = SELF_CHECK.search(printed).groups()
    assert name == assignment and passed == total and int(total) > 0, printed
