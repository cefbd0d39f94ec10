"""The teaching assistant's part of the term, in a real browser: a written answer graded and a test
overridden, each with a comment, in nbgrader's formgrader (JupyterLab in Debian's Chromium, driven by
Playwright) on a class of assignment 01 autograded by ``python -m autograder``; then, in this order, the
feedback the students get, the grade table and the LMS files, and a regrade that keeps what the TA gave.
The screenshot of formgrader goes to build/screenshots/formgrader.png.
"""
import csv
import html
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone
from types import SimpleNamespace

import nbformat
import pytest
from nbgrader.api import Gradebook

from browser_support import ROOT, SCREENSHOTS, TOKEN, chromium, jupyter_lab, needs_chromium
from autograder.engine.nbgrader_cli import gradebook_url, run_nbgrader
from autograder.results.notebook_report import hidden_lines
from coursemodel.cells import grade_id, nbgrader, split_hidden
from coursemodel.layout import Course

pytestmark = [needs_chromium, pytest.mark.skipif(shutil.which("bwrap") is None,
                                                 reason="bubblewrap is not installed (make install installs it)")]
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[dev]')")
expect, PlaywrightError = playwright.expect, playwright.Error

ASSIGNMENT, NOTEBOOK = "01_elbo", "elbo"  # the cheapest notebook to grade: the TA's part is the same in every one
ASSIGNMENTS = Course(ROOT).assignment_names()
GOOD_LOGSUMEXP = "return tf.squeeze(tf.math.log(total) + m, axis=axis)"
BAD_LOGSUMEXP = "return tf.math.log(tf.reduce_sum(tf.exp(a), axis=axis))"  # overflows at 1000: test_logsumexp fails
WRITTEN, TEST, ANSWER = "q_underflow", "test_logsumexp", "logsumexp"  # a written answer; a test and its answer cell
TEST_POINTS = 3
WRITTEN_COMMENT = "Right thresholds; say what an underflowed log does to the gradient."
OVERRIDE_COMMENT = "Regrade request: the formula is right, it only overflows for large entries. 1 point of 3."
DUE = "2026-11-20 23:59 UTC"
ROSTER = "student_id,Student,ID,SIS User ID,SIS Login ID,Section\nsolution,\"Lovelace, Ada\",101,S-1,ada,A\n" \
         "cy,\"Chen, Cy\",103,S-3,cy,B\ndee,\"Diaz, Dee\",104,S-4,dee,B\n"  # release is missing; dee sent nothing


def autograder(course, *args):
    """``python -m autograder ARGS`` in the course, as an instructor runs it; returns what it printed."""
    done = subprocess.run([sys.executable, "-m", "autograder", *args, "--course", str(course)],
                          capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def received(when, name, text, folder):
    """A downloaded notebook with the time the LMS gave it."""
    path = folder / name
    path.write_text(text)
    stamp = when.replace(tzinfo=timezone.utc).timestamp()
    os.utime(path, (stamp, stamp))


@pytest.fixture(scope="module")
def term(reference_class, tmp_path_factory):
    """The reference class (the students ``solution`` and ``release``, graded as ``make course`` grades them),
    and cy, who sends the solution of 01 with a logsumexp that overflows, late: ``python -m autograder grade``
    imports and autogrades cy (the others are up to date), then writes feedback and the grade table."""
    root = tmp_path_factory.mktemp("term")
    course = root / "course"
    shutil.copytree(reference_class.course, course)
    downloads = root / "downloads"
    downloads.mkdir()
    solution = nbformat.read(ROOT / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    answer = next(c for c in solution.cells if grade_id(c) == ANSWER)
    assert answer.source.count(GOOD_LOGSUMEXP) == 1
    answer.source = answer.source.replace(GOOD_LOGSUMEXP, BAD_LOGSUMEXP)
    received(datetime(2026, 11, 21, 2, 30), f"cy_{NOTEBOOK}.ipynb", nbformat.writes(solution), downloads)
    printed = autograder(course, "grade", ASSIGNMENT, str(downloads))
    assert "graded 1 new or changed submission(s)" in printed
    (root / "roster.csv").write_text(ROSTER)
    return SimpleNamespace(root=root, course=course, printed=printed)


def grades(course, student):
    """{cell name: (auto score, manual score)} and {cell name: manual comment} from the gradebook."""
    with Gradebook(gradebook_url(course)) as gradebook:
        notebook = gradebook.find_submission_notebook(NOTEBOOK, ASSIGNMENT, student)
        return ({g.name: (g.auto_score, g.manual_score) for g in notebook.grades},
                {c.name: c.manual_comment for c in notebook.comments})


def saved(course, student, scores, comments, timeout=30):
    """Wait until the gradebook holds these manual scores and comments, as formgrader saves them."""
    deadline = time.monotonic() + timeout
    while True:
        now = grades(course, student)
        found = ({name: now[0][name] for name in scores}, {name: now[1][name] for name in comments})
        if found == (scores, comments):
            return
        assert time.monotonic() < deadline, f"formgrader did not save: the gradebook holds {found}"
        time.sleep(0.2)


def neighbour_submission(course, student):
    """Formgrader's shortcut to a neighbouring submission, and whose it is: Ctrl+. for the next one in its
    order (by submission id), Ctrl+, for the previous one when the student's is the last (Ctrl+. would then
    go back to the list)."""
    with Gradebook(gradebook_url(course)) as gradebook:
        order = [n.student.id for n in sorted(gradebook.notebook_submissions(NOTEBOOK, ASSIGNMENT),
                                              key=lambda n: n.id)]
    at = order.index(student)
    return ("Control+Period", order[at + 1]) if at + 1 < len(order) else ("Control+Comma", order[at - 1])


def open_formgrader_submission(page, url, student):
    """JupyterLab's menu Nbgrader -> Formgrader, then Manual Grading -> the assignment -> its notebook -> the student's
    submission, once its page has loaded; returns the formgrader's frame."""
    problems = []
    page.on("console", lambda message: problems.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: problems.append(f"error: {error}"))
    page.goto(f"{url}/lab?reset&token={TOKEN}")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=120_000)
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Formgrader$")).click()
    frame = page.frame_locator("iframe[src*='formgrader']")
    frame.get_by_role("link", name="Manual Grading").click()
    frame.get_by_role("link", name=ASSIGNMENT, exact=True).click()
    frame.get_by_role("link", name=NOTEBOOK, exact=True).click()
    frame.locator("#main-table a.name-hidden").first.wait_for()  # the list is filled in after the page loads
    frame.get_by_role("button", name="Show All Names").click()
    frame.get_by_role("link", name=student, exact=True).click()
    frame.locator(f"input#{WRITTEN}").wait_for(timeout=60_000)
    ready = "() => window.formgrader && formgrader.loaded && window.MathJax && MathJax.loaded"
    try:  # formgrader sets up its shortcuts, and MathJax (served offline) has typeset the notebook
        page.frame(url=re.compile(r"/formgrader/submissions/")).wait_for_function(ready, timeout=180_000)
    except PlaywrightError:
        pytest.fail("formgrader's page did not finish loading; the browser said:\n" + "\n".join(problems))
    return frame


def test_a_teaching_assistant_grades_in_formgrader(term):
    with jupyter_lab(term.course) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        frame = open_formgrader_submission(page, url, "cy")
        written = frame.locator(f"input#{WRITTEN}")
        written.fill("0.5")
        written.press("Tab")
        comment = frame.locator(f"textarea#{WRITTEN}-comment")
        comment.fill(WRITTEN_COMMENT)
        comment.press("Tab")  # formgrader saves an input when it loses focus
        override = frame.locator(f"input#{TEST}")
        expect(override).to_have_attribute("placeholder", "0")  # the autograded score, shown until overridden
        override.fill("1")
        override.press("Tab")
        reason = frame.locator(f"textarea#{ANSWER}-comment")
        reason.fill(OVERRIDE_COMMENT)
        reason.press("Tab")
        saved(term.course, "cy", {WRITTEN: (None, 0.5), TEST: (0.0, 1.0)},
              {WRITTEN: WRITTEN_COMMENT, ANSWER: OVERRIDE_COMMENT})
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        frame.locator(":focus").press("Escape")  # out of the boxes: formgrader scrolls to the one in focus
        page.wait_for_timeout(1000)
        frame.locator(f"input#{WRITTEN}").evaluate("box => box.closest('.nbgrader_cell').scrollIntoView({block: 'center'})")
        page.screenshot(path=str(SCREENSHOTS / "formgrader.png"))  # the written answer, scored and commented
        student = frame.locator(".breadcrumb a.name-shown")
        assert student.text_content().strip() == "cy"
        key, neighbour = neighbour_submission(term.course, "cy")
        frame.locator("body").press(key)  # saves, then that submission at the same input
        frame.locator(".breadcrumb a.name-shown").filter(has_text=neighbour).wait_for(state="attached", timeout=60_000)
        expect(frame.locator(f"input#{WRITTEN}")).to_be_visible()


def page_text(path):
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text()))


def test_feedback_shows_the_manual_grades_and_comments_but_no_hidden_test(term):
    autograder(term.course, "feedback", ASSIGNMENT)
    text = page_text(term.course / "feedback" / "cy" / ASSIGNMENT / f"{NOTEBOOK}.html")
    assert WRITTEN_COMMENT in text and OVERRIDE_COMMENT in text
    assert f"Test {TEST}: 1 / {TEST_POINTS} points (set by the course staff; the checks gave 0" in text  # the override
    source = nbformat.read(ROOT / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    visible = "\n".join(split_hidden(cell.source)[0] for cell in source.cells)
    hidden = {line for cell in source.cells for line in hidden_lines(cell.source)
              if line not in visible}  # a line students see, or a part of one, is no leak
    assert len(hidden) > 20 and not [line for line in hidden if line in text]


def test_export_counts_manual_grades_and_writes_the_lms_files(term):
    printed = autograder(term.course, "export", ASSIGNMENT, "--roster", str(term.root / "roster.csv"), "--due", DUE)
    with open(term.course / "grading" / ASSIGNMENT / "grades.csv") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    cy = rows["cy"]
    assert cy[WRITTEN] == "0.5" and cy[TEST] == "1.0"  # written answers no longer empty; the override counts
    assert float(cy["total"]) == float(cy["autograded_score"]) + 1 + 0.5 + sum(
        float(cy[name]) for name in cy if name.startswith("q_") and name != WRITTEN and cy[name])
    assert cy["late"] == "2.5 h late" and rows["solution"]["late"] == ""
    assert rows["release"][WRITTEN] == "0.0"  # an answer left as released scores 0 without a person (nbgrader)
    with open(term.course / "grading" / "lms" / "canvas.csv") as handle:
        canvas = list(csv.reader(handle))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *ASSIGNMENTS]  # all graded
    assert [row[0] for row in canvas[2:]] == ["Lovelace, Ada", "Chen, Cy", "Diaz, Dee", "release"]
    column = canvas[0].index(ASSIGNMENT)
    possible = sum(nbgrader(cell).get("points", 0)
                   for cell in nbformat.read(ROOT / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4).cells)
    assert canvas[1][column] == f"{possible:g}" and canvas[3][column] == f"{float(cy['total']):g}" and canvas[4][column] == ""
    assert canvas[3][canvas[0].index("04_vae")] == ""  # cy sent 01 only
    assert "not on the roster (listed at the end, unmatched): release" in printed
    assert f"{ASSIGNMENT}: late: cy (2.5 h late)" in printed


def test_regrading_one_student_after_a_fix_to_the_tests_keeps_what_the_ta_gave(term):
    """The instructor relaxes test_logsumexp (source, then nbgrader generate_assignment, as `make release`
    does) and regrades cy alone: the autograded score changes, the TA's grades and comments stay."""
    path = term.course / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    source = nbformat.read(path, as_version=4)
    cell = next(c for c in source.cells if grade_id(c) == TEST)
    cell.source = "\n".join(cell.source.splitlines()[:3])  # the first check only, which the overflow passes
    nbformat.write(source, path)
    run_nbgrader(term.course, "generate_assignment", ASSIGNMENT, "--force")
    before = grades(term.course, "cy")
    printed = autograder(term.course, "regrade", ASSIGNMENT, "cy")
    after = grades(term.course, "cy")
    assert after[0][TEST] == (TEST_POINTS, 1.0)  # now passes; the TA's override stands until a TA resolves it
    with Gradebook(gradebook_url(term.course)) as gradebook:
        assert gradebook.find_grade(TEST, NOTEBOOK, ASSIGNMENT, "cy").needs_manual_grade  # formgrader asks for a look
    assert after[0][WRITTEN] == before[0][WRITTEN] == (None, 0.5)
    assert after[1][WRITTEN] == WRITTEN_COMMENT and after[1][ANSWER] == OVERRIDE_COMMENT
    assert "2 other submission(s)" in printed and "regraded cy" in printed
