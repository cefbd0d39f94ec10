"""The judge: a notebook's tests run in the grader's own process, with the instructor's code and data.

At grading, the student's kernel runs the notebook's own cells and no test.
The judge builds a namespace from the assignment's source notebook: its setup
cell and the given cells tagged ``judge`` (the data and helpers the tests use),
never the submission's copies, each without the expression statements it ends
with (a figure, a printed summary: shown, never read). Every other name a test
reads stands for the kernel's object of that name (``autograder.judge.remote``). Each test cell of
the source notebook, hidden part included, then runs here; whatever crosses
from the kernel is plain values, and every expected value is the judge's. A
test's outputs are what it printed and, when it fails, an error whose
traceback points at the line of the test that failed.
"""

import ast
import builtins
import contextlib
import io
import traceback
from types import ModuleType

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode

from autograder.judge.remote import Channel, KernelError, RemoteName
from coursemodel.cells import SETUP_ID, grade_id

JUDGE_TAG = "judge"


def _names(source):
    """(names a piece of code reads, names it binds), or two empty sets when it does not parse."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set(), set()
    read, bound = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return read, bound


def definitions(notebook):
    """{name: source text} of every function and class defined at the top of a code cell (the last one wins)."""
    found = {}
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                found[node.name] = ast.get_source_segment(cell.source, node) or ""
    return found


def _by_value(value):
    """Whether an object of the given code crosses as its value (numbers, strings, arrays, tensors, containers),
    not by its name: the kernel's copy of the data might have been changed, the judge's is the input."""
    import numpy as np
    return isinstance(value, (type(None), bool, int, float, str, np.ndarray, np.generic, tuple, list, dict)) \
        or type(value).__module__.startswith("tensorflow")


def without_display(source):
    """A set-up cell's code without its trailing expression statements: what the notebook only shows (a
    figure, a printed summary), which no test reads and the judge need not draw or compute."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    while tree.body and isinstance(tree.body[-1], ast.Expr):
        tree.body.pop()
    return tree


def is_judge_setup(cell):
    """A given cell of the source notebook that the judge runs too: the setup cell, or one tagged ``judge``."""
    return cell.cell_type == "code" and (grade_id(cell) == SETUP_ID
                                         or JUDGE_TAG in cell.metadata.get("tags", []))


class Judge:
    """The tests of one notebook. ``source``: the assignment's source notebook; ``submission``: the notebook
    being graded (for the text of its definitions); ``exchange``: runs code in its kernel (``remote.Channel``)."""

    def __init__(self, source, submission, exchange, is_test):
        self.channel = Channel(exchange, definitions(submission), self._given)
        self.namespace = {"__name__": "__judge__", "__builtins__": builtins}
        with contextlib.redirect_stdout(io.StringIO()):
            for cell in source.cells:
                if is_judge_setup(cell):
                    exec(compile(without_display(cell.source), f"<judge setup {cell.get('id', '')}>", "exec"),
                         self.namespace)
        given = [(name, value) for name, value in self.namespace.items() if not name.startswith("__")]
        self.twins = {id(value): name for name, value in given if not isinstance(value, (ModuleType, type))
                      and not _by_value(value)}
        self.classes = {value: name for name, value in given if isinstance(value, type)
                        and value.__module__ == "__judge__"}
        read, bound = set(), set()
        for cell in source.cells:
            if is_test(cell):
                cell_read, cell_bound = _names(cell.source)
                read |= cell_read
                bound |= cell_bound
        for name in read - bound - set(self.namespace) - set(dir(builtins)):
            self.namespace[name] = RemoteName(self.channel, name)
        import matplotlib.pyplot as plt
        plt.close("all")

    def _given(self, value):
        """An object of the given code as an argument: by its name, which the kernel's given code also binds, or,
        for an instance of a given class, by that class's name and the instance's attributes."""
        if id(value) in self.twins:
            return {"name": self.twins[id(value)]}
        if type(value) in self.classes:
            return {"object": {"class": self.classes[type(value)], "state": self.channel.encode(vars(value))}}
        return None

    def run(self, source, number):
        """Run one test's source; its outputs (nbformat). A timeout or a dead kernel goes on to the caller."""
        filename = f"<test {number}>"
        printed = io.StringIO()
        outputs = []
        try:
            with contextlib.redirect_stdout(printed):
                exec(compile(source, filename, "exec"), self.namespace)
        except (CellTimeoutError, DeadKernelError):
            raise
        except Exception as error:  # noqa: BLE001 - a failed check, or the student's code failed
            outputs.append(error_output(error, filename, number))
        if printed.getvalue():
            outputs.insert(0, NotebookNode(output_type="stream", name="stdout", text=printed.getvalue()))
        return outputs


def error_output(error, filename, number):
    """An error output as a kernel gives it, pointing at the test's line that raised."""
    lines = [frame.lineno for frame in traceback.extract_tb(error.__traceback__) if frame.filename == filename]
    ename = error.ename if isinstance(error, KernelError) else type(error).__name__
    where = [f"Cell In[{number}], line {lines[-1]}"] if lines else []
    return NotebookNode(output_type="error", ename=ename, evalue=str(error),
                        traceback=["Traceback (most recent call last):", *where, f"{ename}: {error}"])
