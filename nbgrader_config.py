"""nbgrader configuration of the course. Run nbgrader from the repository root (the course root)."""
import os
from pathlib import Path

from nbgrader.server_extensions.formgrader.handlers import template_path as NBGRADER_TEMPLATES

from autograder.engine.options import Options
from autograder.kernel.stderr_noise import PATTERN, QUIET_TENSORFLOW
from autograder.results import feedback

c = get_config()  # noqa: F821 (provided by nbgrader)

c.CourseDirectory.course_id = "vi-vae"
c.CourseDirectory.solution_directory = "solutions"

# Solutions are written without outputs (deterministic, small, checked for drift)
# and without hidden tests (so they can be handed to students).
c.GenerateSolution.preprocessors = [
    "nbgrader.preprocessors.IncludeHeaderFooter",
    "nbgrader.preprocessors.LockCells",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.ClearMarkScheme",
    "nbgrader.preprocessors.ClearHiddenTests",
]

# Kernels started by nbgrader inherit this process's environment.
for name, value in QUIET_TENSORFLOW.items():
    os.environ.setdefault(name, value)

# TensorFlow's own stderr lines must never zero a correct answer.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = PATTERN

c.Execute.timeout = Options.cell_timeout  # seconds per cell; notebooks shrink heavy cells under nbgrader

# Autograding: put deleted test cells back (and survive duplicated cells), run the notebook's own
# cells in the kernel and its tests in the judge (autograder.engine.preprocessors.JudgedExecute), and cut
# outputs of megabytes.
c.OverwriteCells.add_missing_cells = True
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "autograder.engine.preprocessors.ForgetDuplicateCells",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.Autograde.autograde_preprocessors = [
    "autograder.engine.preprocessors.JudgedExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "autograder.engine.preprocessors.LimitOutputSize",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# Feedback shows the student's own cells and outputs and the grader's verdicts, never a hidden test
# or an output of the grading run (nbgrader's own feedback shows them: jupyter/nbgrader#917).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "autograder.results.feedback.StudentView",
    "autograder.engine.preprocessors.LimitOutputSize",
    "autograder.results.feedback.AddGradingNotes",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# Formgrader (JupyterLab, Nbgrader -> Formgrader) takes MathJax from the Jupyter server rather than a CDN, so that
# its pages, keyboard shortcuts included, work offline (autograder/results/formgrade_templates); other pages, feedback
# included, are rendered by nbgrader's templates as before.
c.HTMLExporter.extra_template_basedirs = [str(Path(feedback.__file__).parent / "formgrade_templates"),
                                          NBGRADER_TEMPLATES]
