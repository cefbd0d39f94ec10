"""A student's machine, for the tests: a fresh virtual environment that holds nothing of this repository.

``StudentRuntime`` creates the environment with what Colab's runtime has before any setup: a
Jupyter kernel and the scientific stack (TensorFlow, NumPy, ...), never the course. It runs a
notebook's Colab setup with a fake ``google.colab`` (which installs the edition from a git
repository, as on Colab), reinstalls another edition after a deadline, and runs notebooks on its
own kernel, in fast mode.
"""
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

from coursemodel.code import bound_names

KERNEL = "student"
KERNEL_ENV = {"COURSE_FAST": "1", "COURSE_OFFLINE": "1", "MPLBACKEND": "Agg", "PYTHONNOUSERSITE": "1"}
FAKE_COLAB = """\
import json, sys, types
import google  # the namespace package of protobuf, which Colab's TensorFlow brings
calls = []
colab = types.ModuleType("google.colab")
colab.output = types.SimpleNamespace(enable_custom_widget_manager=lambda: calls.append("custom widget manager"))
google.colab = colab
sys.modules["google.colab"] = colab
exec(compile(open(sys.argv[1]).read(), "setup cell", "exec"), {})
import course
print("COLAB-RESULT " + json.dumps({"calls": calls, "course": course.__file__}))
"""
STUB_ERRORS = {"NotImplementedError", "NameError"}


class StudentRuntime:
    """A fresh virtual environment in ``folder`` and a kernel of it."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.python = self.folder / "venv" / "bin" / "python"
        self.installed = None  # the name of the edition installed last

    def _run(self, *command, timeout=1800, cwd=None):
        result = subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=timeout, cwd=cwd)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(map(str, command))} failed ({result.returncode}):\n{result.stderr[-3000:]}")
        return result.stdout

    def create(self, requirements):
        """The environment with ``requirements`` (a kernel, the course's dependencies) and its kernel spec."""
        self._run(sys.executable, "-m", "venv", self.folder / "venv")
        self._run(self.python, "-m", "pip", "install", "--quiet", *requirements)
        spec = self.folder / "kernels" / KERNEL
        spec.mkdir(parents=True)
        (spec / "kernel.json").write_text(json.dumps({
            "argv": [str(self.python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "student", "language": "python", "env": KERNEL_ENV}))

    def colab_setup(self, setup_source):
        """Run a notebook's setup cell as Colab would (with a fake ``google.colab``); returns what it did."""
        with tempfile.TemporaryDirectory() as tmp:
            cell = Path(tmp, "setup.py")
            cell.write_text(setup_source)
            out = self._run(self.python, "-c", FAKE_COLAB, cell, cwd=tmp)
        result = json.loads(next(line for line in out.splitlines() if line.startswith("COLAB-RESULT "))[13:])
        return {**result, "printed": out}

    def install(self, edition, name):
        """Install (again) the edition in the folder ``edition``, as a student does after a deadline."""
        if self.installed == name:
            return
        with tempfile.TemporaryDirectory() as tmp:  # pip builds in the source tree: keep the edition clean
            source = Path(tmp, "edition")
            shutil.copytree(edition, source, ignore=shutil.ignore_patterns(".git"))
            self._run(self.python, "-m", "pip", "install", "--quiet", "--no-deps", "--force-reinstall", source)
        self.installed = name

    def metadata(self, expression):
        """The value of a Python expression in the environment (for example a package's version)."""
        script = f"import json, importlib.metadata; print(json.dumps({expression}))"
        return json.loads(self._run(self.python, "-I", "-c", script))  # -I: not the egg-info of a checkout

    def execute(self, notebook, workdir, timeout=600):
        """Run ``notebook`` top to bottom on the environment's kernel in ``workdir``, errors allowed."""
        manager = KernelManager(kernel_name=KERNEL, kernel_spec_manager=KernelSpecManager(
            kernel_dirs=[str(self.folder / "kernels")]))
        NotebookClient(notebook, km=manager, timeout=timeout, allow_errors=True,
                       resources={"metadata": {"path": str(workdir)}}).execute()
        return notebook


def errors(notebook):
    """(cell index, error name, error value) of every error output of an executed notebook."""
    return [(index, output.ename, output.evalue) for index, cell in enumerate(notebook.cells)
            for output in cell.get("outputs", []) if output.output_type == "error"]


def not_from_stubs(notebook):
    """The errors of an executed release notebook that a stub does not explain: anything but a stub's
    NotImplementedError, or a NameError for a name that only a cell which failed would have bound."""
    unexplained, failed = [], set()
    for index, name, value in errors(notebook):
        cell = notebook.cells[index]
        missing = value.split("'")[1] if name == "NameError" and value.count("'") >= 2 else None
        if name not in STUB_ERRORS or (missing is not None and missing not in failed):
            unexplained.append((index, name, value))
        failed |= bound_names(cell.source)
    return unexplained
