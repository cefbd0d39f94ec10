"""Colab links: the "Open in Colab" badge and the Colab part of each notebook's setup cell.

Both point at the student edition's repository (``make publish``), never at this
one. Its address lives in one place, ``[tool.vi-vae-course] student-repository``
of pyproject.toml; ``make colab-links REPO=owner/name`` sets it and writes it into
every source notebook, then regenerates release/ and solutions/. On Colab the
setup cell installs the student package, with its bundled data, from that
repository; elsewhere it does nothing.
"""

import re
from pathlib import Path

import nbformat
from nbformat.v4 import new_markdown_cell

from coursemodel.cells import setup_cell

PLACEHOLDER_OWNER = "OWNER"  # the owner of the repository setting until `make colab-links` sets a real one
BADGE_ID = "colab-badge"
REPO_NAME = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
SETTING = re.compile(r'^(student-repository = ")([^"]*)(")', re.M)
COLAB_SETUP = (
    "import importlib.util, subprocess, sys\n"
    "if \"google.colab\" in sys.modules:  # on Colab: widgets, and the course helpers and data\n"
    "    from google.colab import output\n"
    "    output.enable_custom_widget_manager()\n"
    "    if importlib.util.find_spec(\"course\") is None:\n"
    "        subprocess.run([sys.executable, \"-m\", \"pip\", \"install\", \"--quiet\",\n"
    "                        \"git+https://github.com/{repo}\"], check=True)\n"
)


def repository(root):
    """The student edition's repository ("owner/name") set in pyproject.toml."""
    match = SETTING.search(Path(root, "pyproject.toml").read_text())
    if match is None:
        raise ValueError("pyproject.toml has no [tool.vi-vae-course] student-repository setting")
    return match.group(2)


def is_placeholder(repo):
    """Whether ``repo`` is still the placeholder, so that every badge and setup cell points nowhere."""
    return repo.split("/", 1)[0] == PLACEHOLDER_OWNER


def badge(repo, assignment, notebook_name):
    """Markdown of the badge that opens a notebook of the student edition in Colab."""
    url = f"https://colab.research.google.com/github/{repo}/blob/main/assignments/{assignment}/{notebook_name}"
    return f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({url})"


def with_links(notebook, repo, assignment, notebook_name):
    """``notebook`` with its badge cell first and the Colab lines at the top of its setup cell."""
    cell = new_markdown_cell(badge(repo, assignment, notebook_name), id=BADGE_ID)
    if notebook.cells and notebook.cells[0].get("id") == BADGE_ID:
        notebook.cells[0] = cell
    else:
        notebook.cells.insert(0, cell)
    setup = setup_cell(notebook)
    rest = setup.source[setup.source.index("from course import"):]
    setup.source = COLAB_SETUP.format(repo=repo) + rest
    return notebook


def write_links(root, repo):
    """Set the repository in pyproject.toml and write it into every source notebook."""
    if not REPO_NAME.fullmatch(repo) or is_placeholder(repo):
        raise ValueError(f"REPO must look like owner/name, the student repository, not {repo!r}")
    pyproject = Path(root, "pyproject.toml")
    pyproject.write_text(SETTING.sub(rf"\g<1>{repo}\g<3>", pyproject.read_text()))
    for path in sorted(Path(root, "source").glob("*/*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        nbformat.write(with_links(notebook, repo, path.parent.name, path.name), path)
