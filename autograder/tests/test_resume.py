"""A grading run killed part way, started again: grades what is left, regrades nothing unchanged."""
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from nbgrader.api import Gradebook

from autograder import collect, demo, grading, records
from autograder.nbgrader_cli import gradebook_url
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
