"""The judge matters: with the tests run in the student's kernel (nbgrader's Execute in the same prepared kernel),
tampering notebooks score points; with the judge, none."""
import shutil

from autograder import demo
from autograder.engine import grading
from autograder.intake import collect
from autograder.results import records
from grading_support import ASSIGNMENT, needs_sandbox

TAMPERING = ("patch-helpers", "patch-numpy", "ipython-hooks", "displayhook", "kernel-object", "module-attribute", "thread")
PLAIN_NBGRADER = """
c.Autograde.autograde_preprocessors = [
    "autograder.engine.preprocessors.PreparedExecute", "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor", "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades", "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
"""


@needs_sandbox
def test_tampering_scores_points_when_the_tests_run_in_the_kernel(course, tmp_path):
    with open(course / "nbgrader_config.py", "a") as config:
        config.write(PLAIN_NBGRADER)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    for student in TAMPERING:
        shutil.copy(demo.FIXTURES / "submissions" / f"{student}_elbo.ipynb", downloads)
    collect.import_submissions(course, ASSIGNMENT, "elbo.ipynb", downloads)
    grading.autograde(course, ASSIGNMENT, demo.fixture_options(), progress=False)
    in_kernel = {s: r.score for s, r in records.load_all(course, ASSIGNMENT).items()}
    judged = {s: demo.expected()["submissions"][s]["score"] for s in TAMPERING}
    assert {s for s in TAMPERING if in_kernel[s] <= judged[s]} == set(), (in_kernel, judged)
