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
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
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

from autograder import cgroups, records, sandbox
from autograder.nbgrader_cli import assignments, gradebook_url, run_nbgrader
from autograder.notebook_report import Report, check_notebook, describe, parse_notebook, sanitize

GRADER_FILES = ("preprocessors.py", "kernel_guard.py", "sandbox.py", "grading.py", "notebook_report.py")


@dataclass(frozen=True)
class Options:
    """How to grade: parallel workers, limits, sandbox."""

    workers: int = 2
    notebook_timeout: int = 1200  # seconds for a whole notebook
    cell_timeout: int = 300  # seconds for one cell
    memory_limit_mb: int = 6144  # memory of one notebook's processes together (and address space of each)
    max_processes: int = 256  # processes and threads of one notebook together
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
    template = scratch_root / ".template"  # student ids never start with "."
    shutil.copytree(Path(course_root, "source", assignment), template / "source" / assignment)
    with sqlite3.connect(Path(course_root, "gradebook.db")) as src, \
            sqlite3.connect(template / "gradebook.db") as dst:
        src.backup(dst)
    return template


def _grade_one(course_root, template, scratch_root, assignment, student, notebook, options):
    """Run nbgrader autograde on ``notebook`` (the sanitized submission) for one student in a scratch
    course; called in a worker thread."""
    start = time.perf_counter()
    work = scratch_root / student
    shutil.copytree(template, work)
    runtime_dir = work / ".runtime"
    runtime_dir.mkdir()
    (work / "nbgrader_config.py").write_text(
        _scratch_config(course_root, runtime_dir, scratch_root / ".course-package", options))
    submitted = work / "submitted" / student / assignment
    submitted.mkdir(parents=True)
    nbformat.write(notebook, submitted / notebook_name(course_root, assignment))
    timestamp = Path(course_root, "submitted", student, assignment, "timestamp.txt")
    if timestamp.is_file():
        shutil.copyfile(timestamp, submitted / "timestamp.txt")
    log_path = records.grading_dir(course_root, assignment) / "logs" / f"{student}.log"
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(runtime_dir)}
    command = [sys.executable, "-m", "nbgrader", "autograde", assignment, "--student", student,
               "--create", "--force"]
    group = None
    if options.sandbox:
        command = sandbox.isolate_network(command)
        group = cgroups.StudentGroup(options.memory_limit_mb * 2**20, options.max_processes)
        command = group.join_command(command)
    if shutil.which("setpriv"):
        command = ["setpriv", "--pdeathsig", "KILL", "--", *command]
    messages = []
    log_path.parent.mkdir(parents=True, exist_ok=True)
    try:
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
        out_of_memory = group is not None and group.out_of_memory()
    finally:
        if group is not None:
            group.close()
    notebook = work / "autograded" / student / assignment / notebook_name(course_root, assignment)
    found = notebook.is_file() and not notebook.is_symlink()
    if out_of_memory:
        messages.append(f"used more than the {options.memory_limit_mb} MiB of memory that one notebook's "
                        "processes may use together; a process was stopped")
    if not found and not messages:
        messages.append(_failure_reason(log_path.read_text(errors="replace")))
    return Outcome(student, notebook if found else None, messages, time.perf_counter() - start)


EXCEPTION_LINE = re.compile(r"^\s*([A-Za-z_][\w.]*(?:Error|Exception|Exit)): (.+)$")


def _failure_reason(log_text):
    """A sentence for a student from the log of an nbgrader run that produced nothing: the last
    exception in the log (nbgrader's own last line only says to read the traceback)."""
    found = [match for line in log_text.splitlines() if (match := EXCEPTION_LINE.match(line))]
    if found:
        name, message = found[-1].groups()
        return f"the grader could not run this notebook ({name.rsplit('.', 1)[-1]}: {message.strip()[:200]})"
    return "the grader could not run this notebook (see the grading log)"


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
    target.mkdir(parents=True)
    (target / nb_name).write_bytes(records.read_regular_file(outcome.autograded))
    if timestamp is not None:
        (target / "timestamp.txt").write_text(timestamp)
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
        cgroups.remove_stale()
        if cgroups.unavailable():
            print(cgroups.unavailable(), flush=True)
    parts = [_prepare(course_root, name) for name in names]
    done = []
    bar = tqdm(total=sum(len(part.todo) for part in parts), desc=f"autograding {', '.join(names)}",
               unit="notebook", disable=not progress)

    def finish(part, outcome, report):
        """Save one outcome and its record at once; a fault here becomes this student's message."""
        submitted = Path(course_root, "submitted", outcome.student, part.name)
        score, status = 0.0, "graded" if outcome.autograded is not None else "failed"
        messages = list(outcome.messages)
        try:
            score = _save(course_root, part.name, part.nb_name, outcome, submitted)
            if outcome.autograded is not None:
                report = describe(course_root, part.name, report.submitted, outcome.autograded, report)
        except Exception as error:  # noqa: BLE001 - one student's fault must not stop the class
            status, score = "failed", 0.0
            messages.append(f"the grader could not record this submission ({type(error).__name__}: {error}); "
                            "please contact the course staff")
        record = records.Record(outcome.student, part.name, part.todo[outcome.student], part.key, status,
                                score, part.max_score, round(outcome.seconds, 1), messages + report.messages,
                                messages + report.notes, report.flags)
        records.save(course_root, record)
        done.append(record)
        bar.update()
        bar.set_postfix_str(f"{outcome.student}: {score:g}/{part.max_score:g}")

    def prepare(part, student):
        """The Report of a submission: its sanitized notebook (None when it cannot be graded, with the
        reason as the Report's message) and what sanitizing changed."""
        path = Path(course_root, "submitted", student, part.name, part.nb_name)
        report = Report()
        try:
            problem = check_notebook(course_root, part.name, path)
            if problem is None:
                notebook, _ = parse_notebook(records.read_regular_file(path).decode("utf-8", errors="replace"))
                report.submitted, changes = sanitize(course_root, part.name, notebook)
                for change in changes:
                    report.add(change)
        except Exception as error:  # noqa: BLE001 - one student's file must not stop the class
            problem = f"this file could not be read as a notebook ({type(error).__name__})"
        if problem:
            report.add(problem)
        return report

    try:
        with ThreadPoolExecutor(max_workers=options.workers) as pool:
            futures = {}
            for part in parts:
                template = _template(course_root, part.name, part.scratch_root)
                for student in part.todo:
                    report = prepare(part, student)
                    if report.submitted is None:
                        finish(part, Outcome(student, None, [], 0.0), report)
                    else:
                        futures[pool.submit(_grade_one, course_root, template, part.scratch_root,
                                            part.name, student, report.submitted, options)] = (part, student, report)
            for future in as_completed(futures):
                part, student, report = futures[future]
                try:
                    outcome = future.result()
                except Exception as error:  # a fault of the grader must not lose the other grades
                    outcome = Outcome(student, None, [f"the grader failed on this notebook: {error!r}"], 0.0)
                finish(part, outcome, report)
    finally:
        bar.close()
        for part in parts:
            shutil.rmtree(part.scratch_root, ignore_errors=True)
    return done
