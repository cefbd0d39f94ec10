"""Run real nbgrader commands in a course directory and read its gradebook."""
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from autograder.kernel.stderr_noise import QUIET_TENSORFLOW

NBGRADER = "import autograder, runpy; runpy.run_module('nbgrader', run_name='__main__', alter_sys=True)"  # python -m
# nbgrader, after this package's process-wide settings (``autograder/__init__.py``)


class NbgraderError(RuntimeError):
    """An nbgrader command failed; the message carries the end of its log."""


def gradebook_url(course_root):
    """SQLAlchemy URL of a course's gradebook."""
    return f"sqlite:///{Path(course_root).resolve() / 'gradebook.db'}"


def run_nbgrader(course_root, *args, log_path=None, timeout=None):
    """Run ``nbgrader ARGS`` with ``course_root`` as working directory; returns its log text."""
    env = {**os.environ, **QUIET_TENSORFLOW, "MPLBACKEND": "Agg"}
    result = subprocess.run(
        [sys.executable, "-c", NBGRADER, *args], cwd=course_root, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout,
    )
    if log_path is not None:
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
        Path(log_path).write_text(result.stdout)
    if result.returncode != 0:
        tail = "\n".join(result.stdout.splitlines()[-25:])
        raise NbgraderError(f"nbgrader {' '.join(args)} failed (exit {result.returncode}):\n{tail}")
    return result.stdout


@dataclass(frozen=True)
class CellGrade:
    """The grade of one graded cell of a submitted notebook."""

    notebook: str
    name: str
    cell_type: str  # "code" (autograded test) or "markdown" (written answer)
    auto_score: float | None
    max_score: float


def read_grades(course_root, assignment, student):
    """Every graded cell of one student's autograded submission, from the gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(gradebook_url(course_root)) as gradebook:
        submission = gradebook.find_submission(assignment, student)
        return [
            CellGrade(notebook.name, grade.name, grade.cell_type, grade.auto_score, float(grade.max_score))
            for notebook in submission.notebooks
            for grade in notebook.grades
        ]
