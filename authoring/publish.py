"""The student edition (``make publish DEST=<dir> UNTIL=<assignment>``).

It holds what a student needs for the assignments released so far, and no
answer of an assignment that is not yet due:

* ``assignments/<assignment>/<notebook>.ipynb``: the release notebooks up to UNTIL;
* ``course/``: the helper package, with its bundled data, the visible tests of
  those assignments and, for assignments before UNTIL only, their reference code
  and the files that build on it (``course/_data/reference_files.json``);
* a student README, ``pyproject.toml`` and ``environment.yml`` for the student
  package alone, the license and the data attribution.

It is written to a scratch folder first and scanned for leaks
(``authoring.leaks``); only a clean edition replaces the content of DEST.
DEST may be an existing git checkout of the student repository: everything but
``.git`` is replaced, so that the instructor commits and pushes the difference.
"""
import json
import re
import shutil
import subprocess
import tempfile
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from authoring import colab, leaks, references
from authoring.generate import VISIBLE_TESTS
from coursemodel.layout import Course

TEMPLATES = Path(__file__).parent / "edition"
LAB_PACKAGES = ("jupyterlab", "ipykernel")  # from the instructor's dev dependencies, for the JupyterLab route
MARKER = "student"  # [tool.vi-vae-course] edition of the student pyproject.toml
NEW_REPOSITORY_FILES = {"README.md", "LICENSE", ".gitignore", ".gitattributes"}  # what a new GitHub repository holds


class PublishError(ValueError):
    """The edition cannot be published; nothing was written to DEST."""


@dataclass(frozen=True)
class Edition:
    """What a publish wrote."""

    dest: Path
    assignments: tuple
    files: tuple  # paths relative to dest
    bytes: int
    zip_path: Path | None


def resolve_until(root, until):
    """The assignment named by ``until`` (a full name or its number, e.g. ``04``); the last by default."""
    names = Course(root).assignment_names()
    if until in (None, ""):
        return names[-1]
    matches = [name for name in names if name == until or name.split("_")[0] == until]
    if len(matches) != 1:
        raise PublishError(f"UNTIL={until!r} names no assignment; known: {', '.join(names)}")
    return matches[0]


def _project(root):
    return tomllib.loads(Path(root, "pyproject.toml").read_text())


def package_data(root):
    """The data files of the course package, as globs (pyproject.toml's package data)."""
    return _project(root)["tool"]["setuptools"]["package-data"]["course"]


def _lab_requirements(project):
    dev = project["project"]["optional-dependencies"]["dev"]
    found = [r for r in dev if re.match(r"[A-Za-z0-9_.-]+", r).group(0).lower() in LAB_PACKAGES]
    if len(found) != len(LAB_PACKAGES):
        raise PublishError(f"pyproject.toml's dev dependencies must pin {', '.join(LAB_PACKAGES)}")
    return found


def _toml_list(items):
    return "[\n" + "".join(f'    "{item}",\n' for item in items) + "]"


def student_pyproject(root, published):
    """The student package's pyproject.toml: the course's runtime dependencies and the course package."""
    project = _project(root)
    meta = project["project"]
    version = f"{meta['version']}.{len(published)}"  # one more with every assignment published
    return f"""[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "{meta['name']}"
version = "{version}"
description = "{meta['description']} Student edition."
readme = "README.md"
requires-python = "{meta['requires-python']}"
license = {{ text = "{meta['license']['text']}" }}
dependencies = {_toml_list(meta['dependencies'])}

[project.optional-dependencies]
lab = {_toml_list(_lab_requirements(project))}

[tool.setuptools]
packages = ["course"]

[tool.setuptools.package-data]
course = {json.dumps(package_data(root))}

[tool.vi-vae-course]
edition = "{MARKER}"
repository = "{colab.repository(root)}"
assignments = {json.dumps(list(published))}
"""


def student_environment(root):
    """The conda route's environment.yml of the student package."""
    project = _project(root)
    pip = project["project"]["dependencies"] + _lab_requirements(project) + ["-e ."]
    return ("# conda env create -f environment.yml && conda activate vi-vae-course\n"
            "name: vi-vae-course\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.11\n  - pip\n  - pip:\n"
            + "".join(f"      - {item}\n" for item in pip))


def _title(notebook):
    """The notebook's title and estimated time, from its first heading and its 'Estimated time' line."""
    text = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    title = next(line[2:].strip() for line in text.splitlines() if line.startswith("# "))
    time = next((line.strip("* ").rstrip(".") for line in text.splitlines() if "Estimated time" in line), "")
    return title, time.replace("Estimated time: ", "")


def student_readme(root, published):
    """The student README, from ``authoring/edition/README.md`` and the published notebooks."""
    repo = colab.repository(root)
    rows = []
    for assignment in published:
        path = Course(root).assignment(assignment).path("release")
        title, time = _title(nbformat.read(path, as_version=4))
        rows.append(f"| [{title}](assignments/{assignment}/{path.name}) | {time} | "
                    f"{colab.badge(repo, assignment, path.name)} |")
    template = (TEMPLATES / "README.md").read_text()
    return template.format(repository=repo, assignments="\n".join(rows), last=published[-1])


def package_files(root, until):
    """{path under course/: source path} of the helper package as a student of ``until`` receives it."""
    not_due = set(Course(root).not_due(until))
    gated = {path for path, assignment in references.files().items() if assignment in not_due}
    package = Path(root, "course")
    chosen = {}
    for pattern in ("*.py", *package_data(root)):
        for path in sorted(package.glob(pattern)):
            relative = path.relative_to(package).as_posix()
            if relative not in gated and relative != references.TABLE.relative_to("course").as_posix():
                chosen[relative] = path
    return chosen


def _visible_tests(root, published):
    tests = json.loads(Path(root, VISIBLE_TESTS).read_text())
    return json.dumps({name: tests[name] for name in published}, indent=1) + "\n"


def write_edition(root, folder, until):
    """Write the edition of ``until`` into the empty ``folder``; return the published assignments."""
    course = Course(root)
    names = course.assignment_names()
    published = tuple(names[:names.index(until) + 1])
    folder = Path(folder)
    for assignment in published:
        path = course.assignment(assignment).path("release")
        (folder / "assignments" / assignment).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, folder / "assignments" / assignment / path.name)
    for relative, path in package_files(root, until).items():
        (folder / "course" / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, folder / "course" / relative)
    (folder / "course" / VISIBLE_TESTS.relative_to("course")).write_text(_visible_tests(root, published))
    (folder / "README.md").write_text(student_readme(root, published))
    (folder / "pyproject.toml").write_text(student_pyproject(root, published))
    (folder / "environment.yml").write_text(student_environment(root))
    shutil.copyfile(TEMPLATES / "gitignore", folder / ".gitignore")
    shutil.copyfile(Path(root, "LICENSE"), folder / "LICENSE")
    return published


def _is_edition(folder):
    try:
        project = tomllib.loads((folder / "pyproject.toml").read_text())
    except (OSError, tomllib.TOMLDecodeError):
        return False
    return project.get("tool", {}).get("vi-vae-course", {}).get("edition") == MARKER


def _git_dirty(folder):
    result = subprocess.run(["git", "-C", str(folder), "status", "--porcelain"], capture_output=True, text=True)
    return result.returncode != 0 or bool(result.stdout.strip())


def check_destination(root, dest):
    """Refuse a DEST whose content publishing would destroy."""
    root = Path(root).resolve()
    if dest == root or dest in root.parents:
        raise PublishError(f"DEST={dest} holds the course itself; publish to a folder of its own")
    if root in dest.parents and root / "build" not in (dest, *dest.parents):
        raise PublishError(f"DEST={dest} is inside the course; use a folder outside it, or under build/")
    if dest.exists() and not dest.is_dir():
        raise PublishError(f"DEST={dest} is a file, not a folder")
    if not dest.exists():
        return
    if (dest / ".git").exists() and _git_dirty(dest):
        raise PublishError(f"DEST={dest} is a git checkout with uncommitted changes; commit or discard them first")
    others = sorted(p.name for p in dest.iterdir() if p.name != ".git")
    new_clone = (dest / ".git").exists() and set(others) <= NEW_REPOSITORY_FILES
    if others and not new_clone and not _is_edition(dest):
        raise PublishError(f"DEST={dest} holds other files ({', '.join(others[:5])}); publish into an empty "
                           "folder, an earlier edition or a new clone of the student repository")


def _replace_content(dest, staged):
    dest.mkdir(parents=True, exist_ok=True)
    for entry in dest.iterdir():
        if entry.name == ".git":
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    for entry in staged.iterdir():
        shutil.move(str(entry), dest / entry.name)


def _zip(folder, zip_path):
    """Zip ``folder``'s content under a top folder named like the archive; return the archive's path."""
    zip_path = Path(zip_path).expanduser().resolve()
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            archive.write(path, f"{zip_path.stem}/{path.relative_to(folder).as_posix()}")
    return zip_path


def publish(root, dest, until=None, zip_path=None, draft=False):
    """Publish the student edition of ``until`` (default: every assignment) into ``dest``; with
    ``zip_path``, also as a zip for an LMS. Only a ``draft`` may keep the placeholder Colab links."""
    repo = colab.repository(root)
    if colab.is_placeholder(repo) and not draft:
        raise PublishError(f"every Colab badge and setup cell would point at the placeholder {repo}; set the student "
                           "repository first (make colab-links REPO=owner/name), or publish a draft (DRAFT=1)")
    until = resolve_until(root, until)
    dest = Path(dest).expanduser().resolve()
    check_destination(root, dest)
    with tempfile.TemporaryDirectory(prefix="edition-") as tmp:
        staged = Path(tmp, "edition")
        staged.mkdir()
        published = write_edition(root, staged, until)
        found = leaks.scan(staged, root, until)
        if found:
            lines = "\n".join(f"  {leak.path}: {leak.kind}: {leak.detail}" for leak in found[:20])
            raise PublishError(f"the edition of {until} would hand out {len(found)} answer(s); nothing was "
                               f"published:\n{lines}")
        files = tuple(sorted(p.relative_to(staged).as_posix() for p in staged.rglob("*") if p.is_file()))
        size = sum((staged / f).stat().st_size for f in files)
        if zip_path is not None:
            zip_path = _zip(staged, zip_path)
        _replace_content(dest, staged)
    return Edition(dest, published, files, size, zip_path)
