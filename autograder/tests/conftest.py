"""Shared fixtures of the autograder tests: the fixture submissions graded once, on a cluster started by hand
(the embedded cluster grades in test_resume and test_cli)."""
import contextlib
import io
import os
import shutil
from types import SimpleNamespace

import pytest

os.environ.setdefault("COURSE_OFFLINE", "1")
os.environ["MPLBACKEND"] = "Agg"

from autograder import demo  # noqa: E402
from autograder.engine import grading  # noqa: E402
from autograder.intake import collect  # noqa: E402
from autograder.results import export, feedback  # noqa: E402
from coursemodel.layout import Course  # noqa: E402

from grading_support import (ASSIGNMENT, WORKER_KILLER, HandStartedCluster, WorkerKiller, checksums,  # noqa: E402
                             descendants, student_groups, tree)

@pytest.fixture(scope="session")
def graded_class(tmp_path_factory):
    """The fixture submissions, and one more notebook whose worker is killed twice, imported, autograded, fed back
    and exported, as ``make grade`` does, but on a cluster started by hand: a scheduler, two workers and a third
    that cannot sandbox; the worker grading ``correct`` is killed once part way."""
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed (make install installs it)")
    root = tmp_path_factory.mktemp("term")
    course = demo.new_course(root / "course")
    (root / "outside").mkdir()
    (root / "outside" / "instructor-notes.txt").write_text("not for students")
    downloads = root / "downloads"
    shutil.copytree(demo.FIXTURES / "submissions", downloads)
    shutil.copy(downloads / "correct_elbo.ipynb", downloads / f"{WORKER_KILLER}_elbo.ipynb")
    before = tree(root, skip=course)
    course_before = checksums(course)
    nb_name = Course(course).assignment(ASSIGNMENT).notebook_name
    report = collect.import_submissions(course, ASSIGNMENT, nb_name, downloads)
    cluster = HandStartedCluster(tmp_path_factory.mktemp("cluster"), workers=2, refusing=1)
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
    left = descendants()
    pages = feedback.generate(course, ASSIGNMENT, nb_name)
    return SimpleNamespace(root=root, course=course, nb_name=nb_name, report=report, records=records,
                           printed=printed.getvalue(), killed=killer.killed, during=during, groups=groups, left=left,
                           pages=pages, before=before, course_before=course_before,
                           csv=export.write_csv(course, ASSIGNMENT, nb_name),
                           summary=export.summary(course, ASSIGNMENT, nb_name))


@pytest.fixture
def course(tmp_path):
    """A fresh, empty course (config, source, release)."""
    return demo.new_course(tmp_path / "course")
