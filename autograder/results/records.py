"""One small JSON record per graded submission: what was graded, with which tests, and how it went.

Records live in ``grading/<assignment>/records/<student>.json`` (beside them,
``intake/<student>.ipynb``, the notebook as intake made it) and are written
only by the process that owns the gradebook, after the gradebook write, with
an atomic rename; a record is the proof that a submission needs no regrading.
"""

import hashlib
import json
import os
import stat
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class Record:
    """The outcome of grading one submission."""

    student: str
    assignment: str
    submission_sha256: str
    grader_key: str
    status: str  # "graded" or "failed" (nothing could be graded; see messages)
    score: float = 0.0
    max_score: float = 0.0
    seconds: float = 0.0
    messages: list = field(default_factory=list)  # for the instructor
    notes: list = field(default_factory=list)  # for the student: the grader's own words only
    flags: list = field(default_factory=list)  # e.g. "tampering": a person should look at it
    retry: bool = False  # the grader itself failed (not the submission): the next run grades it again


def grading_dir(course_root, assignment):
    """Folder of an assignment's records, logs and grade tables."""
    return Path(course_root, "grading", assignment)


def file_sha256(*paths):
    """SHA-256 of the contents of ``paths``, in order."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()


def read_regular_file(path, max_bytes=512 * 2**20):
    """The bytes of ``path`` if it is a regular file (a link is never followed), else OSError."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
            raise OSError(f"{Path(path).name} is not a regular file of at most {max_bytes:,} bytes")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read(max_bytes + 1)
    finally:
        os.close(fd)


def _path(course_root, assignment, student):
    return grading_dir(course_root, assignment) / "records" / f"{student}.json"


def load(course_root, assignment, student):
    """The stored record of a student's submission, or None."""
    path = _path(course_root, assignment, student)
    try:
        return Record(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):  # none yet, or not one of ours: graded again
        return None


def load_all(course_root, assignment):
    """Every stored record of an assignment, by student id."""
    folder = grading_dir(course_root, assignment) / "records"
    records = (load(course_root, assignment, p.stem) for p in sorted(folder.glob("*.json")))
    return {r.student: r for r in records if r is not None}


def _write_atomically(path, text):
    """Write ``path`` so that a reader sees the old text or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def save(course_root, record):
    """Write a record."""
    _write_atomically(_path(course_root, record.assignment, record.student), json.dumps(asdict(record), indent=1))


def intake_path(course_root, assignment, student):
    """The student's notebook as it came out of intake (``autograder.intake.repair``): what grading and feedback read."""
    return grading_dir(course_root, assignment) / "intake" / f"{student}.ipynb"


def save_intake(course_root, assignment, student, text):
    """Keep the student's notebook as it came out of intake."""
    _write_atomically(intake_path(course_root, assignment, student), text)
