"""The command line: clear messages for wrong input, exit status 1, nothing half done."""
import shutil
import subprocess
import sys

import pytest

from autograder import demo
from autograder.__main__ import main
from autograder.engine import cluster
from autograder.intake import collect


def test_not_a_course_root(tmp_path, capsys):
    assert main(["export", "01_elbo", "--course", str(tmp_path)]) == 1
    assert "is not a course root (no nbgrader_config.py)" in capsys.readouterr().err


def test_unknown_assignment(course, capsys):
    assert main(["export", "99_nothing", "--course", str(course)]) == 1
    assert "must have exactly one notebook" in capsys.readouterr().err
    assert main(["autograde", "01_elbo", "99_nothing", "--course", str(course)]) == 1
    assert "no assignment '99_nothing'" in capsys.readouterr().err
    assert not (course / "grading").exists(), "nothing is graded when one name is wrong"


def test_missing_submissions(course, tmp_path, capsys):
    assert main(["import", "01_elbo", str(tmp_path / "missing.zip"), "--course", str(course)]) == 1
    assert "no submissions at" in capsys.readouterr().err
    assert not (course / "submitted").exists()


def test_a_scheduler_that_does_not_answer(course, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cluster, "WAIT_FOR_WORKERS", 2)
    (tmp_path / "downloads").mkdir()
    shutil.copy(demo.FIXTURES / "submissions" / "blank_elbo.ipynb", tmp_path / "downloads")
    collect.import_submissions(course, "01_elbo", "elbo.ipynb", tmp_path / "downloads")
    assert main(["autograde", "01_elbo", "--scheduler", "tcp://127.0.0.1:9", "--course", str(course)]) == 1
    error = capsys.readouterr().err.splitlines()[-1]  # after the progress bar
    assert error == "autograde: Timed out trying to connect to tcp://127.0.0.1:9 after 2 s"
    assert not list((course / "grading" / "01_elbo" / "records").glob("*.json")), "nothing recorded as graded"


def test_regrade_without_that_submission(course, capsys):
    assert main(["regrade", "01_elbo", "nobody", "--course", str(course)]) == 1
    assert "no submission of 01_elbo from nobody in" in capsys.readouterr().err


def test_export_refuses_a_roster_or_a_due_date_it_cannot_read_before_any_work(course, tmp_path, capsys):
    (tmp_path / "roster.csv").write_text("Student,ID\nAda,1\n")
    assert main(["export", "01_elbo", "--roster", str(tmp_path / "roster.csv"), "--course", str(course)]) == 1
    assert "has no column 'student_id' (its columns: Student, ID); name the column" in capsys.readouterr().err
    assert main(["export", "01_elbo", "--due", "after the break", "--course", str(course)]) == 1
    assert "--due 'after the break' is not a date and time" in capsys.readouterr().err
    assert not (course / "grading").exists()


@pytest.mark.parametrize("command", ["grade", "import", "autograde", "regrade", "feedback", "export", "demo"])
def test_every_command_has_help(command):
    result = subprocess.run([sys.executable, "-m", "autograder", command, "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "usage:" in result.stdout
