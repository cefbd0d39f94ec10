"""The student edition: what it holds for every UNTIL, that it holds no answer, and how it is published."""
import json
import shutil
import tomllib
import zipfile
from pathlib import Path

import nbformat
import pytest
import yaml

from authoring import ROOT, colab, leaks, publish, references
from authoring.__main__ import main as authoring_main
from coursemodel.cells import split_cell
from coursemodel.layout import Course
from autograder.__main__ import main as autograder_main
from autograder.intake.collect import DEFAULT_PATTERN
from nbgrader.plugins.zipcollect import FileNameCollectorPlugin

from authoring_support import ASSIGNMENTS, git

TOP_LEVEL = {"README.md", "LICENSE", "pyproject.toml", "environment.yml", ".gitignore", "assignments", "course"}


def _files(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.is_file() and ".git" not in p.relative_to(folder).parts)


@pytest.mark.parametrize("until", ASSIGNMENTS)
def test_no_answer_of_an_assignment_not_yet_due(editions, until):
    assert leaks.scan(editions[until], ROOT, until) == []


@pytest.mark.parametrize("until", ASSIGNMENTS)
def test_the_edition_holds_the_released_notebooks_and_the_helpers_students_may_have(editions, until):
    folder = editions[until]
    published = ASSIGNMENTS[:ASSIGNMENTS.index(until) + 1]
    assert {p.name for p in folder.iterdir() if p.name != ".git"} == TOP_LEVEL
    assert not {part for path in _files(folder) for part in path.split("/")} & leaks.INSTRUCTOR_ONLY
    notebooks = {path for path in _files(folder) if path.startswith("assignments/")}
    assert notebooks == {f"assignments/{p.parent.name}/{p.name}" for a in published
                         for p in (ROOT / "release" / a).glob("*.ipynb")}
    for path in notebooks:
        assert (folder / path).read_bytes() == (ROOT / "release" / Path(path).relative_to("assignments")).read_bytes()
    due = set(ASSIGNMENTS[:ASSIGNMENTS.index(until)])
    package = {path.removeprefix("course/") for path in _files(folder) if path.startswith("course/")}
    for path, owner in references.files().items():
        assert (path in package) == (owner in due), f"{path} (reference of {owner}) in the edition of {until}"
        if owner in due:
            assert (folder / "course" / path).read_bytes() == (ROOT / "course" / path).read_bytes()
    assert references.TABLE.name not in {Path(p).name for p in package}, "the grader's table stays home"
    ungated = {p.relative_to(ROOT / "course").as_posix() for pattern in ("*.py", *publish.package_data(ROOT))
               for p in (ROOT / "course").glob(pattern)} - set(references.files()) - {"_data/reference_files.json"}
    assert ungated <= package, f"helpers missing: {ungated - package}"
    visible = json.loads((folder / "course" / "_data" / "visible_tests.json").read_text())
    assert list(visible) == published, "the self-check knows the released assignments only"


def test_reference_code_joins_after_its_deadline(editions):
    assert not (editions["01_elbo"] / "course" / "distributions.py").exists()
    assert (editions["02_naive_bayes"] / "course" / "distributions.py").exists()
    assert not (editions["04_vae"] / "course" / "vae.py").exists()
    assert {"vae.py", "vae_training.py", "_data/vae_latent2.npz", "_data/vae_latent20.npz"} <= {
        p.relative_to(editions["05_posteriors"] / "course").as_posix()
        for p in (editions["05_posteriors"] / "course").rglob("*")}


def test_the_student_package_installs_the_course_helpers_with_the_courses_dependencies(editions):
    instructor = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lab = [r for r in instructor["optional-dependencies"]["dev"] if r.split("<")[0].split(">")[0] in
           publish.LAB_PACKAGES]
    for number, until in enumerate(ASSIGNMENTS, start=1):
        student = tomllib.loads((editions[until] / "pyproject.toml").read_text())
        assert student["project"]["dependencies"] == instructor["dependencies"]
        assert student["project"]["optional-dependencies"] == {"lab": lab}
        assert student["project"]["version"] == f"{instructor['version']}.{number}"
        assert student["tool"]["setuptools"]["packages"] == ["course"]
        assert student["tool"]["vi-vae-course"] == {"edition": "student", "repository": colab.repository(ROOT),
                                                   "assignments": ASSIGNMENTS[:number]}
        environment = yaml.safe_load((editions[until] / "environment.yml").read_text())
        pip = next(item["pip"] for item in environment["dependencies"] if isinstance(item, dict))
        assert pip == instructor["dependencies"] + lab + ["-e ."] and "python=3.11" in environment["dependencies"]
        assert (editions[until] / "LICENSE").read_text() == (ROOT / "LICENSE").read_text()
        assert "CC BY-SA 3.0" in (editions[until] / "course" / "_data" / "README.md").read_text()


@pytest.mark.parametrize("until", ["02_naive_bayes", "05_posteriors"])
def test_the_student_readme_names_the_released_assignments_and_every_route(editions, until):
    readme = (editions[until] / "README.md").read_text()
    repo = colab.repository(ROOT)
    for assignment in ASSIGNMENTS:
        path = next((ROOT / "release" / assignment).glob("*.ipynb"))
        listed = colab.badge(repo, assignment, path.name) in readme
        assert listed == (assignment <= until), f"{assignment} listed in the edition of {until}: {listed}"
    for route in ("pip install '.[lab]'", "conda env create -f environment.yml", "Save a copy in Drive",
                  "Change runtime type", "Check your work", f"git clone https://github.com/{repo}"):
        assert route in readme
    collector = FileNameCollectorPlugin(named_regexp=DEFAULT_PATTERN, valid_ext=[".ipynb"])
    for example in ("jdoe42_elbo.ipynb", "jdoe42_Copy of elbo.ipynb"):
        assert example in readme and collector.collect(example)["student_id"] == "jdoe42"
    assert "source/" not in readme and "solutions" not in readme and "nbgrader" not in readme


def _plant(edition, path, text):
    target = edition / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


def _answer_line(assignment, hidden=False):
    """A distinctive line of a solution block (or a hidden test) of ``assignment``."""
    notebook = Course(ROOT).assignment(assignment).read()
    for cell in notebook.cells:
        if (cell.cell_type == "code") and (("HIDDEN TESTS" in cell.source) == hidden):
            answers, _ = split_cell(cell)
            lines = [line.strip() for line in answers if len(line.strip()) > 40]
            if lines:
                return lines[-1]
    raise AssertionError(f"no answer line in {assignment}")


def test_the_scan_finds_every_kind_of_leak(editions, tmp_path):
    edition = tmp_path / "edition"
    shutil.copytree(editions["05_posteriors"], edition, ignore=shutil.ignore_patterns(".git"))
    solution, hidden = _answer_line("05_posteriors"), _answer_line("05_posteriors", hidden=True)
    plots, data = (edition / "course/plots.py").read_text(), (edition / "course/data.py").read_text()
    _plant(edition, "course/plots.py", f"{plots}\n\ndef helper():\n    {solution}\n")
    _plant(edition, "course/data.py", f"{data}\n\ndef svi_top_half(x):\n    return x\n")
    tests = json.loads((edition / "course/_data/visible_tests.json").read_text())
    tests["05_posteriors"][0]["source"] += "\n" + hidden
    _plant(edition, "course/_data/visible_tests.json", json.dumps(tests))
    notebook = nbformat.read(edition / "assignments/05_posteriors/posteriors.ipynb", as_version=4)
    notebook.cells[-1].outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"x = 1\n{hidden}\n")]
    nbformat.write(notebook, edition / "assignments/05_posteriors/posteriors.ipynb")
    _plant(edition, "source/05_posteriors/posteriors.ipynb", "{}")
    _plant(edition, "notes.md", "### BEGIN SOLUTION\nx = 1  # BEGIN HIDDEN TESTS, inside a line as nbgrader finds it\n")
    found = {(leak.path, leak.kind, leak.detail) for leak in leaks.scan(edition, ROOT, "05_posteriors")}
    assert found == {("course/plots.py", "answer line", solution), ("course/data.py", "definition", "svi_top_half"),
                     ("course/_data/visible_tests.json", "answer line", hidden),
                     ("assignments/05_posteriors/posteriors.ipynb", "answer line", hidden),
                     ("source/05_posteriors/posteriors.ipynb", "instructor file",
                      "the instructor's side of the course"),
                     ("notes.md", "answer marker", "BEGIN SOLUTION"),
                     ("notes.md", "answer marker", "BEGIN HIDDEN TESTS")}


def test_a_later_edition_is_not_fit_for_an_earlier_deadline(editions):
    found = leaks.scan(editions["05_posteriors"], ROOT, "04_vae")
    assert "course/vae.py" in {leak.path for leak in found}
    assert {"Encoder", "train_step"} <= {leak.detail for leak in found if leak.kind == "definition"}


def test_publish_refuses_an_edition_that_leaks_and_writes_nothing(monkeypatch, tmp_path):
    dest = tmp_path / "edition"
    leaking = tmp_path / "helper.py"
    leaking.write_text(f"def helper():\n    {_answer_line('03_sbn')}\n")
    files = publish.package_files
    monkeypatch.setattr(publish, "package_files", lambda root, until: {**files(root, until), "helper.py": leaking})
    with pytest.raises(publish.PublishError, match="would hand out 1 answer"):
        publish.publish(ROOT, dest, "03", draft=True)
    assert not dest.exists()


@pytest.mark.parametrize("make_dest, reason", [
    (lambda tmp: ROOT, "holds the course itself"),
    (lambda tmp: ROOT.parent, "holds the course itself"),
    (lambda tmp: ROOT / "course", "inside the course"),
    (lambda tmp: _with(tmp / "home", "thesis.tex"), "holds other files"),
    (lambda tmp: _with(tmp / "notes", "README.md"), "holds other files"),  # not a clone: nothing to recover it from
    (lambda tmp: _with(tmp / "file.txt"), "is a file"),
])
def test_publish_refuses_a_destination_it_would_destroy(tmp_path, make_dest, reason):
    dest = make_dest(tmp_path)
    before = _files(dest) if dest.is_dir() and dest not in (ROOT, ROOT.parent) else None
    with pytest.raises(publish.PublishError, match=reason):
        publish.publish(ROOT, dest, "01", draft=True)
    if before is not None:
        assert _files(dest) == before


def _with(path, name=None):
    if name is None:
        path.write_text("mine")
        return path
    path.mkdir()
    (path / name).write_text("mine")
    return path


def test_publish_into_a_new_clone_of_the_student_repository(tmp_path):
    clone = tmp_path / "student-repo"
    clone.mkdir()
    git(clone, "init", "--quiet")
    (clone / "README.md").write_text("# vi-vae-course-student\n")  # what GitHub puts in a new repository
    git(clone, "add", "--all")
    git(clone, "commit", "--quiet", "-m", "Initial commit")
    publish.publish(ROOT, clone, "01", draft=True)
    assert "Assignment 01" in (clone / "README.md").read_text() and (clone / ".git").is_dir()


def test_publish_into_the_student_repository_replaces_its_content_and_keeps_git(editions, tmp_path):
    clone = tmp_path / "student-repo"
    git(tmp_path, "clone", "--quiet", str(editions["03_sbn"]), str(clone))
    (clone / "notes-from-an-old-edition.txt").write_text("stale")
    git(clone, "add", "--all")
    git(clone, "commit", "--quiet", "-m", "an old file")
    (clone / "uncommitted.txt").write_text("work in progress")
    with pytest.raises(publish.PublishError, match="uncommitted changes"):
        publish.publish(ROOT, clone, "04", draft=True)
    (clone / "uncommitted.txt").unlink()
    publish.publish(ROOT, clone, "03", draft=True)
    assert git(clone, "status", "--porcelain") == " D notes-from-an-old-edition.txt\n", "same UNTIL: same files"
    git(clone, "commit", "--quiet", "--all", "-m", "drop the old file")
    edition = publish.publish(ROOT, clone, "04_vae", draft=True)
    changed = {line[3:] for line in git(clone, "status", "--porcelain", "--untracked-files=all").splitlines()}
    assert {"assignments/04_vae/vae.ipynb", "README.md", "pyproject.toml", "course/_data/visible_tests.json"} <= changed
    assert not any(path.startswith(("course/vae", "course/_data/vae_latent")) for path in changed)
    assert (clone / ".git").is_dir() and edition.assignments == tuple(ASSIGNMENTS[:4])
    assert _files(clone) == _files(editions["04_vae"])


def test_the_edition_as_a_zip_for_the_lms(tmp_path):
    edition = publish.publish(ROOT, tmp_path / "edition", "02", zip_path=tmp_path / "lms" / "vi-vae-course.zip",
                              draft=True)
    with zipfile.ZipFile(edition.zip_path) as archive:
        names = sorted(archive.namelist())
    assert names == sorted(f"vi-vae-course/{path}" for path in edition.files) == sorted(
        f"vi-vae-course/{path}" for path in _files(tmp_path / "edition"))


def test_publish_refuses_placeholder_colab_links_unless_told_it_is_a_draft(tmp_path, capsys):
    assert colab.is_placeholder(colab.repository(ROOT)), "this checkout's Colab links are the placeholder"
    with pytest.raises(publish.PublishError, match="placeholder OWNER/"):
        publish.publish(ROOT, tmp_path / "edition", "01")
    assert authoring_main(["publish", str(tmp_path / "edition"), "--until", "01"]) == 1
    assert "make colab-links REPO=owner/name" in capsys.readouterr().err and not (tmp_path / "edition").exists()
    with pytest.raises(ValueError, match="the student repository"):
        colab.write_links(tmp_path, "OWNER/vi-vae-course-student")


def test_the_command_line_publishes_and_explains_mistakes(tmp_path, capsys):
    assert authoring_main(["publish", str(tmp_path / "edition"), "--until", "02", "--draft"]) == 0
    out = capsys.readouterr().out
    assert "published 01_elbo, 02_naive_bayes into" in out and "MiB" in out
    assert authoring_main(["publish", str(tmp_path / "other"), "--until", "99", "--draft"]) == 1
    assert "UNTIL='99' names no assignment; known: 01_elbo" in capsys.readouterr().err
    assert autograder_main(["publish", str(tmp_path / "x")]) == 2
    assert "python -m authoring publish" in capsys.readouterr().err
