"""Kernels started ahead of their notebook: a warm start that never shares state.

A ``PreparedKernel`` is one fresh kernel for one notebook: its own student
cgroups, its own sandbox and sockets, with the course's stack imported before
the notebook is known; ``assign`` then shows it the helper package as the
notebook's students have it (an empty read-only folder until then) and does
the notebook's own imports. Both happen silently, outside the history and
outside every cell's time limit.
A ``KernelSupply`` (one per grading worker) starts the next kernel in the
background while the current notebook is graded (none after a run's last).
A kernel is never given to a second notebook: ``close`` kills its whole
process tree and removes its groups and folders.
"""

import os
import queue
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from traitlets import Integer, List, Unicode

from autograder.kernel import cgroups

IMPORT_SECONDS = 300  # the assignment's imports, before the notebook's clock starts
PREPARING_NICE = 10  # a kernel being prepared yields the CPU to the notebook being graded
HISTORY = "--HistoryManager.hist_file=:memory:"
LOG_TAIL = 4000


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager that starts every kernel through ``python -m autograder.kernel.sandbox``, reached over
    Unix sockets in ``<runtime_dir>/sockets``, the only folder the kernel shares with the grader."""

    memory_limit_mb = Integer(help="Address-space limit of the kernel, in MiB (set from the grading options).").tag(config=True)
    runtime_dir = Unicode(help="Folder for the kernel's connection file and sockets.").tag(config=True)
    student_package = Unicode("", help="The course package as students have it (student_package), "
                                       "shown to the kernel in place of the real one.").tag(config=True)
    cgroup_procs = List(Unicode(), help="cgroup.procs files of the student's groups, joined before "
                                        "the sandbox starts.").tag(config=True)
    nice = Integer(0, help="How much lower the kernel's CPU priority starts.").tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        sockets = Path(self.runtime_dir, "sockets")
        sockets.mkdir(parents=True, exist_ok=True)
        sockets.chmod(0o777)  # the kernel's user creates its sockets; ``close_sockets`` closes it again
        self.transport, self.ip = "ipc", str(sockets / "kernel")
        self.connection_file = os.path.join(self.runtime_dir, "connection.json")

    def close_sockets(self):
        """Forbid new files in the socket folder (the kernel is up: its sockets exist)."""
        Path(self.runtime_dir, "sockets").chmod(0o755)

    def format_kernel_cmd(self, extra_arguments=None):
        # Interrupt by message: a SIGINT to the process group would stop bubblewrap, not the cell.
        self.kernel_spec.interrupt_mode = "message"
        cmd = super().format_kernel_cmd(extra_arguments)
        options = ["--connection-file", self.connection_file, "--sockets", str(Path(self.runtime_dir, "sockets")),
                   "--memory-limit-mb", str(self.memory_limit_mb)]
        options += ["--student-package", self.student_package] if self.student_package else []
        for procs in self.cgroup_procs:
            options += ["--cgroup-procs", procs]
        options += ["--nice", str(self.nice)] if self.nice else []
        return [sys.executable, "-m", "autograder.kernel.sandbox", *options, "--", *cmd]


WAIT_SLICE = 1.0  # seconds


def wait_in_slices(channel):
    """Make a kernel client's ``channel.get_msg`` wait in slices of ``WAIT_SLICE`` seconds.

    zmq's asyncio poll can miss the wake-up of a message that has arrived, and then sleep to its full
    timeout before it looks at the socket again. nbclient waits for a cell's reply with the cell's whole
    time limit: graded notebooks sat idle for 300 s after a reply that came at once (the next cell started
    on the first one's deadline, to the millisecond), about one run of the ten reference notebooks in
    three. Each slice ends with a look at the socket, so a missed wake-up costs a slice at most."""
    get_msg = channel.get_msg

    async def sliced(timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = WAIT_SLICE if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                return await get_msg(timeout=min(WAIT_SLICE, left))
            except queue.Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise

    channel.get_msg = sliced


class KernelFailed(RuntimeError):
    """The kernel could not be started or could not do the assignment's imports."""


# The course's stack, imported by every assignment (its helper package imports them): each kernel imports it
# before its notebook, and its assignment, are known.
STACK = ("numpy", "scipy.special", "scipy.stats", "matplotlib.pyplot", "ipywidgets", "tensorflow")


@dataclass(frozen=True)
class KernelSpec:
    """The limits a kernel is prepared with."""

    memory_limit_mb: int
    max_processes: int
    sandboxed: bool = True


def import_code(modules):
    """Code that imports ``modules`` and binds no name, skipping any the student's package does not have."""
    lines = [f"try:\n    __import__({name!r})\nexcept ImportError:\n    pass" for name in modules]
    return "\n".join(lines)


class PreparedKernel:
    """One started, warmed-up kernel in its sandbox and groups, for one notebook."""

    def __init__(self, spec, parent):
        self.spec = spec
        self.folder = Path(tempfile.mkdtemp(prefix="kernel-", dir=parent))
        self.package = self.folder / "course"  # shown to the kernel, read-only, as the course package
        self.package.mkdir(mode=0o755)
        self.group = None
        self.manager = None
        try:
            self._start()
        except BaseException:
            self.close()
            raise

    def _start(self):
        spec = self.spec
        if spec.sandboxed:
            self.group = cgroups.StudentGroup(spec.memory_limit_mb * 2**20, spec.max_processes)
            self.manager = SandboxedKernelManager(
                kernel_name="python3", runtime_dir=str(self.folder), memory_limit_mb=spec.memory_limit_mb,
                student_package=str(self.package), cgroup_procs=self.group.procs_files(), nice=PREPARING_NICE)
        else:
            self.manager = AsyncKernelManager(kernel_name="python3")
        # nbgrader sets NBGRADER_EXECUTION only while it autogrades; a kernel started before its notebook needs
        # it from the start (the notebooks shrink their heavy cells under nbgrader)
        env = {**os.environ, "NBGRADER_EXECUTION": "autograde"}
        with open(self.folder / "kernel.log", "wb") as log:  # what the kernel's process itself prints
            run_sync(self.manager.start_kernel)(extra_arguments=[HISTORY], stdout=log, stderr=log, env=env)
        run_sync(self._run_silently)(STACK)
        if spec.sandboxed:
            self.manager.close_sockets()

    def assign(self, package, imports):
        """Show the kernel ``package`` (a student_package, linked in) and import ``imports`` in it."""
        if self.spec.sandboxed:
            shutil.copytree(package, self.package, dirs_exist_ok=True, copy_function=os.link)
            self.group.set_priority(os.getpriority(os.PRIO_PROCESS, 0))  # this worker's own
        run_sync(self._run_silently)(imports)

    async def _run_silently(self, imports):
        client = self.manager.client()
        client.start_channels()
        wait_in_slices(client.shell_channel)
        try:
            deadline = time.monotonic() + IMPORT_SECONDS
            await client.wait_for_ready(timeout=IMPORT_SECONDS)
            msg_id = client.execute(import_code(imports), silent=True, store_history=False)
            reply = await client.get_shell_msg(timeout=deadline - time.monotonic())
            while reply["parent_header"].get("msg_id") != msg_id:
                reply = await client.get_shell_msg(timeout=deadline - time.monotonic())
            if reply["content"]["status"] != "ok":
                raise KernelFailed(f"the imports failed: {reply['content'].get('ename')}")
        except (TimeoutError, RuntimeError, queue.Empty) as error:
            if isinstance(error, KernelFailed):
                raise
            raise KernelFailed(f"the kernel did not start and import within {IMPORT_SECONDS} s") from error
        finally:
            client.stop_channels()
            self.manager._close_control_socket()  # its next user opens its own, in its own event loop

    def __deepcopy__(self, memo):  # nbgrader copies its configuration; a kernel is one process
        return self

    def out_of_memory(self):
        """True when the memory limit of the student's groups stopped one of its processes."""
        return self.group is not None and self.group.out_of_memory()

    def kill(self):
        """Stop every process of the kernel now (the notebook's time limit)."""
        if self.group is not None:
            self.group.kill()
        elif self.manager is not None and self.manager.has_kernel:
            self.manager.provisioner.process.kill()

    def close(self):
        """Kill the kernel's whole process tree, remove its groups and folders; returns the end of what
        the kernel's process printed (its own log, not the notebook's outputs)."""
        try:
            if self.manager is not None and self.manager.has_kernel:
                run_sync(self.manager.shutdown_kernel)(now=True)
                run_sync(self.manager.cleanup_resources)()
        finally:
            if self.group is not None:
                self.group.close()
            log = self.folder / "kernel.log"
            text = log.read_bytes()[-LOG_TAIL:].decode(errors="replace") if log.is_file() else ""
            shutil.rmtree(self.folder, ignore_errors=True)
        return f"\n--- the kernel's own output (last {LOG_TAIL} bytes) ---\n{text}" if text.strip() else ""


class KernelSupply:
    """The next kernel of a grading worker, prepared while the current notebook is graded.

    Kernels are started from one long-lived thread: a kernel dies with the thread
    that started it (``--die-with-parent``)."""

    def __init__(self, folder):
        self.folder = folder
        self._starter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kernel-supply")
        self._next = None  # (spec, future of a PreparedKernel)

    def take(self, spec, package, imports, another=True):
        """A fresh kernel with ``spec``'s limits (the one prepared, when it has them), shown ``package`` and with
        ``imports`` done; the next one is started at once unless no ``another`` notebook will follow."""
        if self._next is not None and self._next[0] == spec:
            ready = self._next[1]
        else:
            self.discard()
            ready = self._starter.submit(PreparedKernel, spec, self.folder)
        self._next = (spec, self._starter.submit(PreparedKernel, spec, self.folder)) if another else None
        kernel = ready.result()
        try:
            kernel.assign(package, imports)
        except BaseException:
            kernel.close()
            raise
        return kernel

    def discard(self):
        """Close the kernel prepared for a next notebook (the end of a run)."""
        if self._next is not None:
            _, future = self._next
            self._next = None
            try:
                future.result().close()
            except Exception:  # noqa: BLE001 - a kernel that failed to start has nothing to close
                pass
