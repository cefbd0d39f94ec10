"""A grading run killed part way, started again: grades what is left, regrades nothing unchanged."""
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from nbgrader.api import Gradebook

from autograder import demo
from autograder.engine import grading, worker
from autograder.engine.nbgrader_cli import gradebook_url
from autograder.intake import collect
from autograder.results import records
from grading_support import ASSIGNMENT, needs_sandbox

NB = "elbo.ipynb"
STUDENTS = ("correct", "blank", "partial")


def processes_in(folder):
    """Processes whose working directory is inside ``folder``."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if Path(os.readlink(proc / "cwd")).is_relative_to(folder):
                found.append(proc.name)
        except OSError:
            pass
    return found


@needs_sandbox
def test_killed_run_resumes_without_regrading(course, tmp_path):
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    for student in STUDENTS:
        shutil.copy(demo.FIXTURES / "submissions" / f"{student}_elbo.ipynb", downloads)
    collect.import_submissions(course, ASSIGNMENT, NB, downloads)
    run = subprocess.Popen([sys.executable, "-m", "autograder", "autograde", ASSIGNMENT, "--course", str(course),
                            "--workers", "1"], start_new_session=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    folder = records.grading_dir(course, ASSIGNMENT) / "records"
    deadline = time.monotonic() + 300
    while not list(folder.glob("*.json")) and time.monotonic() < deadline:
        time.sleep(0.2)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    first = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.glob("*.json")}
    assert 1 <= len(first) < len(STUDENTS)
    time.sleep(2)
    assert not processes_in(course), "workers or kernels outlived the killed run"

    resumed = grading.autograde(course, ASSIGNMENT, demo.fixture_options(), progress=False)
    assert sorted(r.student for r in resumed) == sorted(set(STUDENTS) - {Path(n).stem for n in first})
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.glob("*.json") if p.name in first} == first
    stored = records.load_all(course, ASSIGNMENT)
    assert {s: r.score for s, r in stored.items()} == {"correct": 27, "blank": 0, "partial": 10}
    with Gradebook(gradebook_url(course)) as gradebook:
        assert sorted(s.student.id for s in gradebook.assignment_submissions(ASSIGNMENT)) == sorted(STUDENTS)

    assert grading.autograde(course, ASSIGNMENT, demo.fixture_options(), progress=False) == []

    shutil.copy(demo.FIXTURES / "submissions" / "correct_elbo.ipynb", course / "submitted" / "blank" / ASSIGNMENT / NB)
    regraded = grading.autograde(course, ASSIGNMENT, demo.fixture_options(), progress=False)
    assert [(r.student, r.score) for r in regraded] == [("blank", 27)]
    with Gradebook(gradebook_url(course)) as gradebook:
        assert gradebook.find_submission(ASSIGNMENT, "blank").code_score == 27


def test_the_grader_key_changes_with_every_file_that_can_change_a_verdict(monkeypatch, tmp_path):
    files = worker.grader_files()
    names = {name for name, _ in files}
    package = Path(grading.__file__).parents[1]
    assert {f"autograder/{p.relative_to(package)}" for p in package.rglob("*.py")
            if "tests" not in p.relative_to(package).parts} <= names
    assert {"course/checks.py", "course/_data/visible_tests.json", "autograder/kernel/stderr_noise.py"} <= names
    before = grading.grader_key(demo.ROOT, ASSIGNMENT)
    for edited in ("course/checks.py", "autograder/kernel/stderr_noise.py", "autograder/judge/judge.py"):
        copy = tmp_path / Path(edited).name
        copy.write_bytes(dict(files)[edited].read_bytes() + b"\n# edited\n")
        monkeypatch.setattr(worker, "grader_files", lambda: [(n, copy if n == edited else p) for n, p in files])
        assert grading.grader_key(demo.ROOT, ASSIGNMENT) != before, edited
