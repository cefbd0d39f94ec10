"""Odd notebooks in a class of correct ones, fuzzed through the real pipeline: ``python -m autograder grade``
(import, autograde on a cluster given by address, feedback, export), then ``autograde`` again.

The property: both runs exit 0, every correct notebook and every odd one whose answers are intact gets full
marks, every odd one gets a record with a reason (a well-formed one none), every student a feedback page and a
row in the grade table, and the second run grades nothing and changes no record."""
import csv
import itertools
import subprocess
import sys

import pytest
from hypothesis import given, strategies as st

from autograder import demo
from autograder.engine.options import command_line
from autograder.results import records
from grading_support import ASSIGNMENT, HandStartedCluster, needs_sandbox
from odd_notebooks import fuzz_settings, odd_notebooks, unreadable_files

FULL = demo.expected()["max_score"]
CORRECT = (demo.FIXTURES / "submissions" / "correct_elbo.ipynb").read_bytes()
LIMITS = command_line(demo.fixture_options())
examples = itertools.count()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A scheduler and two grading workers, started by hand, for every example."""
    started = HandStartedCluster(tmp_path_factory.mktemp("fuzz-cluster"), workers=2)
    try:
        started.wait(2)
        yield started
    finally:
        started.close()


def autograder(course, *args):
    """``python -m autograder`` in a subprocess, on the hand-started cluster; its exit status and output."""
    result = subprocess.run([sys.executable, "-m", "autograder", *args, "--course", str(course)],
                            capture_output=True, text=True, timeout=1800)
    return result.returncode, result.stdout + result.stderr


@needs_sandbox
@fuzz_settings(in_tests=2, fuzzing=5)
@given(odds=st.lists(odd_notebooks(), min_size=3, max_size=5), junk=st.lists(unreadable_files(), max_size=1))
def test_odd_notebooks_stop_nobody(cluster, tmp_path_factory, odds, junk):
    root = tmp_path_factory.mktemp(f"fuzz-class-{next(examples)}")
    course = demo.new_course(root / "course")
    downloads = root / "downloads"
    downloads.mkdir()
    sent = {"correct": CORRECT, **{f"odd{i}": odd.data for i, odd in enumerate(odds)},
            **{f"junk{i}": data for i, data in enumerate(junk)}}
    for student, data in sent.items():
        (downloads / f"{student}_elbo.ipynb").write_bytes(data)
    where = ["--scheduler-file", cluster.scheduler_file]

    status, output = autograder(course, "grade", ASSIGNMENT, str(downloads), *where, *LIMITS)
    assert status == 0, output
    stored = records.load_all(course, ASSIGNMENT)
    assert sorted(stored) == sorted(sent), output
    assert (stored["correct"].status, stored["correct"].score, stored["correct"].messages) == ("graded", FULL, [])
    for i, odd in enumerate(odds):
        record = stored[f"odd{i}"]
        assert not record.retry, (odd, record.messages)
        if odd.intact:
            assert (record.status, record.score) == ("graded", FULL), (odd, record.messages)
        if odd.valid and odd.intact:
            assert record.messages == [], (odd, record.messages)
        else:
            assert record.messages, odd
    for i in range(len(junk)):
        assert stored[f"junk{i}"].status == "failed" and stored[f"junk{i}"].messages
    for student in sent:
        assert (course / "feedback" / student / ASSIGNMENT / "elbo.html").is_file(), student
    with open(records.grading_dir(course, ASSIGNMENT) / "grades.csv", newline="") as table:
        assert sorted(row["student_id"] for row in csv.DictReader(table)) == sorted(sent)

    folder = records.grading_dir(course, ASSIGNMENT) / "records"
    before = {path.name: path.read_bytes() for path in folder.iterdir()}
    status, output = autograder(course, "autograde", ASSIGNMENT, *where, *LIMITS)
    assert status == 0 and "graded 0 new or changed submission(s)" in output, output
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == before
