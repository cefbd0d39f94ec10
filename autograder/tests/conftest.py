"""Shared fixtures of the autograder tests: the fixture submissions graded on the embedded cluster and on
a cluster started by hand."""
import contextlib
import io
import os
import shutil
from types import SimpleNamespace

import pytest

os.environ.setdefault("COURSE_OFFLINE", "1")
os.environ["MPLBACKEND"] = "Agg"

from autograder import collect, demo, export, feedback, grading  # noqa: E402

from grading_support import (ASSIGNMENT, CLUSTER_STUDENTS, HandStartedCluster, WorkerKiller, checksums, descendants,  # noqa: E402
                             student_groups, tree)

WORKER_KILLER = "worker-killer"  # a correct notebook whose worker the test kills twice


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory):
    """The fixture submissions imported, autograded, fed back and exported, like ``make grade``."""
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed (make install installs it)")
    root = tmp_path_factory.mktemp("term")
    course = demo.new_course(root / "course")
    (root / "outside").mkdir()
    (root / "outside" / "instructor-notes.txt").write_text("not for students")
    before = tree(root, skip=course)
    course_before = checksums(course)
    nb_name = grading.notebook_name(course, ASSIGNMENT)
    report = collect.import_submissions(course, ASSIGNMENT, nb_name, demo.FIXTURES / "submissions")
    records = grading.autograde(course, ASSIGNMENT, demo.fixture_options(), progress=False)
    left = descendants()
    pages = feedback.generate(course, ASSIGNMENT, nb_name)
    return SimpleNamespace(root=root, course=course, nb_name=nb_name, report=report, records=records,
                           pages=pages, before=before, course_before=course_before, csv=export.write_csv(course, ASSIGNMENT, nb_name),
                           summary=export.summary(course, ASSIGNMENT, nb_name), left=left, groups=student_groups())


@pytest.fixture(scope="session")
def cluster_class(tmp_path_factory):
    """The sandbox's attack fixtures (``CLUSTER_STUDENTS``), and one more notebook whose worker is killed
    twice, graded on a cluster started by hand: a scheduler, two workers and a third that cannot sandbox;
    the worker grading ``correct`` is killed once part way."""
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed (make install installs it)")
    root = tmp_path_factory.mktemp("cluster")
    course = demo.new_course(root / "course")
    downloads = root / "downloads"
    downloads.mkdir()
    for student in CLUSTER_STUDENTS:
        shutil.copy(demo.FIXTURES / "submissions" / f"{student}_elbo.ipynb", downloads)
    shutil.copy(downloads / "correct_elbo.ipynb", downloads / f"{WORKER_KILLER}_elbo.ipynb")
    nb_name = grading.notebook_name(course, ASSIGNMENT)
    collect.import_submissions(course, ASSIGNMENT, nb_name, downloads)
    cluster = HandStartedCluster(root, workers=2, refusing=1)
    try:
        killer = WorkerKiller(cluster.wait(3), {"correct": 1, WORKER_KILLER: 2})
        killer.start()
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            records = grading.autograde(course, ASSIGNMENT, demo.fixture_options(scheduler_file=cluster.scheduler_file),
                                        progress=False)
        killer.done.set()
        during = [c for c in descendants(*(p.pid for p in cluster.processes)) if "distributed.cli" not in c
                  and "spawn_main" not in c]  # the workers themselves stay
        groups = student_groups()
    finally:
        cluster.close()
    return SimpleNamespace(course=course, records=records, printed=printed.getvalue(), killed=killer.killed,
                           during=during, groups=groups, after=descendants(*(p.pid for p in cluster.processes)))


@pytest.fixture
def course(tmp_path):
    """A fresh, empty course (config, source, release)."""
    return demo.new_course(tmp_path / "course")
