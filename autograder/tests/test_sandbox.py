"""The sandbox on its own: what a sandboxed process can and cannot do."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.kernel import cgroups, kernels, sandbox
from grading_support import needs_sandbox

PROBE = """
import json, os, socket, sys
results = {"uid": os.getuid(), "cwd": os.getcwd(), "env": sorted(os.environ)}
try:
    socket.create_connection(("1.1.1.1", 80), timeout=2); results["net"] = "open"
except OSError as e:
    results["net"] = type(e).__name__
for name, path in [("secret", sys.argv[1]), ("shadow", "/etc/shadow"), ("bwrap environ", "/proc/1/environ"),
                   ("connection", sys.argv[3])]:
    try:
        results[name] = open(path).read()
    except OSError as e:
        results[name] = type(e).__name__
for name, path in [("root", "/escaped.txt"), ("course", sys.argv[2])]:
    try:
        open(path, "w").write("x"); results["write " + name] = "written"
    except OSError as e:
        results["write " + name] = type(e).__name__
try:
    open("big", "wb").write(b"x" * (300 * 2**20)); results["big file"] = "written"
except OSError as e:
    results["big file"] = type(e).__name__
import course
results["course"] = "imported"
print(json.dumps(results))
"""


@needs_sandbox
def test_sandboxed_process_sees_only_its_own_folders_as_nobody(tmp_path, monkeypatch):
    course = tmp_path / "course"
    (course / "source").mkdir(parents=True)
    (course / "source" / "hidden.txt").write_text("hidden tests")
    connection = tmp_path / "runtime" / "kernel.json"
    connection.parent.mkdir()
    connection.write_text("{}")
    connection.chmod(0o600)
    monkeypatch.setenv("GRADER_TOKEN", "secret")
    command = [sys.executable, "-m", "autograder.kernel.sandbox", "--memory-limit-mb", "2048", "--connection-file",
               str(connection), "--", sys.executable, "-c", PROBE, str(course / "source" / "hidden.txt"),
               str(course / "escaped.txt"), str(connection)]
    result = subprocess.run(command, cwd=course, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen.pop("write course") in ("OSError", "PermissionError", "FileNotFoundError")
    assert "GRADER_TOKEN" not in seen.pop("env")
    assert seen == {"uid": sandbox.UNPRIVILEGED if os.geteuid() == 0 else os.geteuid(), "cwd": sandbox.WORKDIR,
                    "net": "OSError", "secret": "FileNotFoundError", "shadow": "PermissionError",
                    "bwrap environ": "PermissionError" if os.geteuid() == 0 else "",
                    "connection": "{}", "write root": "OSError", "big file": "OSError", "course": "imported"}
    assert not (course / "escaped.txt").exists() and not list(course.rglob("big"))


@needs_sandbox
@pytest.mark.parametrize("assignment, visible", [("01_elbo", set()), ("04_vae", {"distributions"}),
                                                  ("05_posteriors", {"distributions", "vae", "vae_training"})])
def test_the_kernel_sees_the_helpers_as_the_assignments_students_have_them(tmp_path, assignment, visible):
    package = sandbox.student_package(assignment, tmp_path / "package")
    probe = ("import importlib.util, json\n"
             "print(json.dumps(sorted(m for m in ('distributions', 'vae', 'vae_training', 'data', 'widgets')"
             " if importlib.util.find_spec('course.' + m))))")
    command = [sys.executable, "-m", "autograder.kernel.sandbox", "--memory-limit-mb", "2048", "--student-package",
               str(package), "--", sys.executable, "-c", probe]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert set(eval(result.stdout)) == visible | {"data", "widgets"}
    assert (sandbox.course_package() / "vae.py").exists(), "the grader's own package is untouched"


@needs_sandbox
def test_memory_limit_raises_memory_error(tmp_path):
    command = [sys.executable, "-m", "autograder.kernel.sandbox", "--memory-limit-mb",
               "1024", "--", sys.executable, "-c", "x = bytearray(2 * 2**30)"]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "MemoryError" in result.stderr


def test_missing_bubblewrap_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(sandbox.SandboxUnavailable, match="apt-get install bubblewrap"):
        sandbox.probe()


def test_kernel_manager_wraps_the_kernel_command(tmp_path):
    manager = kernels.SandboxedKernelManager(kernel_name="python3", runtime_dir=str(tmp_path), memory_limit_mb=512,
                                             cgroup_procs=["/a/cgroup.procs", "/b/cgroup.procs"])
    command = manager.format_kernel_cmd()
    assert command[:3] == [sys.executable, "-m", "autograder.kernel.sandbox"]
    assert command[command.index("--memory-limit-mb") + 1] == "512"
    assert command.count("--cgroup-procs") == 2 and command[command.index("--sockets") + 1] == str(tmp_path / "sockets")
    assert manager.connection_file.startswith(str(tmp_path))
    assert (manager.transport, manager.ip) == ("ipc", str(tmp_path / "sockets" / "kernel"))
    assert manager.kernel_spec.interrupt_mode == "message"


TREE = """
import subprocess, sys, time
children = []
try:
    for _ in range(60):
        children.append(subprocess.Popen(["sleep", "30"]))
except OSError as error:
    print("processes:", len(children), type(error).__name__)
for child in children:
    child.kill()
    child.wait()
hogs = [subprocess.Popen([sys.executable, "-c", "import time; x = bytearray(200 * 2**20); time.sleep(2)"])
        for _ in range(4)]
print("memory:", sorted(hog.wait() for hog in hogs))
"""


@needs_sandbox
@pytest.mark.skipif(cgroups.unavailable() is not None, reason="no usable cgroup controllers here")
def test_a_student_group_limits_the_whole_sandboxed_process_tree_and_is_removed():
    group = cgroups.StudentGroup(512 * 2**20, 40)
    folders = list(group.folders)
    try:
        joined = [arg for procs in group.procs_files() for arg in ("--cgroup-procs", procs)]
        command = [sys.executable, "-m", "autograder.kernel.sandbox", "--memory-limit-mb", "2048", *joined, "--",
                   sys.executable, "-c", TREE]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert "BlockingIOError" in result.stdout, result.stdout + result.stderr
        assert "-9" in result.stdout.split("memory:")[1]  # one hog was stopped by the group's memory limit
        assert group.out_of_memory()
    finally:
        group.close()
    assert folders and not any(folder.exists() for folder in folders)


WARM = """
import os, sys
print(sorted(m for m in ("tensorflow", "course.checks", "wave") if m in sys.modules), len(In), "checks" in dir(),
      os.environ.get("NBGRADER_EXECUTION"), os.nice(0))
"""


@needs_sandbox
def test_a_prepared_kernel_has_its_imports_done_silently_and_leaves_nothing(tmp_path):
    from nbclient import NotebookClient
    import nbformat

    package = sandbox.student_package("01_elbo", tmp_path / "package")
    supply = kernels.KernelSupply(tmp_path)
    kernel = supply.take(kernels.KernelSpec(4096, 64), package, ("course.checks", "no_such_module"))
    try:
        sockets = kernel.folder / "sockets"
        assert oct(sockets.stat().st_mode & 0o777) == oct(0o755), "no new file in the shared folder once it is up"
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(WARM)])
        NotebookClient(notebook, km=kernel.manager, timeout=60).execute()
        nice = os.nice(0) + (0 if os.geteuid() == 0 else kernels.PREPARING_NICE)  # back to the grader's, as root
        assert notebook.cells[0].outputs[0]["text"] == f"['course.checks', 'tensorflow'] 2 False autograde {nice}\n"
        pids = [int(p) for folder in kernel.group.folders for p in (folder / "cgroup.procs").read_text().split()]
        assert pids
        folders = list(kernel.group.folders)
    finally:
        kernel.close()
        supply.discard()
    assert not any(Path("/proc", str(pid)).exists() for pid in pids)
    assert not any(folder.exists() for folder in folders) and not kernel.folder.exists()
    assert not list(tmp_path.glob("kernel-*")), "the prepared next kernel was closed too"
