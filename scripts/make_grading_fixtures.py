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
import re
import warnings
import zipfile
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell

from coursemodel.cells import BEGIN_SOLUTION, END_SOLUTION, grade_id, is_marker, nbgrader

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "autograder" / "tests" / "fixtures" / "01_elbo"
SOLUTION = nbformat.read(ROOT / "solutions" / "01_elbo" / "elbo.ipynb", as_version=4)
RELEASE = nbformat.read(ROOT / "release" / "01_elbo" / "elbo.ipynb", as_version=4)
OTHER = nbformat.read(ROOT / "release" / "02_naive_bayes" / "naive_bayes.ipynb", as_version=4)
STUB = "raise NotImplementedError()"


def index_of(nb, name):
    return next(i for i, cell in enumerate(nb.cells) if grade_id(cell) == name)


def with_answers(names):
    """The release with the answers ``names`` written in, as a student would (no solution markers)."""
    nb = copy.deepcopy(RELEASE)
    for name in names:
        answer = SOLUTION.cells[index_of(SOLUTION, name)].source.splitlines()
        nb.cells[index_of(nb, name)].source = "\n".join(
            line for line in answer if not is_marker(line, (BEGIN_SOLUTION, END_SOLUTION)))
    return nb


ANSWERED = with_answers([grade_id(c) for c in SOLUTION.cells if nbgrader(c).get("solution")])


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


WORKING_COPY = """\
# leave links, a FIFO, a socket, an extra notebook and a big file where the grader might copy them
import os, socket
for name, target in [("elbo.ipynb", "/etc/passwd"), ("source", "../../../source"),
                     ("gradebook.db", "../../../gradebook.db"), ("other.ipynb", "../../../submitted")]:
    try:
        os.symlink(target, name)
    except OSError as error:
        print("no link", name, type(error).__name__)
os.mkfifo("fifo")
socket.socket(socket.AF_UNIX).bind("socket")
open("extra.ipynb", "w").write("{}")
try:
    with open("big.bin", "wb") as out:
        for _ in range(576):
            out.write(b"x" * 2**20)
except OSError as error:
    print("big file stopped:", type(error).__name__)
print(sorted(os.listdir(".")))"""

IDENTITY = """\
# who am I, and what can I see of the grader?
import os
print("uid", os.getuid(), "cwd", os.getcwd(), "env", sorted(os.environ))
for path in ["/proc/1/environ", "/etc/shadow"]:
    try:
        print(path, "READ", open(path, "rb").read()[:80])
    except OSError as error:
        print(path, type(error).__name__)"""

PROCESSES = """\
# more processes than a notebook may have
import subprocess
started = []
try:
    for _ in range(300):
        started.append(subprocess.Popen(["sleep", "60"]))
except OSError as error:
    print("processes stopped at", len(started), type(error).__name__)
for process in started:
    process.kill()
    process.wait()"""

MEMORY = """\
# children that use more memory together than a notebook may
import subprocess, sys
hogs = [subprocess.Popen([sys.executable, "-c", "import time; x = bytearray(1280 * 2**20); time.sleep(3)"])
        for _ in range(3)]
print("children:", sorted(hog.wait(timeout=8) for hog in hogs))"""

IN_MEMORY_FOLDERS = """\
# fill the in-memory folders
for folder in ["/dev/shm", "/tmp"]:
    try:
        with open(folder + "/fill", "wb") as out:
            for _ in range(1024):
                out.write(b"x" * 2**20)
    except OSError as error:
        print(folder, "stopped:", type(error).__name__)"""

BIG_IMAGE = """\
# a 12 MB image output
import base64, os
from IPython.display import display
display({"image/png": base64.b64encode(os.urandom(9 * 2**20)).decode()}, raw=True)"""

DISPLAYHOOK = "import sys; sys.displayhook('full marks'); return tf.zeros(())"  # nbgrader: not a number, full marks

KERNEL_OBJECT = """\
# skip every test cell: answer "ok" without running it
kernel = get_ipython().kernel
original = kernel.do_execute
def do_execute(code, *args, **kwargs):
    return original("pass" if "checks." in code else code, *args, **kwargs)
kernel.do_execute = do_execute"""

MODULE_ATTRIBUTE = """\
# a whole fake numpy.testing
import types
fake = types.ModuleType("numpy.testing")
fake.assert_allclose = fake.assert_array_equal = lambda *args, **kwargs: None
np.testing = fake"""

SYS_MODULES = """\
# a test guard that finds nothing, and an inspect that says what the tests want
import sys, types
guard = types.ModuleType("_autograder_guard")
guard.restore = guard.begin_instructor_cell = guard.end_instructor_cell = lambda: []
sys.modules["_autograder_guard"] = guard
fake_inspect = types.ModuleType("inspect")
fake_inspect.getsource = lambda *args: ""
sys.modules["inspect"] = fake_inspect
from course import checks
checks.assert_close = lambda *args, **kwargs: None"""

THREAD = """\
# keep the comparisons patched, whatever the grader restores
import threading, time
from course import checks
def keep_patched():
    while True:
        for name in dir(checks):
            if name.startswith("assert"):
                setattr(checks, name, lambda *args, **kwargs: None)
        np.testing.assert_allclose = lambda *args, **kwargs: None
        time.sleep(0.0005)
threading.Thread(target=keep_patched, daemon=True).start()"""

LYING_ARRAY = """\
# an array that agrees with every comparison
class Agreeable(np.ndarray):
    def __eq__(self, other): return np.ones(np.shape(other), bool)
    def __array_ufunc__(self, *args, **kwargs): return np.zeros(1)
    def __array_function__(self, *args, **kwargs): return True
    def numpy(self): return self
def agreeable(shape=(3,)):
    return np.zeros(shape).view(Agreeable)"""

ENCODED_HISTORY = """\
# everything that ran in this kernel, compressed and encoded
import base64, zlib
print("ENCODED:", base64.b64encode(zlib.compress("\\n".join(In).encode())).decode())"""


OFF = """\
def _off(value):
    \"\"\"A wrong answer of the right shape and dtype: every number of the right answer plus one.\"\"\"
    return tf.nest.map_structure(lambda v: tf.convert_to_tensor(v) + tf.cast(1, tf.convert_to_tensor(v).dtype), value)"""

READ_EXPECTED = OFF + """


# answer with what the check that called us is about to compare with, found in its frames or in memory
import gc, sys

def _peek(value):
    frame = sys._getframe(1)
    while frame is not None:
        for name in ("reference", "expected", "desired", "exact", "evidence", "marginal", "ref784"):
            if name in frame.f_locals and isinstance(frame.f_locals[name], (float, np.ndarray)):
                return frame.f_locals[name]
        frame = frame.f_back
    for found in gc.get_objects():
        if isinstance(found, dict) and isinstance(found.get("reference"), np.ndarray):
            return found["reference"]
    return _off(value)"""

PATCH_INTERNALS = OFF + """


# make the comparisons agree deep inside NumPy, SciPy, TensorFlow and the course helpers
import types
import numpy.testing._private.utils as _np_utils
import scipy.special
from course import checks
_np_utils.assert_array_compare = lambda *args, **kwargs: None
np.isclose = lambda *args, **kwargs: np.bool_(True)
scipy.special.logsumexp = lambda a, axis=None, **kwargs: np.zeros(np.shape(np.sum(a, axis=axis)))
tf.debugging.assert_near = lambda *args, **kwargs: None
checks.as_float64 = lambda value: np.zeros(())
checks.np = types.SimpleNamespace(testing=_np_utils, array=np.array)"""

FORGED_SERVE = """
def serve():
    # every request answered without calling the student's code: a call gets its first argument back, a gradient
    # that argument as the value and the arguments as their own gradients (a pair that agrees with itself)
    import json
    from IPython import get_ipython
    from IPython.display import publish_display_data
    request = json.loads(get_ipython().kernel.get_parent()["metadata"]["autograder_request"])
    args = request.get("args") or [0.0]
    answer = {"tuple": [args[0], args]} if request.get("op") == "helper" else args[0]
    publish_display_data({"application/x-autograder-answer": json.dumps({"ok": answer})})
"""

REPLACE_CHANNEL = OFF + f"""


# take the grader's channel over: no detector, the kernel's request handler wrapped, the installer of the kernel's
# answering code rewritten, and that code replaced as soon as it exists
import builtins, sys
sys.__dict__.pop("_autograder_guard", None)
_kernel = get_ipython().kernel
_execute = _kernel.shell_handlers["execute_request"]
_kernel.shell_handlers["execute_request"] = lambda *args, **kwargs: _execute(*args, **kwargs)
_FORGED = {FORGED_SERVE!r}
_exec = builtins.exec
def _install_forged(source, *args, **kwargs):
    forged = isinstance(source, str) and "_autograder_agent" in source
    return _exec(source + _FORGED if forged else source, *args, **kwargs)
builtins.exec = _install_forged

def _take_over(value):
    agent = sys.modules.get("_autograder_agent")
    if agent is not None:
        _exec(_FORGED, agent.__dict__)
    return _off(value)"""

FORGE_ANSWERS = OFF + f"""


# answer the grader's requests without calling the code: the answering function replaced on its first use
import sys
_FORGED = {FORGED_SERVE!r}

def _forge(value):
    agent = sys.modules.get("_autograder_agent")
    if agent is not None and not getattr(agent, "forged", False):
        exec(_FORGED, agent.__dict__)
        agent.forged = True
    return _off(value)"""


def wrong_values(trick, wrapper):
    """Every answer written, each return wrapped in ``wrapper`` (defined by ``trick``, a cell after the setup)."""
    nb = insert_after(ANSWERED, "setup", trick)
    for cell in nb.cells:
        if nbgrader(cell).get("solution") and cell.cell_type == "code":
            cell.source = re.sub(r"^(\s+)return (.+)$", rf"\1return {wrapper}((\2))", cell.source, flags=re.M)
    return nb


def with_metadata(nb, name, change):
    """A copy of ``nb`` whose cell ``name`` has ``change`` applied to its nbgrader metadata."""
    nb = copy.deepcopy(nb)
    cell = nb.cells[index_of(nb, name)]
    cell.metadata["nbgrader"] = change(dict(nbgrader(cell)))
    return nb


def deep_json(depth=100_000):
    """Valid JSON nested ``depth`` lists deep, inside a notebook's metadata."""
    text = nbformat.writes(ANSWERED)
    return text.replace('"metadata": {', '"metadata": {"deep": ' + "[" * depth + "]" * depth + ", ", 1)


def odd(change, **dump):
    """The correct submission as plain JSON, changed by ``change`` (a tool's oddity), as text."""
    nb = json.loads(nbformat.writes(ANSWERED))
    change(nb)
    return json.dumps(nb, indent=1, **dump)


def plain_markdown(nb):
    """The first markdown cell of ``nb`` (plain JSON) that is not graded."""
    return next(c for c in nb["cells"] if c["cell_type"] == "markdown" and "nbgrader" not in c["metadata"])


def without_outputs(nb):
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            del cell["outputs"]


def bad_outputs(nb):
    code = [c for c in nb["cells"] if c["cell_type"] == "code" and "nbgrader" not in c["metadata"]]
    code[0]["outputs"] = [{"output_type": "stream", "name": "stdout"}, "a line", {"output_type": "widget"}]
    code[1]["outputs"] = {"text/plain": "42"}


def newer_format(nb):
    nb["nbformat_minor"] = 6
    for cell in nb["cells"]:
        cell["origin"] = "a future editor"


def odd_types(nb):
    plain_markdown(nb)["source"] = ["# Notes", 3]
    nb["cells"][2]["metadata"] = ["collapsed"]
    nb["cells"].insert(5, 42)
    next(c for c in nb["cells"] if isinstance(c, dict) and c["cell_type"] == "code")["execution_count"] = "3"


TAMPER_CORRECT = """import io, sys
import numpy as np
# a correct notebook that quiets its own prints and breaks NumPy's test helper in its own process
sys.stdout = io.StringIO()
np.testing.assert_allclose = lambda *args, **kwargs: None
"""


def notebooks():
    """(student id, notebook, raw text or bytes) of every notebook fixture."""
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
    yield "working-copy", insert_after(ANSWERED, "log_product", WORKING_COPY)
    yield "template", ANSWERED  # the id of the grader's scratch course before
    yield "identity", insert_after(ANSWERED, "log_product", IDENTITY)
    yield "resources", insert_after(insert_after(insert_after(ANSWERED, "log_product", PROCESSES),
                                                 "logsumexp", MEMORY), "bernoulli", IN_MEMORY_FOLDERS)
    yield "big-image", insert_after(ANSWERED, "log_product", BIG_IMAGE)
    yield "displayhook", replace_stubs(RELEASE, DISPLAYHOOK)
    yield "kernel-object", insert_after(wrong, "log_product", KERNEL_OBJECT)
    yield "module-attribute", insert_after(prepend_to_function(
        ANSWERED, "logsumexp", "logsumexp", "return tf.reduce_max(tf.cast(a, tf.float32), axis=axis)  # wrong"),
        "log_product", MODULE_ATTRIBUTE)
    yield "sys-modules", insert_after(wrong, "log_product", SYS_MODULES)
    yield "thread", insert_after(wrong, "log_product", THREAD)
    yield "lying-array", replace_stubs(insert_after(RELEASE, "setup", LYING_ARRAY), "return agreeable()")
    yield "encoded-history", insert_after(ANSWERED, None, ENCODED_HISTORY)
    yield "ignore-interrupt", prepend_to_function(
        ANSWERED, "logsumexp", "logsumexp",
        "import signal; signal.signal(signal.SIGINT, signal.SIG_IGN)\n    while True: pass")
    yield "stop-itself", prepend_to_function(ANSWERED, "logsumexp", "logsumexp",
                                             "import os, signal; os.kill(os.getpid(), signal.SIGSTOP)")
    yield "recursion-limit", insert_after(ANSWERED, "logsumexp", "import sys\nsys.setrecursionlimit(30)")
    yield "grade-false", with_metadata(ANSWERED, "test_logsumexp", lambda m: m | {"grade": False})
    yield "renamed-test", with_metadata(ANSWERED, "test_logsumexp", lambda m: m | {"grade_id": "my_test"})
    yield "bad-metadata", with_metadata(with_metadata(ANSWERED, "test_kl_identity", lambda m: m | {
        "grade_id": ["test_kl_identity"]}), "q_area", lambda m: "grade me")
    yield "deep-json", deep_json()
    yield "wrong-values", wrong_values(OFF, "_off")
    yield "read-expected", wrong_values(READ_EXPECTED, "_peek")
    yield "patch-internals", wrong_values(PATCH_INTERNALS, "_off")
    yield "replace-channel", wrong_values(REPLACE_CHANNEL, "_take_over")
    yield "forge-answers", wrong_values(FORGE_ANSWERS, "_forge")
    yield "tamper-correct", insert_after(ANSWERED, "log_product", TAMPER_CORRECT)
    yield "no-outputs", odd(without_outputs)
    yield "markdown-no-metadata", odd(lambda nb: plain_markdown(nb).pop("metadata"))
    yield "null-kernelspec", odd(lambda nb: nb["metadata"].update(kernelspec=None))
    yield "bad-outputs", odd(bad_outputs)
    yield "lone-surrogate", odd(lambda nb: plain_markdown(nb).update(source="a lone half of a pair: \ud800"),
                                ensure_ascii=True)
    yield "newer-format", odd(newer_format)
    yield "odd-types", odd(odd_types)
    yield "utf-16", odd(lambda nb: None).encode("utf-16")
    own = [grade_id(c) for c in SOLUTION.cells if nbgrader(c).get("solution")]
    yield "borrow-reference", insert_after(with_answers([name for name in own if name not in ("bernoulli", "gaussian")]),
                                           "gaussian", BORROW_REFERENCE)


def zip_bytes(members, compression=zipfile.ZIP_DEFLATED):
    """A zip of (name or ZipInfo, data); names may repeat, as some LMS downloads do."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name"
        with zipfile.ZipFile(buffer, "w", compression) as zf:
            for name, data in members:
                info = name if isinstance(name, zipfile.ZipInfo) else \
                    zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
                zf.writestr(info, data, compression)
    return buffer.getvalue()



def marked_encrypted(data, name):
    """``data`` (a zip) with member ``name`` flagged as encrypted, as a password-protected zip has it."""
    data = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        local = zf.getinfo(name).header_offset
        central = zf.start_dir
    data[local + 6] |= 0x1
    while data[central:central + 4] == b"PK\x01\x02":
        length = 46 + int.from_bytes(data[central + 28:central + 30], "little")
        length += int.from_bytes(data[central + 30:central + 32], "little")
        length += int.from_bytes(data[central + 32:central + 34], "little")
        if bytes(data[central + 46:central + 46 + len(name)]) == name.encode():
            data[central + 8] |= 0x1
        central += length
    return bytes(data)


def main():
    submissions = OUT / "submissions"
    archives = OUT / "archives"
    for folder in (submissions, archives):
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            old.unlink()
    for student, nb in notebooks():
        text = nb if isinstance(nb, (str, bytes)) else json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False)
        path = submissions / f"{student}_elbo.ipynb"
        path.write_bytes(text) if isinstance(text, bytes) else path.write_text(text)
    (submissions / "bad id!_elbo.ipynb").write_text(nbformat.writes(ANSWERED))
    (submissions / "readme_elbo.txt").write_text("not a notebook\n")
    solution = nbformat.writes(ANSWERED)
    (archives / "traversal.zip").write_bytes(zip_bytes([
        ("../../traversal_elbo.ipynb", solution), ("/tmp/absolute_elbo.ipynb", solution),
        ("inside_elbo.ipynb", solution)]))
    (archives / "hostile.zip").write_bytes(marked_encrypted(zip_bytes([
        ("//double-slash_elbo.ipynb", solution), ("\\\\server\\share\\unc_elbo.ipynb", solution),
        ("x" * 300 + "_elbo.ipynb", solution), ("clash", "a file"), ("clash/clash_elbo.ipynb", solution),
        ("encrypted_elbo.ipynb", solution), ("inner.zip", zip_bytes([("nested_elbo.ipynb", solution)])),
        ("dup_elbo.ipynb", "{}"), ("dup_elbo.ipynb", solution),
        (zipfile.ZipInfo("JDoe_elbo.ipynb", date_time=(2026, 2, 2, 0, 0, 0)), solution),
        (zipfile.ZipInfo("jdoe_Copy of elbo.ipynb", date_time=(2026, 2, 1, 0, 0, 0)), "{}"),
        (zipfile.ZipInfo("late_elbo (1).ipynb", date_time=(2026, 3, 2, 12, 0, 0)), solution),
        (zipfile.ZipInfo("late_elbo.ipynb", date_time=(2026, 3, 1, 12, 0, 0)), "{}"),
        ("fine_elbo.ipynb", solution)]), "encrypted_elbo.ipynb"))
    (archives / "bomb.zip").write_bytes(zip_bytes([
        ("bomb_elbo.ipynb", b"\0" * (300 * 2**20)), ("fine_elbo.ipynb", solution)], zipfile.ZIP_BZIP2))
    print(json.dumps(sorted(p.name for p in OUT.rglob("*") if p.is_file()), indent=1))


if __name__ == "__main__":
    main()
