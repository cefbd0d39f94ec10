"""The sandbox on its own: what a sandboxed process can and cannot do."""
import shutil
import subprocess
import sys

import pytest

from autograder import sandbox
from grading_support import needs_sandbox

PROBE = """
import os, socket, sys
results = {}
try:
    socket.create_connection(("1.1.1.1", 80), timeout=2); results["net"] = "open"
except OSError as e:
    results["net"] = type(e).__name__
for name, path in [("secret", sys.argv[1]), ("parent", sys.argv[2])]:
    try:
        open(path).read(); results[name] = "read"
    except OSError as e:
        results[name] = type(e).__name__
for name, path in [("root", "/escaped.txt"), ("course", sys.argv[3])]:
    try:
        open(path, "w").write("x"); results["write " + name] = "written"
    except OSError as e:
        results["write " + name] = type(e).__name__
open("inside.txt", "w").write("x")
import course
results["course"] = "imported"
print(results)
"""


@needs_sandbox
def test_sandboxed_process_sees_only_its_copy(tmp_path):
    course = tmp_path / "course"
    work = course / "autograded" / "s" / "a"
    runtime = tmp_path / "runtime"
    for folder in (work, runtime, course / "source"):
        folder.mkdir(parents=True)
    (course / "source" / "hidden.txt").write_text("hidden tests")
    (course / "gradebook.db").write_text("grades")
    command = sandbox.isolate_network(sandbox.bwrap_args(str(work), str(runtime), sandbox.readable_paths()) + [
        sys.executable, "-c", PROBE, str(course / "source" / "hidden.txt"), "../../../gradebook.db",
        str(course / "escaped.txt")])
    result = subprocess.run(command, cwd=work, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    seen = eval(result.stdout)
    assert seen.pop("write course") in ("OSError", "written")  # at most into the sandbox's own /tmp
    assert seen == {"net": "OSError", "secret": "FileNotFoundError", "parent": "FileNotFoundError",
                    "write root": "OSError", "course": "imported"}
    assert (work / "inside.txt").exists() and not (course / "escaped.txt").exists()


@needs_sandbox
@pytest.mark.parametrize("assignment, visible", [("01_elbo", set()), ("04_vae", {"distributions"}),
                                                  ("05_posteriors", {"distributions", "vae", "vae_training"})])
def test_the_kernel_sees_the_helpers_as_the_assignments_students_have_them(tmp_path, assignment, visible):
    package = sandbox.student_package(assignment, tmp_path / "package")
    probe = ("import importlib.util, json\n"
             "print(json.dumps(sorted(m for m in ('distributions', 'vae', 'vae_training', 'data', 'widgets')"
             " if importlib.util.find_spec('course.' + m))))")
    command = sandbox.bwrap_args(str(tmp_path), str(tmp_path), sandbox.readable_paths(package)) + [
        sys.executable, "-c", probe]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert set(eval(result.stdout)) == visible | {"data", "widgets"}
    assert (sandbox.course_package() / "vae.py").exists(), "the grader's own package is untouched"


@needs_sandbox
def test_memory_limit_raises_memory_error(tmp_path):
    command = [sys.executable, "-m", "autograder.sandbox", "--runtime-dir", str(tmp_path), "--memory-limit-mb",
               "1024", "--", sys.executable, "-c", "x = bytearray(2 * 2**30)"]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "MemoryError" in result.stderr


def test_missing_bubblewrap_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(sandbox.SandboxUnavailable, match="apt-get install bubblewrap"):
        sandbox.probe()


def test_kernel_manager_wraps_the_kernel_command(tmp_path):
    manager = sandbox.SandboxedKernelManager(kernel_name="python3", runtime_dir=str(tmp_path), memory_limit_mb=512)
    command = manager.format_kernel_cmd()
    assert command[:3] == [sys.executable, "-m", "autograder.sandbox"]
    assert command[command.index("--memory-limit-mb") + 1] == "512"
    assert manager.connection_file.startswith(str(tmp_path))
    assert manager.kernel_spec.interrupt_mode == "message"
