"""Autograde a class: one Dask task per notebook, sandboxed, resumable, without losing a grade.

Each submission is read and sanitized here, then graded by a Dask worker
(``autograder.engine.worker``: nbgrader's autograde pipeline with a warm-started
sandboxed kernel) on an embedded ``LocalCluster`` or on a cluster given by
address (``autograder.engine.cluster``). Only this process writes the course's
gradebook: it takes each autograded notebook as it arrives and saves its
grades with nbgrader's ``SaveAutoGrades`` preprocessor, then writes the
submission's record. A record names the submission's hash and the grader's
hash, so a run that was killed and started again grades only what is new,
changed or unfinished.
"""

import collections
import contextlib
import hashlib
import os
import shutil
import sqlite3
import tempfile
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from distributed import as_completed
from distributed.client import FutureCancelledError
from distributed.scheduler import KilledWorker
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import SaveAutoGrades
from sqlalchemy.exc import SAWarning
from tqdm.auto import tqdm

from autograder.engine import cluster, worker
from autograder.engine.options import Options
from autograder.engine.nbgrader_cli import gradebook_url, run_nbgrader
from autograder.engine.worker import Outcome, Task
from autograder.intake import repair
from autograder.intake.collect import SAFE_STUDENT_ID
from autograder.results import records
from autograder.results.notebook_report import Report, check_notebook, describe, sanitize
from coursemodel.cells import nbgrader
from coursemodel.code import imported_modules
from coursemodel.layout import Course


def grader_key(course_root, assignment):
    """Hash of everything that decides a grade: the source notebook (its tests), the course's config, and the
    grader with the course package (``worker.environment_digest``)."""
    return records.file_sha256(Course(course_root).assignment(assignment).path(),
                               Path(course_root, "nbgrader_config.py")) + worker.environment_digest()[:16]


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


def notebook_imports(source):
    """Modules the read-only code cells of a source notebook import, in order."""
    found = []
    for cell in source.cells:
        if cell.cell_type == "code" and nbgrader(cell).get("locked"):
            found += [name for name in imported_modules(cell.source) if name not in found]
    return tuple(found)


def bundle(course_root, assignment):
    """The assignment's grading bundle: source notebook, config, and a gradebook of only this assignment."""
    source = Course(course_root).assignment(assignment).path()
    nb_name = source.name
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp, "gradebook.db")
        with sqlite3.connect(Path(course_root, "gradebook.db")) as src, sqlite3.connect(copy) as dst:
            src.backup(dst)
        with warnings.catch_warnings(), Gradebook(f"sqlite:///{copy}") as gradebook:
            warnings.simplefilter("ignore", SAWarning)
            for student in gradebook.students:
                gradebook.remove_student(student.id)
            for other in gradebook.assignments:
                if other.name != assignment:
                    gradebook.remove_assignment(other.name)
        with sqlite3.connect(copy) as db:
            db.execute("VACUUM")
        gradebook_bytes = copy.read_bytes()
    notebook = nbformat.read(source, as_version=nbformat.NO_CONVERT)
    return worker.Bundle(assignment, nb_name, source.read_bytes(), Path(course_root, "nbgrader_config.py").read_text(),
                         gradebook_bytes, notebook_imports(notebook), worker.environment_digest())


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
        if outcome.autograded is None:
            _forget_autograded_scores(gradebook, assignment, outcome.student)
        gradebook.update_or_create_submission(assignment, outcome.student, timestamp=timestamp)
    if outcome.autograded is None:
        return 0.0
    target.mkdir(parents=True)
    (target / nb_name).write_bytes(outcome.autograded)
    if timestamp is not None:
        (target / "timestamp.txt").write_text(timestamp)
    notebook = nbformat.read(target / nb_name, as_version=nbformat.NO_CONVERT)
    resources = {"nbgrader": {"db_url": gradebook_url(course_root), "assignment": assignment,
                              "notebook": Path(nb_name).stem, "student": outcome.student}}
    SaveAutoGrades().preprocess(notebook, resources)
    with Gradebook(gradebook_url(course_root)) as gradebook:
        return float(gradebook.find_submission(assignment, outcome.student).code_score)


def _forget_autograded_scores(gradebook, assignment, student):
    """No autograded score of an older version survives a submission that could not be graded; what a
    person gave in formgrader (manual scores, comments) does, and without it the submission goes."""
    try:
        submission = gradebook.find_submission(assignment, student)
    except MissingEntry:
        return
    grades = [g for n in submission.notebooks for g in n.grades]
    comments = [c for n in submission.notebooks for c in n.comments]
    if not any(g.manual_score is not None for g in grades) and not any(c.manual_comment for c in comments):
        gradebook.remove_submission(assignment, student)
        return
    for grade in grades:
        grade.auto_score = None
        grade.needs_manual_grade = True
    for comment in comments:
        comment.auto_comment = None
    gradebook.db.commit()


def _forget(course_root, assignment, student):
    """``_forget_autograded_scores`` in a gradebook session of its own."""
    with warnings.catch_warnings(), Gradebook(gradebook_url(course_root)) as gradebook:
        warnings.simplefilter("ignore", SAWarning)
        _forget_autograded_scores(gradebook, assignment, student)
        shutil.rmtree(Path(course_root, "autograded", student, assignment), ignore_errors=True)


def _max_code_score(course_root, assignment):
    with Gradebook(gradebook_url(course_root)) as gradebook:
        return float(gradebook.find_assignment(assignment).max_code_score)


def fingerprint(path):
    """What identifies a submitted file: the SHA-256 of its bytes, or why it cannot be read (the same words
    while it stays so). A link is never followed."""
    try:
        return hashlib.sha256(records.read_regular_file(path)).hexdigest()
    except OSError as error:
        return f"unreadable: {error.strerror or error}"


@dataclass
class Pending:
    """What a run does with an assignment's submissions."""

    todo: dict = field(default_factory=dict)  # student -> fingerprint of the submission: to grade now
    skipped: list = field(default_factory=list)  # could not be graded, and unchanged since: not graded again
    retried: list = field(default_factory=list)  # the grader failed on them last time: graded again
    unsafe: list = field(default_factory=list)  # folders of submitted/ whose name is not a student id
    faults: dict = field(default_factory=dict)  # student -> what failed while looking at the submission

    def lines(self, assignment):
        """What the instructor should know before the run, a line each."""
        out = []
        if self.skipped:
            out.append(f"{assignment}: not graded again, since they could not be graded and have not changed "
                       f"(their records say why): {', '.join(self.skipped)}")
        if self.retried:
            out.append(f"{assignment}: graded again, since the grader itself failed on them last time: "
                       f"{', '.join(self.retried)}")
        out += [f"{assignment}: submitted/{name!r} skipped: not a student id (letters, digits, '.', '-', '@')"
                for name in self.unsafe]
        return out


def pending(course_root, assignment, students=None):
    """The Pending of ``assignment``: submissions without an up-to-date record; with ``students``, those
    students' submissions, up to date or not (a regrade)."""
    key = grader_key(course_root, assignment)
    nb_name = Course(course_root).assignment(assignment).notebook_name
    found = Pending()
    for folder in sorted(Path(course_root, "submitted").glob(f"*/{assignment}")):
        path, student = folder / nb_name, folder.parent.name
        if not os.path.lexists(path) or (students is not None and student not in students):
            continue
        if not SAFE_STUDENT_ID.fullmatch(student):
            found.unsafe.append(student)
            continue
        try:
            sha = fingerprint(path)
            record = records.load(course_root, assignment, student)
        except Exception as error:  # noqa: BLE001 - becomes this student's record
            found.todo[student] = "unknown"
            found.faults[student] = f"{type(error).__name__}: {error}"
            continue
        current = record is not None and record.submission_sha256 == sha and record.grader_key == key
        if record is not None and record.retry and students is None:
            found.retried.append(student)
        elif current and record.status == "failed" and students is None:
            found.skipped.append(student)
        if students is not None or not current or record.retry:
            found.todo[student] = sha
    missing = sorted(set(students or ()) - set(found.todo))
    if missing:
        raise ValueError(f"no submission of {assignment} from {', '.join(missing)} in {Path(course_root, 'submitted')}")
    return found


@dataclass
class _Assignment:
    """One assignment's part of a grading run."""

    name: str
    nb_name: str
    key: str
    max_score: float
    todo: dict  # student -> fingerprint of the submission
    faults: dict  # student -> what failed before grading could start


def _prepare(course_root, assignment, students):
    ensure_in_gradebook(course_root, assignment)
    found = pending(course_root, assignment, students)
    print("\n".join(found.lines(assignment)), end="\n" if found.lines(assignment) else "", flush=True)
    return _Assignment(assignment, Course(course_root).assignment(assignment).notebook_name,
                       grader_key(course_root, assignment),
                       _max_code_score(course_root, assignment), found.todo, found.faults)


KILLED = ("it stopped its grading worker twice (a crash of the whole grading process, or more memory than the "
          "worker has); nothing could be graded")
LOST_WORKERS = 4  # workers that may die holding one notebook's task (grading it or not) before the run gives up on it
LOST = (f"{LOST_WORKERS} grading workers died while holding this notebook, at most one of them while grading "
        "it; it will be graded again on the next run")
GRADER_FAULT = "the grader itself failed on this submission; it will be graded again on the next run"


class _Run:
    """One grading run's bookkeeping in the main process. Everything done for one student goes through
    ``isolated``: a fault there becomes that student's record, and the run goes on."""

    def __init__(self, course_root, bar):
        self.course_root, self.bar, self.done = course_root, bar, []

    @contextlib.contextmanager
    def isolated(self, part, student, step):
        """Run one student's ``step``; any fault becomes that student's record (graded again next run)."""
        try:
            yield
        except Exception as error:  # noqa: BLE001 - one student's fault must not stop the class
            self.fault(part, student, step, f"{type(error).__name__}: {str(error)[:200]}")

    def fault(self, part, student, step, detail):
        """Record that the grader failed on this student's submission (not the submission's fault)."""
        self.record(part, student, "failed", 0.0, 0.0, [f"the grader failed while {step} ({detail})"],
                    [GRADER_FAULT], retry=True)
        with contextlib.suppress(Exception):
            _forget(self.course_root, part.name, student)

    def intake(self, part, student):
        """The Report of a submission: its notebook after intake and sanitizing (None when it cannot be
        graded, with the reason as the Report's message), and what either changed."""
        report = Report()
        try:
            data = records.read_regular_file(Path(self.course_root, "submitted", student, part.name, part.nb_name))
        except OSError as error:
            report.add(f"the submitted file could not be read ({error.strerror or error}); nothing was graded")
            return report
        taken = repair.normalize(data)
        problem = taken.problem or check_notebook(self.course_root, part.name, taken.notebook)
        if problem:
            report.add(problem)
            return report
        if taken.message():
            report.add(taken.message())
        records.save_intake(self.course_root, part.name, student, nbformat.writes(taken.notebook))
        report.submitted, changes = sanitize(self.course_root, part.name, taken.notebook)
        for change in changes:
            report.add(change)
        return report

    def finish(self, part, outcome, report):
        """Save one outcome and its record at once."""
        submitted = Path(self.course_root, "submitted", outcome.student, part.name)
        log = records.grading_dir(self.course_root, part.name) / "logs" / f"{outcome.student}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(outcome.log)
        score = _save(self.course_root, part.name, part.nb_name, outcome, submitted)
        if outcome.autograded is not None:
            saved = Path(self.course_root, "autograded", outcome.student, part.name, part.nb_name)
            report = describe(self.course_root, part.name, report.submitted, saved, report)
        messages = list(outcome.messages)
        self.record(part, outcome.student, "graded" if outcome.autograded is not None else "failed", score,
                    outcome.seconds, messages + report.messages, messages + report.notes, report.flags,
                    retry=outcome.retry)

    def record(self, part, student, status, score, seconds, messages, notes, flags=(), retry=False):
        """Write the student's record (the last step for a student), then move the progress bar."""
        record = records.Record(student, part.name, part.todo[student], part.key, status, score, part.max_score,
                                round(seconds, 1), messages, notes, list(flags), retry)
        try:
            records.save(self.course_root, record)
        except Exception as error:  # noqa: BLE001 - nothing recorded: the next run grades it again
            print(f"{part.name}: the record of {student} could not be written ({type(error).__name__}: {error}); "
                  "the next run grades it again", flush=True)
            return
        self.done.append(record)
        with contextlib.suppress(Exception):  # the progress bar is no result
            self.bar.update()
            self.bar.set_postfix_str(f"{student}: {score:g}/{part.max_score:g}")


def autograde(course_root, assignment, options=Options(), progress=True, students=None):
    """Grade every pending submission of ``assignment`` (a name, or a list of names whose
    submissions then share the workers), or regrade those of ``students``; return the new records."""
    course_root = Path(course_root).resolve()
    names = [assignment] if isinstance(assignment, str) else list(assignment)
    known = Course(course_root).assignment_names()
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(f"no assignment {', '.join(map(repr, unknown))} in {course_root / 'source'}; "
                         f"known: {', '.join(known)}")
    parts = [_prepare(course_root, name, students) for name in names]
    pending_total = sum(len(part.todo) for part in parts)
    run = _Run(course_root, tqdm(total=pending_total, desc=f"autograding {', '.join(names)}", unit="notebook",
                                 disable=not progress))
    try:
        for part in parts:
            for student, detail in part.faults.items():
                run.fault(part, student, "looking at the submitted file", detail)
        if pending_total > sum(len(part.faults) for part in parts):
            _grade(run, parts, options)
    finally:
        run.bar.close()
    return run.done


def _grade(run, parts, options):
    """Grade the students of ``parts`` on the cluster, a Dask task each, recording each result as it comes.

    A worker that dies takes back every task it held; the grader alone decides what happens to each: a
    notebook that was being graded there (its task had announced its start, ``worker.STARTED``) has one
    death counted against it, one that only waited there has none, and either is sent out again, until its
    notebook has stopped two workers (``KILLED``) or the cluster has lost ``LOST_WORKERS`` under it."""
    with cluster.connect(options) as client:
        resource = cluster.offer(client, options, worker.environment_digest())
        started = collections.Counter()
        client.subscribe_topic(worker.STARTED, lambda event: started.update([event[1]["key"]]))
        run_key = uuid.uuid4().hex[:8]
        bundles = {part.name: bundle(run.course_root, part.name) for part in parts}
        waiting = [_Job(part, student) for part in parts for student in part.todo if student not in part.faults]
        running, jobs = as_completed(), {}

        def top_up():  # as many tasks as workers that can take one: a dying worker takes only its own
            while waiting and running.count() < cluster.capacity(client, resource):
                job = waiting.pop(0)
                with run.isolated(job.part, job.student, "preparing the notebook for grading"):
                    if job.task is None and not _prepare_task(run, job, last=not waiting):
                        continue
                    future = client.submit(worker.grade, bundles[job.part.name], job.task, options,
                                           key=f"grade-{job.part.name}-{job.student}-{run_key}-{job.tries}",
                                           pure=False, resources={resource: 1})
                    jobs[future.key] = job
                    running.add(future)

        top_up()
        while running.count():
            future = next(running)
            job = jobs.pop(future.key)
            outcome = _outcome(future, job, started[future.key])
            if outcome is None:  # its worker died under it: it goes out again, first
                waiting.insert(0, job)
            top_up()  # the worker is free: its next notebook goes out before this one is saved
            if outcome is not None:
                with run.isolated(job.part, job.student, "saving the grades"):
                    run.finish(job.part, outcome, job.report)
        cluster.release(client)


@dataclass
class _Job:
    """One student's notebook on its way through the cluster."""

    part: _Assignment
    student: str
    report: Report | None = None  # intake's, once done
    task: Task | None = None
    tries: int = 0  # workers that died while holding its task
    deaths: int = 0  # of those, the ones that were grading it


def _outcome(future, job, started):
    """The Outcome of a finished task, or None when its worker died and it is to be sent out again;
    ``started``: how often this task began grading (each such start ended with its worker's death)."""
    try:
        return future.result()
    except KilledWorker:
        job.tries, job.deaths = job.tries + 1, job.deaths + started
        if job.deaths >= 2:
            return Outcome(job.student, None, [KILLED])
        if job.tries >= LOST_WORKERS:
            return Outcome(job.student, None, [LOST], retry=True)
        return None
    except (Exception, FutureCancelledError) as error:  # a fault of the grader, not of the notebook
        return Outcome(job.student, None, [f"the grader failed on this notebook: {error!r}"], retry=True)


def _prepare_task(run, job, last):
    """Intake of the job's submission and its Task; False (its record written) when it cannot be graded."""
    job.report = run.intake(job.part, job.student)
    if job.report.submitted is None:
        run.finish(job.part, Outcome(job.student, None), job.report)
        return False
    timestamp = Path(run.course_root, "submitted", job.student, job.part.name, "timestamp.txt")
    job.task = Task(job.student, nbformat.writes(job.report.submitted).encode(),
                    timestamp.read_text().strip() if timestamp.is_file() else None, last=last)
    return True
