"""nbgrader preprocessors used when grading a class."""

import ast
import json
from pathlib import Path

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import run_sync
from nbformat import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Any, Integer

from autograder.kernels import wait_in_slices

GUARD_SOURCE = (Path(__file__).with_name("kernel_guard.py")).read_text()
INSTALL_GUARD = (
    "import sys, types\n"
    "_m = types.ModuleType('_autograder_guard')\n"
    "exec(compile({source!r}, 'autograder_guard', 'exec'), _m.__dict__)\n"
    "sys._autograder_guard = _m\n"
    "_m.snapshot()\n"
    "del _m, sys, types\n"
)
CUT_NOTE = "... output cut by the autograder: "
RESTORED_NOTE = "autograder: restored before this test cell (changed by code in the notebook): "
TAMPER_ERROR = "TamperingDetected"
STOPPED_ERROR = "NotRun"


def is_test_cell(cell):
    """A read-only code cell that carries points: the tests of an answer."""
    return cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)


def error_output(ename, evalue):
    """An error output that the grader adds to a cell."""
    return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


class PreparedExecute(Execute):
    """nbgrader's Execute, in the kernel the grading worker prepared for this notebook (a warm start), whose
    client waits for messages in slices (``wait_in_slices``)."""

    kernel = Any(None, allow_none=True, help="A kernel prepared for this notebook (autograder.kernels.PreparedKernel, "
                                             "a warm start); by default a new kernel is started.").tag(config=True)

    async def async_start_new_kernel_client(self):
        client = await super().async_start_new_kernel_client()
        wait_in_slices(client.shell_channel)
        wait_in_slices(client.iopub_channel)
        return client

    start_new_kernel_client = run_sync(async_start_new_kernel_client)

    def preprocess(self, nb, resources=None, km=None):
        try:
            return super().preprocess(nb, resources, km or (self.kernel.manager if self.kernel else None))
        finally:
            if not self.owns_km and self.kc is not None:  # its owner shuts the kernel down
                self.kc.stop_channels()
                self.kc = None


class GuardedExecute(PreparedExecute):
    """nbgrader's Execute, hardened against notebooks that tamper with the tests or stop the kernel.

    Before the first cell it records what the tests rely on (``kernel_guard``);
    around read-only cells it records the names they bind. Before each test cell
    it restores whatever the notebook's code replaced; after it, it checks
    again. Anything found is noted in the cell, and a test cell run after
    tampering, or during which tampering happened, scores zero (an error
    output). A test cell with any error output scores zero whatever it printed
    before. When the kernel dies, or a cell ignores the interrupt after its time
    limit, the remaining cells are marked as not run and the cells that ran are
    graded.
    """

    responsive_timeout = Integer(15, help="Seconds a kernel may take to answer after an interrupt.").tag(config=True)
    def _guard(self, call):
        reply = self.wait_for_reply(self.kc.execute(
            "", silent=True, store_history=False,
            user_expressions={"result": f"__import__('sys')._autograder_guard.{call}"}))
        if reply is None:
            return ["the kernel did not answer the test guard"]
        result = reply["content"].get("user_expressions", {}).get("result", {})
        if result.get("status") != "ok":
            return [f"the test guard failed ({result.get('ename', 'no reply')})"]
        try:
            found = ast.literal_eval(result["data"]["text/plain"])
        except (KeyError, ValueError, SyntaxError):
            return ["the test guard's answer was replaced"]
        return found if isinstance(found, list) else ["the test guard's answer was replaced"]

    def _install_guard(self):
        reply = self.wait_for_reply(self.kc.execute(
            INSTALL_GUARD.format(source=GUARD_SOURCE), silent=True, store_history=False))
        if reply is None or reply["content"]["status"] != "ok":
            raise RuntimeError("could not install the test guard")
        self._guarded_client = self.kc
        self._stopped = None

    def _responsive(self):
        timeout, self.timeout = self.timeout, self.responsive_timeout
        try:
            return self.wait_for_reply(self.kc.kernel_info()) is not None
        finally:
            self.timeout = timeout

    def preprocess_cell(self, cell, resources, index):
        if getattr(self, "_guarded_client", None) is not self.kc:
            self._install_guard()
        name = cell.metadata.get("nbgrader", {}).get("grade_id") or f"number {index + 1}"
        if cell.cell_type != "code":
            return cell, resources
        if self._stopped:
            cell.outputs = [error_output(STOPPED_ERROR, f"not run: {self._stopped}")]
            return cell, resources
        test = is_test_cell(cell)
        locked = utils.is_locked(cell)
        restored = self._guard("restore()") if test else []
        if locked:
            self._guard("begin_instructor_cell()")
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self.log.error("autograder: the kernel died while running cell %s", name)
            self._stopped = f"the kernel died while running cell {name} (os._exit, a crash, or the memory limit)"
            cell.outputs.append(error_output("DeadKernelError", self._stopped))
            return cell, resources
        except CellTimeoutError:  # no output after the interrupt either
            cell.outputs.append(error_output("CellTimeoutError", "ran past the time limit of one cell"))
        if any(o.output_type == "error" and o.ename == "CellTimeoutError" for o in cell.outputs) \
                and not self._responsive():
            self._stopped = (f"cell {name} went on past its time limit and did not stop when interrupted, "
                             "so the kernel was stopped")
            return cell, resources
        changed = self._guard("restore()") if test else []
        if locked:
            self._guard("end_instructor_cell()")
        if test:
            self._judge(cell, restored, changed)
        return cell, resources

    @staticmethod
    def _judge(cell, restored, changed):
        """Grade a test cell from what the grader saw, not from what the kernel printed first."""
        for output in cell.outputs:  # no partial credit from a value the cell (or the notebook) displays
            if output.output_type == "execute_result":
                output.output_type = "display_data"
                output.pop("execution_count", None)
        notes = []
        if restored:
            notes.append(NotebookNode(output_type="stream", name="stdout",
                                      text=RESTORED_NOTE + ", ".join(restored) + "\n"))
        if changed:
            notes.append(NotebookNode(output_type="stream", name="stdout",
                                      text=RESTORED_NOTE + "(during this test) " + ", ".join(changed) + "\n"))
        cell.outputs[:0] = notes
        if restored or changed:
            cell.outputs.append(error_output(TAMPER_ERROR, "code in the notebook changed what the tests use; "
                                                           "zero points for this test, flagged for review"))


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
    """Cut text outputs longer than ``max_chars`` and drop every output past ``max_total_bytes`` for the
    whole notebook, images included (nbgrader's LimitOutput counts lines only)."""

    max_chars = Integer(20000, help="Longest text kept from one output.").tag(config=True)
    max_total_bytes = Integer(8 * 2**20, help="Outputs of one notebook together, images included.").tag(config=True)

    def preprocess(self, nb, resources):
        self._total = 0
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        kept = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and len(output.text) > self.max_chars:
                output.text = self._cut(output.text)
            for key, value in output.get("data", {}).items():
                if key.startswith("text/") and isinstance(value, str) and len(value) > self.max_chars:
                    output.data[key] = self._cut(value)
            size = len(json.dumps(output))
            if self._total + size > self.max_total_bytes:
                kept.append(NotebookNode(output_type="stream", name="stdout", text=(
                    f"{CUT_NOTE}an output of {size:,} bytes, past the {self.max_total_bytes:,} bytes "
                    "that one notebook's outputs may take\n")))
            else:
                kept.append(output)
                self._total += size
        if "outputs" in cell:
            cell.outputs = kept
        return cell, resources

    def _cut(self, text):
        return text[:self.max_chars] + f"\n{CUT_NOTE}{len(text):,} characters in all\n"
