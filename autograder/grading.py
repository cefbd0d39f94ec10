"""Autograde a class in parallel, sandboxed, resumable, without losing a grade.

Each submission is graded by the real ``nbgrader autograde`` in a scratch
course of its own (its own copy of the gradebook, so workers never share a
SQLite file), with its kernel in the bubblewrap sandbox. Only the main process
writes the course's gradebook: it takes each finished autograded notebook and
saves its grades with nbgrader's ``SaveAutoGrades`` preprocessor, then writes
the submission's record. A record names the submission's hash and the
grader's hash, so a run that was killed and started again grades only what
is new, changed or unfinished.
"""

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import SaveAutoGrades
from sqlalchemy.exc import SAWarning
from tqdm.auto import tqdm

from autograder import records, sandbox
from autograder.nbgrader_cli import assignments, gradebook_url, run_nbgrader
from autograder.notebook_report import check_notebook, describe
from autograder.preprocessors import DEAD_KERNEL_MARK

GRADER_FILES = ("preprocessors.py", "kernel_guard.py", "sandbox.py", "grading.py")


@dataclass(frozen=True)
class Options:
    """How to grade: parallel workers, limits, sandbox."""

    workers: int = 2
    notebook_timeout: int = 1200  # seconds for a whole notebook
    cell_timeout: int = 300  # seconds for one cell
    memory_limit_mb: int = 6144  # address space of the kernel
    sandbox: bool = True


@dataclass
class Outcome:
    """What a worker brings back from grading one submission in its scratch course."""

    student: str
    autograded: Path | None
    messages: list
    seconds: float


def notebook_name(course_root, assignment):
    """The assignment's notebook file name (one notebook per assignment in this course)."""
    names = sorted(p.name for p in Path(course_root, "source", assignment).glob("*.ipynb"))
    if len(names) != 1:
        raise ValueError(f"assignment {assignment} must have exactly one notebook in source/, has {names}")
    return names[0]


def grader_key(course_root, assignment):
    """Hash of everything that decides a grade: the source notebook, the config, this grader."""
    here = Path(__file__).parent
    return records.file_sha256(Path(course_root, "source", assignment, notebook_name(course_root, assignment)),
                               Path(course_root, "nbgrader_config.py"), *(here / f for f in GRADER_FILES))


def ensure_in_gradebook(course_root, assignment):
    """Make sure the gradebook knows the assignment (nbgrader generate_assignment adds it)."""
    try:
        with Gradebook(gradebook_url(course_root)) as gradebook:
            gradebook.find_assignment(assignment)
            return
    except MissingEntry:
        pass
    print(f"{assignment} is not in the gradebook yet: running nbgrader generate_assignment", flush=True)
    run_nbgrader(course_root, "generate_assignment", assignment, "--force")


def _scratch_config(course_root, runtime_dir, package, options):
    """The course's nbgrader config, plus the grading run's sandbox, student package and limits."""
    lines = [Path(course_root, "nbgrader_config.py").read_text(), "", "# grading run"]
    lines.append(f"c.Execute.timeout = {options.cell_timeout}")
    if options.sandbox:
        lines += ['c.Execute.kernel_manager_class = "autograder.sandbox.SandboxedKernelManager"',
                  f"c.SandboxedKernelManager.memory_limit_mb = {options.memory_limit_mb}",
                  f"c.SandboxedKernelManager.runtime_dir = {str(runtime_dir)!r}",
                  f"c.SandboxedKernelManager.student_package = {str(package)!r}"]
    return "\n".join(lines) + "\n"


def _template(course_root, assignment, scratch_root):
    """A scratch course with the course's source of this assignment and a snapshot of its gradebook,
    and the helper package as the assignment's students have it."""
    sandbox.student_package(assignment, scratch_root / ".course-package")
    template = scratch_root / "template"
    shutil.copytree(Path(course_root, "source", assignment), template / "source" / assignment)
    with sqlite3.connect(Path(course_root, "gradebook.db")) as src, \
            sqlite3.connect(template / "gradebook.db") as dst:
        src.backup(dst)
    return template


def _grade_one(course_root, template, scratch_root, assignment, student, options):
    """Run nbgrader autograde for one student in a scratch course; called in a worker thread."""
    start = time.perf_counter()
    work = scratch_root / student
    runtime_dir = Path(tempfile.mkdtemp(prefix="ag-kernel-"))
    shutil.copytree(template, work)
    (work / "nbgrader_config.py").write_text(
        _scratch_config(course_root, runtime_dir, scratch_root / ".course-package", options))
    shutil.copytree(Path(course_root, "submitted", student, assignment), work / "submitted" / student / assignment)
    log_path = records.grading_dir(course_root, assignment) / "logs" / f"{student}.log"
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(runtime_dir)}
    command = [sys.executable, "-m", "nbgrader", "autograde", assignment, "--student", student,
               "--create", "--force"]
    if options.sandbox:
        command = sandbox.isolate_network(command)
    if shutil.which("setpriv"):
        command = ["setpriv", "--pdeathsig", "KILL", "--", *command]
    messages = []
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        proc = subprocess.Popen(command, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            proc.wait(timeout=options.notebook_timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            messages.append(f"stopped after {options.notebook_timeout} s, the time limit of a whole "
                            "notebook (an endless loop?); nothing could be graded")
    shutil.rmtree(runtime_dir, ignore_errors=True)
    autograded = work / "autograded" / student / assignment
    found = autograded.is_dir() and any(autograded.glob("*.ipynb"))
    if not found and not messages:
        messages.append(_failure_reason(log_path.read_text(errors="replace")))
    return Outcome(student, autograded if found else None, messages, time.perf_counter() - start)


def _failure_reason(log_text):
    """A sentence for a student from the log of an nbgrader run that produced nothing."""
    for line in log_text.splitlines():
        if DEAD_KERNEL_MARK in line:
            return line[line.index(DEAD_KERNEL_MARK) + len("autograder: "):] + \
                "; nothing could be graded"
    errors = [line for line in log_text.splitlines() if "ERROR" in line]
    detail = errors[-1].split("]", 1)[-1].strip() if errors else "see the grading log"
    return f"nbgrader could not grade this notebook ({detail})"


def _save(course_root, assignment, nb_name, outcome, submitted_dir):
    """Write one outcome into the course: autograded copy and gradebook (main process only)."""
    with warnings.catch_warnings():  # nbgrader's gradebook API trips SQLAlchemy's autoflush warnings
        warnings.simplefilter("ignore", SAWarning)
        return _save_unwarned(course_root, assignment, nb_name, outcome, submitted_dir)


def _save_unwarned(course_root, assignment, nb_name, outcome, submitted_dir):
    target = Path(course_root, "autograded", outcome.student, assignment)
    shutil.rmtree(target, ignore_errors=True)
    timestamp = (submitted_dir / "timestamp.txt").read_text().strip() \
        if (submitted_dir / "timestamp.txt").exists() else None
    with Gradebook(gradebook_url(course_root)) as gradebook:
        gradebook.update_or_create_student(outcome.student)
        if outcome.autograded is None:  # no grades of an older version may survive
            try:
                gradebook.remove_submission(assignment, outcome.student)
            except MissingEntry:
                pass
        gradebook.update_or_create_submission(assignment, outcome.student, timestamp=timestamp)
    if outcome.autograded is None:
        return 0.0
    shutil.copytree(outcome.autograded, target)
    notebook = nbformat.read(target / nb_name, as_version=nbformat.NO_CONVERT)
    resources = {"nbgrader": {"db_url": gradebook_url(course_root), "assignment": assignment,
                              "notebook": Path(nb_name).stem, "student": outcome.student}}
    SaveAutoGrades().preprocess(notebook, resources)
    with Gradebook(gradebook_url(course_root)) as gradebook:
        return float(gradebook.find_submission(assignment, outcome.student).code_score)


def _max_code_score(course_root, assignment):
    with Gradebook(gradebook_url(course_root)) as gradebook:
        return float(gradebook.find_assignment(assignment).max_code_score)


def pending(course_root, assignment):
    """Students whose submission has no up-to-date record, with the hash of their submission."""
    key = grader_key(course_root, assignment)
    nb_name = notebook_name(course_root, assignment)
    todo = {}
    for folder in sorted(Path(course_root, "submitted").glob(f"*/{assignment}")):
        path = folder / nb_name
        if not path.exists():
            continue
        sha = records.file_sha256(path)
        record = records.load(course_root, assignment, folder.parent.name)
        if record is None or record.submission_sha256 != sha or record.grader_key != key:
            todo[folder.parent.name] = sha
    return todo


@dataclass
class _Assignment:
    """One assignment's part of a grading run."""

    name: str
    nb_name: str
    key: str
    max_score: float
    todo: dict  # student -> hash of the submission
    scratch_root: Path


def _prepare(course_root, assignment):
    ensure_in_gradebook(course_root, assignment)
    scratch_root = records.grading_dir(course_root, assignment) / ".scratch"
    shutil.rmtree(scratch_root, ignore_errors=True)
    scratch_root.mkdir(parents=True)
    return _Assignment(assignment, notebook_name(course_root, assignment), grader_key(course_root, assignment),
                       _max_code_score(course_root, assignment), pending(course_root, assignment), scratch_root)


def autograde(course_root, assignment, options=Options(), progress=True):
    """Grade every pending submission of ``assignment`` (a name, or a list of names whose
    submissions then share the workers); return the new records."""
    course_root = Path(course_root).resolve()
    names = [assignment] if isinstance(assignment, str) else list(assignment)
    unknown = [name for name in names if name not in assignments(course_root)]
    if unknown:
        raise ValueError(f"no assignment {', '.join(map(repr, unknown))} in {course_root / 'source'}; "
                         f"known: {', '.join(assignments(course_root))}")
    if options.sandbox:
        sandbox.probe()
    parts = [_prepare(course_root, name) for name in names]
    done = []
    bar = tqdm(total=sum(len(part.todo) for part in parts), desc=f"autograding {', '.join(names)}",
               unit="notebook", disable=not progress)

    def finish(part, outcome):
        submitted = Path(course_root, "submitted", outcome.student, part.name)
        score = _save(course_root, part.name, part.nb_name, outcome, submitted)
        messages = list(outcome.messages)
        if outcome.autograded is not None:
            messages += describe(course_root, part.name, submitted / part.nb_name, outcome.autograded / part.nb_name)
        record = records.Record(outcome.student, part.name, part.todo[outcome.student], part.key,
                                "graded" if outcome.autograded is not None else "failed",
                                score, part.max_score, round(outcome.seconds, 1), messages)
        records.save(course_root, record)
        done.append(record)
        bar.update()
        bar.set_postfix_str(f"{outcome.student}: {score:g}/{part.max_score:g}")

    try:
        with ThreadPoolExecutor(max_workers=options.workers) as pool:
            futures = {}
            for part in parts:
                template = _template(course_root, part.name, part.scratch_root)
                for student in part.todo:
                    problem = check_notebook(course_root, part.name,
                                             Path(course_root, "submitted", student, part.name, part.nb_name))
                    if problem:
                        finish(part, Outcome(student, None, [problem], 0.0))
                    else:
                        futures[pool.submit(_grade_one, course_root, template, part.scratch_root,
                                            part.name, student, options)] = (part, student)
            for future in as_completed(futures):
                part, student = futures[future]
                try:
                    outcome = future.result()
                except Exception as error:  # a fault of the grader must not lose the other grades
                    outcome = Outcome(student, None, [f"the grader failed on this notebook: {error!r}"], 0.0)
                finish(part, outcome)
    finally:
        bar.close()
        for part in parts:
            shutil.rmtree(part.scratch_root, ignore_errors=True)
    return done
