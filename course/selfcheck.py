"""Run the visible tests of a notebook in one go and print what passes.

Works without nbgrader (as on Colab) and never has the hidden tests: the tests
come from ``_data/visible_tests.json``, written from the student release by the
course build. Each test runs on a copy of the notebook's namespace, so nothing
it defines leaks into your work.
"""

import json
import os
from importlib import resources


def visible_tests(assignment):
    """[(name, points, source)] of the assignment's visible tests, in notebook order."""
    tests = json.loads(resources.files("course").joinpath("_data/visible_tests.json").read_text())
    if assignment not in tests:
        raise ValueError(f"no assignment {assignment!r} in this copy of the course helpers; known: "
                         f"{', '.join(sorted(tests))}. Update the helpers (pip install --upgrade, or a new Colab "
                         "runtime) to the edition that released it.")
    return [(t["name"], t["points"], t["source"]) for t in tests[assignment]]


def run(assignment, namespace):
    """Run every visible test of ``assignment`` against ``namespace`` (pass ``globals()``)."""
    if os.environ.get("NBGRADER_EXECUTION"):
        print("self-check skipped while nbgrader runs the notebook")
        return []
    results = []
    for name, points, source in visible_tests(assignment):
        try:
            exec(compile(source, f"<{name}>", "exec"), dict(namespace))
            results.append((name, points, "pass", ""))
        except Exception as error:  # a failing test is a result to show, not a crash
            message = str(error).strip().splitlines()[0] if str(error).strip() else ""
            results.append((name, points, "FAIL", f"{type(error).__name__}: {message}"[:100]))
    passed = sum(r[2] == "pass" for r in results)
    print(f"visible tests of {assignment}: {passed} of {len(results)} pass "
          "(hidden tests run only when your work is graded)")
    width = max(len(r[0]) for r in results)
    for name, points, status, why in results:
        print(f"  {name:<{width}}  {points:g} pt  {status}  {why}".rstrip())
    return results
