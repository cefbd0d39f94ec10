"""Write the autograder's fixture submissions (autograder/tests/fixtures/01_elbo/).

Each fixture is a file as a student or an LMS would send it, named
``<student id>_elbo.ipynb``; the student id says what kind of submission it is.
They are made from the committed solution and release of assignment 01, so
run this again after those change, then check the golden file expected.json.

    python scripts/make_grading_fixtures.py
"""

import copy
import io
import json
import zipfile
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "autograder" / "tests" / "fixtures" / "01_elbo"
SOLUTION = nbformat.read(ROOT / "solutions" / "01_elbo" / "elbo.ipynb", as_version=4)
RELEASE = nbformat.read(ROOT / "release" / "01_elbo" / "elbo.ipynb", as_version=4)
OTHER = nbformat.read(ROOT / "release" / "02_naive_bayes" / "naive_bayes.ipynb", as_version=4)
STUB = "raise NotImplementedError()"


def grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def index_of(nb, name):
    return next(i for i, cell in enumerate(nb.cells) if grade_id(cell) == name)


def with_answers(names):
    """The release with the answers ``names`` written in, as a student would (no solution markers)."""
    nb = copy.deepcopy(RELEASE)
    for name in names:
        answer = SOLUTION.cells[index_of(SOLUTION, name)].source.splitlines()
        nb.cells[index_of(nb, name)].source = "\n".join(
            line for line in answer if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))
    return nb


ANSWERED = with_answers([grade_id(c) for c in SOLUTION.cells if c.metadata.get("nbgrader", {}).get("solution")])


def replace_stubs(nb, line):
    """Every stub of the release answered by ``line`` (a wrong answer that does not raise)."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        cell.source = cell.source.replace(STUB, line)
    return nb


def insert_after(nb, name, source, markdown=False):
    """A copy of ``nb`` with a new cell after the cell ``name`` (or at the end for None)."""
    nb = copy.deepcopy(nb)
    cell_id = f"added-{sum(c.get('id', '').startswith('added-') for c in nb.cells)}"  # stable across runs
    cell = new_markdown_cell(source, id=cell_id) if markdown else new_code_cell(source, id=cell_id)
    nb.cells.insert(len(nb.cells) if name is None else index_of(nb, name) + 1, cell)
    return nb


def prepend_to_function(nb, name, function, code):
    """A copy of ``nb`` with ``code`` as the first statement of ``function`` (in answer cell ``name``)."""
    nb = copy.deepcopy(nb)
    cell = nb.cells[index_of(nb, name)]
    lines = cell.source.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"def {function}("))
    end = next(i for i in range(start + 1, len(lines)) if lines[i].rstrip().endswith('"""')
               and (i > start + 1 or lines[i].count('"""') == 2))
    cell.source = "\n".join(lines[:end + 1] + [f"    {code}"] + lines[end + 1:])
    return nb


def without_tests(nb, names):
    nb = copy.deepcopy(nb)
    nb.cells = [cell for cell in nb.cells if grade_id(cell) not in names]
    return nb


def edited_tests(nb):
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code" and (grade_id(cell) or "").startswith("test_"):
            cell.source = "pass  # tests removed by the student"
    return nb


def duplicated(nb, name):
    nb = copy.deepcopy(nb)
    index = index_of(nb, name)
    nb.cells.insert(index + 1, copy.deepcopy(nb.cells[index]))  # same grade id and same cell id
    return nb


PATCH_HELPERS = """\
# make every check pass
from course import checks
for _name in dir(checks):
    if _name.startswith("assert"):
        setattr(checks, _name, lambda *args, **kwargs: None)"""

PATCH_NUMPY = """\
# make NumPy's comparisons always agree
np.testing.assert_allclose = lambda *args, **kwargs: None
np.testing.assert_array_equal = lambda *args, **kwargs: None
np.allclose = lambda *args, **kwargs: True
np.isclose = lambda *args, **kwargs: True
np.isneginf = lambda *args, **kwargs: True
np.isfinite = lambda *args, **kwargs: np.ones(np.shape(args[0]), bool)"""

IPYTHON_HOOKS = """\
# blank out every test cell before it runs, and swallow every error
ip = get_ipython()
ip.input_transformers_cleanup.append(lambda lines: [] if any("checks." in l for l in lines) else lines)
ip.set_custom_exc((BaseException,), lambda *args, **kwargs: None)"""

READ_SOURCE = """\
# try to read the instructor's files from the grading folder
import glob, os
for path in ["../../../source/01_elbo/elbo.ipynb", "../../../gradebook.db",
             *glob.glob("/**/gradebook.db", recursive=False), "/proc/1/cwd/gradebook.db"]:
    try:
        print("LEAK:", path, open(path, "rb").read(200))
    except OSError as error:
        print("could not read", path, "-", type(error).__name__)
print("parents:", [os.listdir(p) for p in ["..", "../..", "../../.."] if os.path.isdir(p)])
open("../../../source/01_elbo/elbo.ipynb").read()"""

WRITE_OUTSIDE = """\
# try to write outside the submission
import os
open("own_scratch.txt", "w").write("writing next to the notebook is fine")
for path in ["../ESCAPED.txt", "../../../ESCAPED.txt", os.path.expanduser("~/ESCAPED.txt"), "/ESCAPED.txt"]:
    try:
        open(path, "w").write("escaped")
        print("wrote", path)
    except OSError as error:
        print("could not write", path, "-", type(error).__name__)
open("/ESCAPED.txt", "w").write("escaped")"""

BORROW_REFERENCE = """\
# answer with the course's reference code instead of my own
from course import distributions
log_bernoulli, log_normal_diag = distributions.log_bernoulli, distributions.log_normal_diag
kl_normal_diag_std = distributions.kl_normal_diag_std"""

LEAK_HIDDEN = """\
# print the hidden tests, which ran in this kernel
import linecache
print("\\n".join(In))
print("".join("".join(lines[2]) for lines in linecache.cache.values() if isinstance(lines, tuple)))"""


def notebooks():
    """(student id, notebook or raw text) of every notebook fixture."""
    partial = with_answers(["log_product", "logsumexp", "bernoulli"])
    wrong = replace_stubs(RELEASE, "return tf.zeros(())")
    yield "correct", ANSWERED
    yield "blank", RELEASE
    yield "partial", partial
    yield "extra-cells", insert_after(insert_after(
        insert_after(ANSWERED, "logsumexp", "# my own check\nprint(logsumexp([1.0, 2.0]))"),
        "log_product", "Notes to myself: *sum the logs*.", markdown=True), None, "x = 1  # scratch")
    yield "invalid-json", nbformat.writes(ANSWERED)[:5000]
    yield "other-assignment", OTHER
    yield "deleted-tests", without_tests(ANSWERED, {"test_logsumexp", "test_kl_identity"})
    yield "edited-tests", edited_tests(RELEASE)
    yield "duplicate-ids", duplicated(ANSWERED, "logsumexp")
    yield "infinite-loop", prepend_to_function(ANSWERED, "logsumexp", "logsumexp", "while True: pass")
    yield "memory-bomb", prepend_to_function(
        ANSWERED, "log_product", "log_product_naive",
        "blocks = [bytearray(2 ** 28) for _ in range(10 ** 6)]")
    yield "sys-exit", prepend_to_function(ANSWERED, "bernoulli", "sample_bernoulli",
                                          "import sys; sys.exit('bye')")
    yield "os-exit", insert_after(ANSWERED, "gaussian", "import os\nos._exit(3)")
    yield "kernel-crash", insert_after(ANSWERED, "gaussian", "import ctypes\nctypes.string_at(0)")
    yield "huge-output", insert_after(ANSWERED, "logsumexp",
                                      "print('x' * 5_000_000)\nfor i in range(100_000):\n    print(i)")
    yield "stderr", prepend_to_function(ANSWERED, "logsumexp", "logsumexp",
                                        "import sys; print('debugging logsumexp', file=sys.stderr)")
    yield "network", prepend_to_function(
        ANSWERED, "log_product", "log_product_naive",
        "import urllib.request; urllib.request.urlopen('http://example.com', timeout=5)")
    yield "read-source", insert_after(ANSWERED, "log_product", READ_SOURCE)
    yield "write-outside", insert_after(ANSWERED, "log_product", WRITE_OUTSIDE)
    yield "patch-helpers", insert_after(wrong, "log_product", PATCH_HELPERS)
    yield "patch-numpy", insert_after(prepend_to_function(
        ANSWERED, "logsumexp", "logsumexp", "return tf.reduce_max(tf.cast(a, tf.float32), axis=axis)  # wrong"),
        "log_product", PATCH_NUMPY)
    yield "ipython-hooks", insert_after(wrong, "log_product", IPYTHON_HOOKS)
    yield "leak-hidden", insert_after(ANSWERED, None, LEAK_HIDDEN)
    own = [grade_id(c) for c in SOLUTION.cells if c.metadata.get("nbgrader", {}).get("solution")]
    yield "borrow-reference", insert_after(with_answers([name for name in own if name not in ("bernoulli", "gaussian")]),
                                           "gaussian", BORROW_REFERENCE)


def zip_bytes(members, compression=zipfile.ZIP_DEFLATED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as zf:
        for name, data in members:
            zf.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data, compression)
    return buffer.getvalue()



def main():
    submissions = OUT / "submissions"
    archives = OUT / "archives"
    for folder in (submissions, archives):
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            old.unlink()
    for student, nb in notebooks():
        text = nb if isinstance(nb, str) else json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False)
        (submissions / f"{student}_elbo.ipynb").write_text(text)
    (submissions / "bad id!_elbo.ipynb").write_text(nbformat.writes(ANSWERED))
    (submissions / "readme_elbo.txt").write_text("not a notebook\n")
    solution = nbformat.writes(ANSWERED)
    (archives / "traversal.zip").write_bytes(zip_bytes([
        ("../../traversal_elbo.ipynb", solution), ("/tmp/absolute_elbo.ipynb", solution),
        ("inside_elbo.ipynb", solution)]))
    (archives / "bomb.zip").write_bytes(zip_bytes([
        ("bomb_elbo.ipynb", b"\0" * (300 * 2**20)), ("fine_elbo.ipynb", solution)], zipfile.ZIP_BZIP2))
    print(json.dumps(sorted(p.name for p in OUT.rglob("*") if p.is_file()), indent=1))


if __name__ == "__main__":
    main()
