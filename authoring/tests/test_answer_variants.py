"""Fair both ways: answers written differently get full marks, realistic wrong answers do not.

Each assignment's source notebook runs once in a kernel with its solutions; every variant of
``answer_variants`` then replaces a solution's functions and the test cells that judge it run,
hidden tests included.
"""
import pytest

from answer_variants import VARIANTS
from authoring_support import ASSIGNMENTS
from notebook_session import NotebookSession

CASES = [(assignment, name) for assignment in ASSIGNMENTS for name in VARIANTS.get(assignment, {})]


@pytest.fixture(scope="module")
def sessions(tmp_path_factory):
    """{assignment: NotebookSession}, started when first asked for; all closed at the end."""
    started = {}

    def get(assignment):
        if assignment not in started:
            for session in started.values():  # one kernel at a time: the variants run assignment by assignment
                session.close()
            started.clear()
            started[assignment] = NotebookSession(assignment, tmp_path_factory.mktemp(assignment))
        return started[assignment]

    yield get
    for session in started.values():
        session.close()


def test_every_assignment_has_variants_of_both_kinds():
    for assignment in ASSIGNMENTS:
        kinds = {variant.correct for variant in VARIANTS[assignment].values()}
        assert kinds == {True, False}, f"{assignment}: give it correct variants and planted bugs"


@pytest.mark.parametrize("assignment, name", CASES, ids=[f"{a}: {n}" for a, n in CASES])
def test_variant_gets_its_verdict(sessions, assignment, name):
    session = sessions(assignment)
    assert not session.failures, f"the solution itself fails {session.failures}"
    variant = VARIANTS[assignment][name]
    assert variant.replaces in session.solutions and set(variant.tests) <= set(session.tests)
    verdicts = session.verdicts(variant.replaces, variant.code, variant.tests)
    if variant.correct:
        assert verdicts == {test: None for test in variant.tests}, f"a correct answer loses points: {verdicts}"
    else:
        passed = [test for test, error in verdicts.items() if error is None]
        assert not passed, f"a wrong answer passes {passed}"
        first = verdicts[variant.tests[0]]
        assert variant.says in first, f"the first message does not name the mistake ({variant.says!r}): {first}"
