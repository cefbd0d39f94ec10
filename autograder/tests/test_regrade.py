"""What a person gave in formgrader survives a regrade, even one that can no longer grade the notebook (the
whole path, formgrader and ``python -m autograder regrade``, is in tests/test_formgrader.py)."""
import pytest
from nbgrader.api import Gradebook

from autograder.engine import grading
from autograder.engine.nbgrader_cli import gradebook_url
from autograder.engine.worker import Outcome

pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")  # nbgrader's API, as in grading.py


def test_a_submission_that_cannot_be_graded_again_keeps_only_what_a_person_gave(tmp_path):
    with Gradebook(gradebook_url(tmp_path)) as gradebook:
        gradebook.add_assignment("a1")
        gradebook.add_notebook("nb", "a1")
        gradebook.add_grade_cell("test_answer", "nb", "a1", max_score=2, cell_type="code")
        gradebook.add_solution_cell("answer", "nb", "a1")
        gradebook.add_grade_cell("q_written", "nb", "a1", max_score=3, cell_type="markdown")
        gradebook.add_solution_cell("q_written", "nb", "a1")
        for student in ("ann", "ben"):
            gradebook.add_student(student)
            gradebook.add_submission("a1", student)
            grades = {g.name: g for g in gradebook.find_submission_notebook("nb", "a1", student).grades}
            grades["test_answer"].auto_score = 2
        written = gradebook.find_grade("q_written", "nb", "a1", "ann")
        written.manual_score = 2.5
        gradebook.find_comment("answer", "nb", "a1", "ann").manual_comment = "well argued"
        gradebook.db.commit()
    for student in ("ann", "ben"):
        grading._save(tmp_path, "a1", "nb.ipynb", Outcome(student, None), tmp_path / "submitted" / student / "a1")
    with Gradebook(gradebook_url(tmp_path)) as gradebook:
        ann = {g.name: (g.auto_score, g.manual_score) for g in gradebook.find_submission_notebook("nb", "a1", "ann").grades}
        assert ann == {"test_answer": (None, None), "q_written": (None, 2.5)}  # no autograded points of before
        assert gradebook.find_comment("answer", "nb", "a1", "ann").manual_comment == "well argued"
        assert gradebook.find_submission("a1", "ann").score == 2.5
        ben = {g.name: (g.auto_score, g.manual_score) for g in gradebook.find_submission_notebook("nb", "a1", "ben").grades}
        assert ben == {"test_answer": (None, None), "q_written": (None, None)}  # nobody graded ben: nothing kept
