"""The student's self-check: every visible test at once, no hidden test, no nbgrader."""
import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from autograder.results.notebook_report import hidden_lines
from course import selfcheck

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "course" / "_data" / "visible_tests.json"


def test_bundled_visible_tests_hold_no_hidden_test():
    bundled = json.loads(BUNDLED.read_text())
    visible = {line.strip() for tests in bundled.values() for test in tests for line in test["source"].splitlines()}
    hidden = set()
    for path in sorted((ROOT / "source").glob("*/*.ipynb")):
        hidden |= set().union(*(hidden_lines(cell.source) for cell in nbformat.read(path, as_version=4).cells))
    assert len(hidden) > 100
    released = {line.strip() for path in (ROOT / "release").glob("*/*.ipynb")
                for cell in nbformat.read(path, as_version=4).cells for line in cell.source.splitlines()}
    assert not (hidden - released) & visible  # lines only hidden tests have never reach the bundle


def test_every_notebook_ends_with_its_self_check():
    for path in sorted((ROOT / "release").glob("*/*.ipynb")):
        last = nbformat.read(path, as_version=4).cells[-1]
        assert last.source == f'from course import selfcheck\n\nselfcheck.run("{path.parent.name}", globals());'


def test_it_stays_silent_while_nbgrader_grades(monkeypatch, capsys):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert selfcheck.run("01_elbo", {}) == []
    assert "skipped" in capsys.readouterr().out


def test_unknown_assignment_is_named():
    with pytest.raises(ValueError, match="known: 01_elbo"):
        selfcheck.visible_tests("99_nothing")


@pytest.mark.parametrize("folder, passes", [("solutions", True), ("release", False)])
def test_self_check_table_in_a_real_kernel(folder, passes, monkeypatch, tmp_path):
    count = len(json.loads(BUNDLED.read_text())["01_elbo"])
    passing = count if passes else 0
    monkeypatch.setenv("COURSE_FAST", "1")
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    notebook = nbformat.read(ROOT / folder / "01_elbo" / "elbo.ipynb", as_version=4)
    NotebookClient(notebook, timeout=300, allow_errors=True, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    printed = "".join(o.get("text", "") for o in notebook.cells[-1].outputs)
    assert count > 10 and f"visible tests of 01_elbo: {passing} of {count} pass" in printed
    assert printed.count(" pt  pass") == passing
    if passing == 0:
        assert "NotImplementedError" in printed
