"""nbgrader preprocessors used when grading a class."""

import ast
import json
import queue
import time
from pathlib import Path

import nbformat

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async, run_sync
from nbformat import NotebookNode
from nbgrader import utils
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Any, Integer, Unicode

from autograder.judge.judge import Judge
from autograder.judge.remote import INSTALL
from autograder.kernel.agent import REQUEST
from autograder.kernel.kernels import WAIT_SLICE, wait_in_slices
from coursemodel.cells import grade_id, is_test_cell

GUARD_SOURCE = Path(__file__).parents[1].joinpath("kernel", "guard.py").read_text()
INSTALL_GUARD = (
    "import sys, types\n"
    "_m = types.ModuleType('_autograder_guard')\n"
    "exec(compile({source!r}, 'autograder_guard', 'exec'), _m.__dict__)\n"
    "sys._autograder_guard = _m\n"
    "_m.snapshot()\n"
    "del _m, sys, types\n"
)
CUT_NOTE = "... output cut by the autograder: "
CHANGED_NOTE = "autograder: the notebook's code had replaced (nothing undone, no point depends on it): "
STOPPED_ERROR = "NotRun"


def plain_output(kind, content):
    """The output a kernel's message stands for (a stream, display data or an error) with plain fields, or None:
    what a request's answer may be made of, whatever the kernel sent."""
    text = lambda value: value if isinstance(value, str) else ""
    if kind == "stream" and content.get("name") in ("stdout", "stderr"):
        return NotebookNode(output_type="stream", name=content["name"], text=text(content.get("text")))
    if kind == "display_data" and isinstance(content.get("data"), dict):
        return NotebookNode(output_type="display_data", data=content["data"], metadata={})
    if kind == "error":
        return error_output(text(content.get("ename")) or "Error", text(content.get("evalue")))
    return None


def error_output(ename, evalue):
    """An error output that the grader adds to a cell."""
    return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


class PreparedExecute(Execute):
    """nbgrader's Execute, in the kernel the grading worker prepared for this notebook (a warm start), whose
    client waits for messages in slices (``wait_in_slices``)."""

    kernel = Any(None, allow_none=True, help="A kernel prepared for this notebook (autograder.kernel.kernels.PreparedKernel, "
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


class JudgedExecute(PreparedExecute):
    """nbgrader's Execute in which the kernel runs the notebook's own cells and the judge runs its tests.

    A test cell is never sent to the kernel: the judge (``autograder.judge``)
    runs the source notebook's version of it, hidden part included, in this
    process, and the cell gets the judge's outputs; the kernel only answers the
    judge's requests, within the cell's time limit. When the kernel dies, or a
    cell or request ignores the interrupt after its time limit, the remaining
    cells are marked as not run and the cells that ran are graded. A detector
    in the kernel (``autograder.kernel.guard``) notes what the notebook's code replaced in
    its own process, for a person's review; nothing is undone and no point
    depends on it.
    """

    responsive_timeout = Integer(15, help="Seconds a kernel may take to answer after an interrupt.").tag(config=True)
    source_notebook = Unicode("", help="The assignment's source notebook: the judge's tests and set-up (default: "
                                       "the course's, when nbgrader itself runs autograde).").tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        self._judge, self._stopped, self._noted, self._deadline, self._printed = None, None, set(), None, []
        self._source = self.source_notebook or self._course_source(resources or {})
        return super().preprocess(nb, resources, km)

    def _course_source(self, resources):
        """The source notebook in the course directory, as nbgrader names it (``nbgrader autograde`` and
        formgrader's Autograde button run this preprocessor without the grading worker)."""
        coursedir = CourseDirectory(config=self.config)
        info = resources.get("nbgrader", {})
        folder = coursedir.format_path(coursedir.source_directory, ".", info.get("assignment", ""))
        return str(Path(folder, f"{info.get('notebook', '')}.ipynb"))

    def _guard(self, call):
        reply = self.wait_for_reply(self.kc.execute(
            "", silent=True, store_history=False,
            user_expressions={"result": f"__import__('sys')._autograder_guard.{call}"}))
        if reply is None:
            return ["the kernel did not answer the detector"]
        result = reply["content"].get("user_expressions", {}).get("result", {})
        if result.get("status") != "ok":
            return [f"the detector failed ({result.get('ename', 'no reply')})"]
        try:
            found = ast.literal_eval(result["data"]["text/plain"])
        except (KeyError, ValueError, SyntaxError):
            return ["the detector's answer was replaced"]
        return found if isinstance(found, list) else ["the detector's answer was replaced"]

    def _install_guard(self):
        reply = self.wait_for_reply(self.kc.execute(
            INSTALL_GUARD.format(source=GUARD_SOURCE), silent=True, store_history=False))
        if reply is None or reply["content"]["status"] != "ok":
            raise RuntimeError("could not install the detector")
        self._guarded_client = self.kc

    def _responsive(self):
        timeout, self.timeout = self.timeout, self.responsive_timeout
        try:
            return self.wait_for_reply(self.kc.kernel_info()) is not None
        finally:
            self.timeout = timeout

    def _exchange(self, code, request=None):
        """Run ``code`` in the kernel silently (no cell of the notebook, no history) within the test's time, with
        ``request`` in its message's metadata; what it printed, displayed and raised, as outputs."""
        outputs = run_sync(self._async_exchange)(code, request)
        self._printed += [o for o in outputs if o.output_type == "stream"]
        return outputs

    async def _async_exchange(self, code, request):
        message = self.kc.session.msg("execute_request", {
            "code": code, "silent": True, "store_history": False, "user_expressions": {}, "allow_stdin": False,
            "stop_on_error": False}, metadata={REQUEST: request} if request is not None else {})
        self.kc.shell_channel.send(message)
        msg_id, outputs = message["header"]["msg_id"], []
        while True:
            kind, content = await self._next_message(self.kc.iopub_channel, msg_id)
            if kind == "status" and content.get("execution_state") == "idle":
                break
            output = plain_output(kind, content)
            if output is None:
                continue
            if output.output_type == "stream" and outputs and outputs[-1].get("name") == output.name:
                outputs[-1].text += output.text
            else:
                outputs.append(output)
        _, reply = await self._next_message(self.kc.shell_channel, msg_id)
        if reply.get("status") == "error" and not any(o.output_type == "error" for o in outputs):
            outputs.append(plain_output("error", reply))  # an error IPython could not show (a recursion limit)
        return outputs

    async def _next_message(self, channel, msg_id):
        """The type and content of the kernel's next message on ``channel`` about request ``msg_id``, within the
        test's time."""
        while True:
            left = self._deadline - time.monotonic()
            if left <= 0:
                await ensure_async(self.km.interrupt_kernel())
                raise CellTimeoutError("the test ran past its time")
            try:
                message = await channel.get_msg(timeout=min(left, WAIT_SLICE))
            except queue.Empty:
                if not await ensure_async(self.kc.is_alive()):
                    raise DeadKernelError("Kernel died") from None
                continue
            parent, content = message.get("parent_header"), message.get("content")
            if isinstance(parent, dict) and parent.get("msg_id") == msg_id:
                return message.get("msg_type"), content if isinstance(content, dict) else {}

    def _the_judge(self):
        if self._judge is None:
            self._deadline = time.monotonic() + self.timeout
            self._exchange(INSTALL)
            self._judge = Judge(nbformat.read(self._source, as_version=4), self.nb, self._exchange,
                                is_test_cell)
        return self._judge

    def _stop(self, cell, why, ename="DeadKernelError"):
        self._stopped = why
        cell.outputs.append(error_output(ename, why))

    def preprocess_cell(self, cell, resources, index):
        if getattr(self, "_guarded_client", None) is not self.kc:
            self._install_guard()
        name = grade_id(cell) or f"number {index + 1}"
        if cell.cell_type != "code":
            return cell, resources
        if self._stopped:
            cell.outputs = [error_output(STOPPED_ERROR, f"not run: {self._stopped}")]
            return cell, resources
        locked, test = utils.is_locked(cell), is_test_cell(cell)
        if locked and not test:
            self._guard("begin_instructor_cell()")
        try:
            if test:
                self._judge_cell(cell, index)
            else:
                cell, resources = super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self.log.error("autograder: the kernel died while running cell %s", name)
            self._stop(cell, f"the kernel died while running cell {name} (os._exit, a crash, or the memory limit)")
            return cell, resources
        except CellTimeoutError:  # no output after the interrupt either
            cell.outputs.append(error_output("CellTimeoutError", "ran past the time limit of one cell"))
        if any(o.output_type == "error" and o.ename == "CellTimeoutError" for o in cell.outputs) \
                and not self._responsive():
            self._stopped = (f"cell {name} went on past its time limit and did not stop when interrupted, "
                             "so the kernel was stopped")
            return cell, resources
        if locked and not test:
            self._guard("end_instructor_cell()")
        return cell, resources

    def _judge_cell(self, cell, index):
        """The judge's verdict on a test cell, with the detector's new findings before it."""
        found = [item for item in self._guard("changes()") if item not in self._noted]
        self._noted.update(found)
        judge = self._the_judge()
        self._deadline, self._printed = time.monotonic() + self.timeout, []
        cell.outputs = []
        if found:
            cell.outputs.append(NotebookNode(output_type="stream", name="stdout", text=CHANGED_NOTE + ", ".join(found)
                                             + "\n"))
        try:
            verdict = judge.run(cell.source, index + 1)
        finally:
            cell.outputs += self._printed  # what the student's code printed, stderr included, as nbgrader counts it
        cell.outputs += verdict


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
