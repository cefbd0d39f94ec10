"""``make grade`` without submissions: grade the fixture batch in a scratch course under build/.

The batch is every fixture of ``autograder/tests/fixtures/01_elbo/submissions``
(good, partial, broken and hostile notebooks, a file with an unsafe student id,
a file that is not a notebook) zipped as an LMS would send it. The run ends by
comparing each student's outcome with the golden file ``expected.json``.
"""

import json
import shutil
import zipfile
from dataclasses import replace
from pathlib import Path

from autograder.engine import grading
from autograder.engine.options import Options
from autograder.intake import collect
from autograder.results import export, feedback, records
from coursemodel.layout import Course

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "tests" / "fixtures" / "01_elbo"
DEMO_COURSE = ROOT / "build" / "demo-course"


def expected():
    """The golden file of the fixtures."""
    return json.loads((FIXTURES / "expected.json").read_text())


def fixture_options(**overrides):
    """The grading options the golden file was made with."""
    return replace(Options(**expected()["options"]), **overrides)


def new_course(path, root=ROOT):
    """A fresh course at ``path`` with this course's config, source and release."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    shutil.copy(root / "nbgrader_config.py", path)
    for folder in ("source", "release"):
        shutil.copytree(root / folder, path / folder)
    return path


def sample_batch(zip_path):
    """Zip every fixture submission, as an LMS download; returns the path."""
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted((FIXTURES / "submissions").iterdir()):
            zf.write(path, f"submissions/{path.name}")
    return zip_path


def mismatches(course_root):
    """Differences between the graded fixtures in ``course_root`` and the golden file."""
    golden = expected()
    stored = records.load_all(course_root, golden["assignment"])
    problems = []
    for student, want in golden["submissions"].items():
        got = stored.get(student)
        if got is None:
            problems.append(f"{student}: no record")
            continue
        if (got.status, got.score) != (want["status"], want["score"]):
            problems.append(f"{student}: {got.status} {got.score:g}, expected {want['status']} {want['score']:g}")
        for text in want["messages"]:
            if not any(text in message for message in got.messages):
                problems.append(f"{student}: no message containing {text!r} in {got.messages}")
        if not want["messages"] and got.messages:
            problems.append(f"{student}: unexpected messages {got.messages}")
        if want.get("flags", []) != got.flags:
            problems.append(f"{student}: flagged {got.flags}, expected {want.get('flags', [])}")
    return problems


def run(options):
    """Import, grade, feed back and export the sample batch; 0 when it matches the golden file."""
    assignment = expected()["assignment"]
    course = new_course(DEMO_COURSE)
    batch = sample_batch(course / "downloads" / f"{assignment}.zip")
    nb_name = Course(course).assignment(assignment).notebook_name
    print(f"demo course: {course}\nsample batch: {batch}")
    print("\n".join(collect.import_submissions(course, assignment, nb_name, batch).lines()))
    grading.autograde(course, assignment, options)
    feedback.generate(course, assignment, nb_name)
    print("\n".join(export.summary(course, assignment, nb_name)))
    print(f"grades: {export.write_csv(course, assignment, nb_name)}")
    print(f"feedback: {course / 'feedback'}/<student>/{assignment}/")
    problems = mismatches(course)
    total = len(expected()["submissions"])
    print(f"golden file: {total - len({p.split(':')[0] for p in problems})}/{total} submissions as expected")
    print("\n".join(f"  MISMATCH {p}" for p in problems))
    return 1 if problems else 0
