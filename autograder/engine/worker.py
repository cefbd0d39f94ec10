"""The grading worker's side: one task grades one notebook, from bytes to bytes.

A task gets the sanitized submission, the assignment's grading ``Bundle`` (its
source notebook, the course's nbgrader config and a gradebook holding only that
assignment) and the grading ``Options``; it needs no file system shared with
the course. It runs nbgrader's autograde pipeline in this long-lived process,
in a scratch course of its own, with a kernel prepared beforehand
(``autograder.kernel.kernels``), and returns the autograded notebook, the messages and
the log. Only the main process writes the course's gradebook and records.
"""

import atexit
import hashlib
import importlib
import os
import re
import shutil
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from autograder.kernel import cgroups, kernels, sandbox
from autograder.results import records
from coursemodel import cells


@dataclass(frozen=True)
class Bundle:
    """What every task of one assignment needs, sent once to each worker."""

    assignment: str
    nb_name: str
    source: bytes  # the assignment's source notebook
    config: str  # the course's nbgrader_config.py
    gradebook: bytes  # a gradebook with this assignment's notebook and cells, no student
    imports: tuple  # modules the notebook's own cells import, done before its clock starts
    environment: str  # ``environment_digest`` of the grader that made the bundle


@dataclass(frozen=True)
class Task:
    """One student's notebook to grade."""

    student: str
    notebook: bytes  # the submission, sanitized
    timestamp: str | None = None
    last: bool = False  # no notebook of the run waits after this one: no kernel is prepared for a next


@dataclass
class Outcome:
    """What grading one notebook gives back to the main process."""

    student: str
    autograded: bytes | None
    messages: list = field(default_factory=list)
    seconds: float = 0.0
    log: str = ""
    retry: bool = False  # the grader failed, not the notebook: grade it again on the next run


class WorkerRefused(RuntimeError):
    """This worker cannot keep the grader's guarantees (the message says why, in one line)."""


def grader_files():
    """Every file that can change a verdict, with the name it is hashed under: the grader's code (engine,
    judge, the kernel's side, intake, results), the course model it reads notebooks with, and the whole
    course package, which the judge and the kernels import (its checks, data and models). A source notebook,
    with its tests, is hashed with its assignment."""
    package = sandbox.course_package()
    found = []
    for code in (Path(__file__).parents[1], Path(cells.__file__).parent):
        found += [(f"{code.name}/{p.relative_to(code)}", p) for p in sorted(code.rglob("*.py"))
                  if "tests" not in p.relative_to(code).parts]
    found += [(f"course/{p.relative_to(package)}", p) for p in sorted(package.rglob("*"))
              if p.is_file() and "__pycache__" not in p.parts]
    return found


def environment_digest():
    """SHA-256 of ``grader_files``, names and contents: every node must run the same grader."""
    digest = hashlib.sha256()
    for name, path in grader_files():
        digest.update(name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


_process = {"checks": {}, "packages": {}, "supply": None, "folder": None}


def _folder():
    """This process's scratch folder (removed at exit; a killed worker's is removed by the next one)."""
    if _process["folder"] is None:
        for stale in Path(tempfile.gettempdir()).glob("autograder-worker-*-*"):
            if not Path("/proc", stale.name.split("-")[2]).exists():
                shutil.rmtree(stale, ignore_errors=True)
        _process["folder"] = Path(tempfile.mkdtemp(prefix=f"autograder-worker-{os.getpid()}-"))
        atexit.register(shutil.rmtree, _process["folder"], True)
    return _process["folder"]


def check(options, environment):
    """None when this worker can grade with every guarantee ``options`` ask for, else one line saying why not."""
    return refusal(options.sandbox, options.allow_weaker_sandbox, environment)


def refusal(sandbox_needed, weaker_allowed, environment):
    """Why this worker cannot grade with these guarantees, in one line, or None (remembered for the life of
    the process)."""
    key = (sandbox_needed, weaker_allowed, environment)
    if key not in _process["checks"]:
        _process["checks"][key] = _refusal(sandbox_needed, weaker_allowed, environment)
    return _process["checks"][key]


def _refusal(sandbox_needed, weaker_allowed, environment):
    if environment != environment_digest():
        return ("its grader or course package differs from the instructor's: "
                "install the same commit of the course on every node")
    if not sandbox_needed:
        return None
    try:
        sandbox.probe()
    except sandbox.SandboxUnavailable as error:
        return str(error)
    cgroups.remove_stale()
    weaker = cgroups.unavailable()
    if weaker and not weaker_allowed:
        return f"{weaker} (pass --allow-weaker-sandbox to grade with that)"
    return None


def _package(bundle):
    """The helper package as the assignment's students have it, made once per process."""
    if bundle.assignment not in _process["packages"]:
        _process["packages"][bundle.assignment] = sandbox.student_package(
            bundle.assignment, _folder() / "packages" / bundle.assignment / "course")
    return str(_process["packages"][bundle.assignment])


def _dask_worker():
    try:
        from distributed import get_worker
        return get_worker()
    except ValueError:  # not in a Dask worker
        return None


def _address():
    worker = _dask_worker()
    return "(none)" if worker is None else worker.address


STARTED = "autograder-started"  # the scheduler's event topic: a task began grading its notebook on a worker


def _announce_start():
    """Tell the scheduler that this task's notebook is now being graded here: a worker that dies from now on
    dies while grading it (``grading`` counts a death only against the notebook its worker was grading)."""
    worker = _dask_worker()
    if worker is not None:
        worker.log_event(STARTED, {"key": worker.get_current_task(), "worker": worker.address})


def _supply():
    if _process["supply"] is None:
        _process["supply"] = kernels.KernelSupply(_folder())
    return _process["supply"]


def release():
    """Close the kernel prepared for a next notebook and remove the groups a killed worker left
    (called on every worker at the end of a run)."""
    if _process["supply"] is not None:
        _process["supply"].discard()
    cgroups.remove_stale()


def import_in_background(modules=kernels.STACK):
    """Import ``modules`` here in a thread of their own, as far as they exist: the judge runs each notebook's
    set-up in this process, and TensorFlow alone takes seconds, once per process."""
    threading.Thread(target=_import, args=(modules,), daemon=True, name="judge-imports").start()


def _import(modules):
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a module only Colab has, or a name that is not a module
            pass


def _scratch_course(bundle, task, folder):
    """A course in ``folder`` with the assignment, its gradebook and the one submission."""
    (folder / "nbgrader_config.py").write_text(bundle.config)
    (folder / "source" / bundle.assignment).mkdir(parents=True)
    (folder / "source" / bundle.assignment / bundle.nb_name).write_bytes(bundle.source)
    (folder / "gradebook.db").write_bytes(bundle.gradebook)
    submitted = folder / "submitted" / task.student / bundle.assignment
    submitted.mkdir(parents=True)
    (submitted / bundle.nb_name).write_bytes(task.notebook)
    if task.timestamp is not None:
        (submitted / "timestamp.txt").write_text(task.timestamp)


def _autograde(folder, bundle, task, options, kernel):
    """nbgrader's autograde of the one submission, in this process; returns (success, log)."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(folder)).load_config()
    run = Config()
    run.Execute.timeout = options.cell_timeout
    run.PreparedExecute.kernel = kernel
    run.JudgedExecute.source_notebook = str(folder / "source" / bundle.assignment / bundle.nb_name)
    config.merge(run)
    api = NbGraderAPI(coursedir=CourseDirectory(config=config, root=str(folder)), config=config)
    with warnings.catch_warnings():  # nbgrader's gradebook API trips SQLAlchemy's autoflush warnings
        warnings.filterwarnings("ignore", category=Warning, module="nbgrader")
        result = api.autograde(bundle.assignment, task.student, force=True, create=True)
    return result["success"], result.get("log", "") + result.get("error", "")


def grade(bundle, task, options):
    """Grade one notebook (a Dask task); raises WorkerRefused when this worker cannot keep the guarantees."""
    line = check(options, bundle.environment)
    if line:  # never sent here (see autograder.engine.cluster), but a task must not run without its guarantees
        raise WorkerRefused(line)
    _announce_start()
    start = time.perf_counter()
    spec = kernels.KernelSpec(options.memory_limit_mb, options.max_processes, options.sandbox)
    messages = []
    folder = Path(tempfile.mkdtemp(prefix="task-", dir=_folder()))
    try:
        _scratch_course(bundle, task, folder)
        phases = {"start": time.perf_counter()}
        import_in_background(bundle.imports)  # while the kernel does its own
        try:
            kernel = _supply().take(spec, _package(bundle) if options.sandbox else None, bundle.imports,
                                    another=not task.last)
            phases["kernel ready"] = time.perf_counter()
        except (kernels.KernelFailed, OSError) as error:
            return Outcome(task.student, None, [f"the grader could not start a kernel ({error})"],
                           time.perf_counter() - start, retry=True)
        fired = threading.Event()
        watchdog = threading.Timer(options.notebook_timeout, lambda: (fired.set(), kernel.kill()))
        watchdog.start()
        try:
            success, log = _autograde(folder, bundle, task, options, kernel)
            phases["autograded"] = time.perf_counter()
            out_of_memory = kernel.out_of_memory()
        finally:
            watchdog.cancel()
            kernel_log = kernel.close()
            phases["kernel closed"] = time.perf_counter()
        if fired.is_set():
            messages.append(f"stopped after {options.notebook_timeout} s, the time limit of a whole notebook "
                            "(an endless loop?); the cells after that were not run")
        if out_of_memory:
            messages.append(f"used more than the {options.memory_limit_mb} MiB of memory that one notebook's "
                            "processes may use together; a process was stopped")
        notebook = folder / "autograded" / task.student / bundle.assignment / bundle.nb_name
        autograded = records.read_regular_file(notebook) if success and notebook.is_file() else None
        if autograded is None and not messages:
            messages.append(failure_reason(log))
        times = list(phases.values())
        timing = f"\ngrader: on worker {_address()}: " + ", ".join(f"{name} after {t - times[0]:.1f} s" for name, t in list(phases.items())[1:])
        return Outcome(task.student, autograded, messages, time.perf_counter() - start, log + timing + kernel_log)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


EXCEPTION_LINE = re.compile(r"^\s*([A-Za-z_][\w.]*(?:Error|Exception|Exit)): (.+)$")


def failure_reason(log_text):
    """A sentence for a student from the log of an nbgrader run that produced nothing: the last
    exception in the log (nbgrader's own last line only says to read the traceback)."""
    found = [match for line in log_text.splitlines() if (match := EXCEPTION_LINE.match(line))]
    if found:
        name, message = found[-1].groups()
        return f"the grader could not run this notebook ({name.rsplit('.', 1)[-1]}: {message.strip()[:200]})"
    return "the grader could not run this notebook (see the grading log)"
