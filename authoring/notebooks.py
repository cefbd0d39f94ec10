"""Read the source notebooks: answer blocks, given code, graded names, setup imports.

A source notebook holds two kinds of text. *Answers*: the lines between
``### BEGIN SOLUTION`` and ``### END SOLUTION`` of a solution cell (all of a
written-answer cell) and the lines between ``### BEGIN HIDDEN TESTS`` and
``### END HIDDEN TESTS``. *Given code*: everything else, which the student
release shows. The functions and classes that solution cells define are the
graded names.
"""
import ast
import builtins
from pathlib import Path

import nbformat
from nbgrader.utils import is_solution as is_solution_cell

from autograder.engine.grading import notebook_name
from autograder.results.notebook_report import BEGIN_HIDDEN, END_HIDDEN

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
MARKERS = {BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN, END_HIDDEN}


def source_notebook(root, assignment):
    """The one source notebook of ``assignment`` (path, notebook)."""
    path = Path(root, "source", assignment, notebook_name(root, assignment))
    return path, nbformat.read(path, as_version=4)


def nbgrader(cell):
    return cell.metadata.get("nbgrader", {})


def split_cell(cell):
    """(answer lines, given lines) of one cell, marker lines dropped."""
    lines = cell.source.splitlines()
    if cell.cell_type == "markdown" and is_solution_cell(cell):
        return lines, []
    answers, given, inside = [], [], False
    for line in lines:
        stripped = line.strip()
        if stripped in (BEGIN_SOLUTION, BEGIN_HIDDEN):
            inside = True
        elif stripped in (END_SOLUTION, END_HIDDEN):
            inside = False
        else:
            (answers if inside else given).append(line)
    return answers, given


def solved_source(cell):
    """A solution cell's code as the reference solution: its source without the marker lines."""
    return "\n".join(line for line in cell.source.splitlines() if line.strip() not in MARKERS)


def defined_names(source):
    """Names of the top-level functions and classes that ``source`` defines."""
    return [node.name for node in ast.parse(source).body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]


def bound_names(source):
    """Every name that code binds anywhere: assigned, defined or imported (none if it does not parse)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return names


def free_names(source):
    """Names that code reads but never binds (what it needs from elsewhere); none if it does not parse."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    loaded, bound = set(), set(dir(builtins))
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return loaded - bound


def setup_imports(notebook):
    """{bound name: import statement} of the notebook's setup cell (its first code cell)."""
    setup = next(cell for cell in notebook.cells if cell.cell_type == "code")
    imports = {}
    for node in ast.parse(setup.source).body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                name = alias.asname or alias.name.split(".")[0]
                imports[name] = f"import {alias.name}" + (f" as {alias.asname}" if alias.asname else "")
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                imports[alias.asname or alias.name] = f"from {node.module} import {alias.name}" + (
                    f" as {alias.asname}" if alias.asname else "")
    return imports
