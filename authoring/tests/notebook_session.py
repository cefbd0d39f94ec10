"""One kernel that runs a source notebook with its solutions, then runs its test cells against other answers.

``NotebookSession`` executes, in grading mode (``NBGRADER_EXECUTION``) as nbgrader runs them, the
setup, every solution and test cell (answers solved, hidden tests included) and the given cells
that bind a name one of those reads (plots and demonstrations are left out). A
test cell then either passes or raises; ``verdicts`` runs test cells after putting another answer
in place of the solution (a correct answer written differently, or a planted bug) and puts the
solution back afterwards.
"""
import os

from jupyter_client.manager import start_new_kernel

from authoring import ROOT
from coursemodel.cells import nbgrader, solved_source
from coursemodel.code import bound_names, free_names
from coursemodel.layout import Course

KERNEL_ENV = {"NBGRADER_EXECUTION": "autograde", "COURSE_OFFLINE": "1", "MPLBACKEND": "Agg",
              "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(ROOT)}


def _needed(cells):
    """The cells the tests depend on: the setup, solutions, tests, and given cells that bind what a later
    needed cell reads."""
    needed, wanted = [], set()
    for index in reversed(range(len(cells))):
        cell = cells[index]
        if index == 0 or nbgrader(cell).get("grade") or nbgrader(cell).get("solution") or bound_names(cell.source) & wanted:
            needed.append(cell)
            wanted |= free_names(_runnable(cell))
    return needed[::-1]


def _runnable(cell):
    """The code a cell runs as the instructor's solution: solution markers dropped, hidden tests kept."""
    return solved_source(cell) if nbgrader(cell).get("solution") else cell.source


class NotebookSession:
    """A kernel holding one assignment's source notebook, run with its solutions."""

    def __init__(self, assignment, folder, timeout=600):
        notebook = Course(ROOT).assignment(assignment).read()
        cells = [c for c in notebook.cells if c.cell_type == "code"]
        self.tests = {nbgrader(c)["grade_id"]: c.source for c in cells if nbgrader(c).get("grade")}
        self.solutions = {nbgrader(c)["grade_id"]: _runnable(c) for c in cells if nbgrader(c).get("solution")}
        self.timeout = timeout
        self.manager, self.client = start_new_kernel(kernel_name="python3", cwd=str(folder),
                                                     env={**os.environ, **KERNEL_ENV})
        self.failures = {}
        for cell in _needed(cells):
            error = self.run(_runnable(cell))
            name = nbgrader(cell).get("grade_id", cell.get("id"))
            if error and nbgrader(cell).get("grade"):
                self.failures[name] = error
            elif error:
                raise RuntimeError(f"{assignment}: cell {name} of the solution failed: {error}")

    def run(self, code):
        """None when ``code`` runs without an exception; otherwise its exception as one line."""
        errors = []

        def hook(message):
            if message["msg_type"] == "error":
                errors.append(f"{message['content']['ename']}: {message['content']['evalue']}")

        reply = self.client.execute_interactive(code, timeout=self.timeout, output_hook=hook, store_history=False)
        if reply["content"]["status"] != "ok":
            return errors[0] if errors else reply["content"].get("ename", "error")
        return None

    def verdicts(self, replaces, code, tests):
        """{test: None or its error} with ``code`` run after the solution cell ``replaces``; the solution is
        run again afterwards."""
        try:
            error = self.run(code)
            if error:
                raise RuntimeError(f"the answer in place of {replaces} does not run: {error}")
            return {test: self.run(self.tests[test]) for test in tests}
        finally:
            restored = self.run(self.solutions[replaces])
            assert restored is None, f"putting the solution {replaces} back failed: {restored}"

    def close(self):
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)

