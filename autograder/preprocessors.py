"""nbgrader preprocessors used when grading a class."""

import ast

from pathlib import Path

from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Integer

GUARD_SOURCE = (Path(__file__).with_name("kernel_guard.py")).read_text()
INSTALL_GUARD = (
    "import sys, types\n"
    "_m = types.ModuleType('_autograder_guard')\n"
    "exec(compile({source!r}, 'autograder_guard', 'exec'), _m.__dict__)\n"
    "sys.modules['_autograder_guard'] = _m\n"
    "_m.snapshot()\n"
    "del _m, sys, types\n"
)
DEAD_KERNEL_MARK = "autograder: the kernel died"
CUT_NOTE = "... output cut by the autograder: "
RESTORED_NOTE = "autograder: restored before this test cell (changed by code in the notebook): "


def is_test_cell(cell):
    """A read-only code cell that carries points: the tests of an answer."""
    return cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)


class GuardedExecute(Execute):
    """nbgrader's Execute, which undoes tampering with the test helpers before each test cell.

    Before the first cell it records the modules the tests use (``kernel_guard``);
    around read-only cells it records the names they bind; before each test cell
    it restores whatever the notebook's own code replaced, and notes it in the
    cell's output so that the student and the grader see it.
    """

    def _guard(self, call):
        reply = self.wait_for_reply(self.kc.execute(
            "", silent=True, store_history=False,
            user_expressions={"result": f"__import__('_autograder_guard').{call}"}))
        result = reply["content"].get("user_expressions", {}).get("result", {})
        if result.get("status") != "ok":
            return []
        return ast.literal_eval(result["data"]["text/plain"]) or []

    def _install_guard(self):
        reply = self.wait_for_reply(self.kc.execute(
            INSTALL_GUARD.format(source=GUARD_SOURCE), silent=True, store_history=False))
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"could not install the test guard: {reply['content'].get('evalue')}")
        self._guarded_client = self.kc

    def preprocess_cell(self, cell, resources, index):
        if getattr(self, "_guarded_client", None) is not self.kc:
            self._install_guard()
        if cell.cell_type != "code" or not utils.is_locked(cell):
            return self._execute(cell, resources, index)
        restored = self._guard("restore()") if is_test_cell(cell) else []
        self._guard("begin_instructor_cell()")
        cell, resources = self._execute(cell, resources, index)
        self._guard("end_instructor_cell()")
        if restored:
            cell.outputs.insert(0, NotebookNode(
                output_type="stream", name="stdout", text=RESTORED_NOTE + ", ".join(restored) + "\n"))
        return cell, resources


    def _execute(self, cell, resources, index):
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            name = cell.metadata.get("nbgrader", {}).get("grade_id") or f"number {index + 1}"
            self.log.error("%s while running cell %s (os._exit, a crash, or the memory limit)",
                           DEAD_KERNEL_MARK, name)
            raise


class ForgetDuplicateCells(NbGraderPreprocessor):
    """Make the extra copies of a duplicated cell plain cells.

    nbgrader's DeduplicateIds empties their ``nbgrader`` metadata, which its
    OverwriteCells (with ``add_missing_cells``) then fails to read.
    """

    def preprocess_cell(self, cell, resources, index):
        if cell.metadata.get("nbgrader", None) == {}:
            del cell.metadata["nbgrader"]
        return cell, resources


class LimitOutputSize(NbGraderPreprocessor):
    """Cut text outputs longer than ``max_chars`` (nbgrader's LimitOutput counts lines only)."""

    max_chars = Integer(20000, help="Longest text kept from one output.").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and len(output.text) > self.max_chars:
                output.text = self._cut(output.text)
            for key, value in output.get("data", {}).items():
                if key.startswith("text/") and isinstance(value, str) and len(value) > self.max_chars:
                    output.data[key] = self._cut(value)
        return cell, resources

    def _cut(self, text):
        return text[:self.max_chars] + f"\n{CUT_NOTE}{len(text):,} characters in all\n"
